"""The kernel report covers every kernel of the registry, and its sample calls agree across backends."""
import numpy as np
import pytest

from minigrad import kernel_report
from minigrad.kernels import BACKENDS, kernel_names
from minigrad.kernels.samples import copy_call, sample_call
from conftest import get_kernels

TOLERANCE = {np.float32: 2e-4, np.float64: 1e-10}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_registered_kernel_matches_the_reference_on_its_sample(backend, dtype, reference):
    kernels = get_kernels(backend)
    for _, name in kernel_names():
        args, outputs = sample_call(name, dtype)
        expected, actual = copy_call(args), copy_call(args)
        getattr(reference, name)(*expected)
        getattr(kernels, name)(*actual)
        for i in outputs:
            np.testing.assert_allclose(actual[i], expected[i], rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype],
                                       err_msg=f"{name} on {backend}, output argument {i}")


def test_report_lists_every_kernel_on_every_backend(capsys):
    assert kernel_report.main([]) == 0
    printed = capsys.readouterr().out
    rows = kernel_report.report()
    assert {(r["kernel"], r["backend"]) for r in rows} == {(k, b) for _, k in kernel_names() for b in BACKENDS}
    for _, name in kernel_names():
        assert name in printed
    for row in rows:
        if "max_diff" in row:
            assert row["max_diff"] < 1e-3, row
            assert row["first_ms"] >= 0 and row["steady_ms"] >= 0


def test_cli_kernels_command_runs_the_report(capsys):
    from minigrad.cli import main
    assert main(["kernels", "--backend", "numpy"]) == 0
    assert "conv2d_forward" in capsys.readouterr().out


def test_report_names_the_machine_the_kernels_run_on(capsys, monkeypatch):
    monkeypatch.setenv("NUMBA_CPU_NAME", "generic")   # shown as a switch; Numba itself read it at import
    assert kernel_report.main(["--backend", "numpy"]) == 0
    head = capsys.readouterr().out.split("\n\n")[0].splitlines()
    assert [line.split(":")[0] for line in head if not line.startswith("BLAS")] == [
        "CPU", "Numba compiles for", "Cython recurrent step matmul (float32)", "CPU switches set"]
    assert "SIMD: " in head[0]
    assert any(line.startswith("BLAS: ") for line in head)
    assert "NUMBA_CPU_NAME=generic" in head[-1]


def test_machine_flag_prints_only_the_machine(capsys):
    assert kernel_report.main(["--machine"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("CPU: ") and "Kernels on sample inputs" not in printed
