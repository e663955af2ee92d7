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
