"""kernels/cpu.py: the CPU report, and the switch that takes an AVX-512 CPU down the AVX2-only route."""
import os
import subprocess
import sys

import pytest

from minigrad.kernels import cpu


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


@pytest.mark.parametrize("value,expected", [("", set()), ("AVX512F", {"AVX512F"}), (" avx512f, ", {"AVX512F"})])
def test_disabled_features_are_read_from_the_switch(monkeypatch, value, expected):
    monkeypatch.setenv(cpu.SWITCH, value)
    assert cpu.disabled_features() == expected


def test_an_unknown_feature_is_an_error_that_names_it(monkeypatch):
    monkeypatch.setenv(cpu.SWITCH, "AVX512F,AVX9000")
    with pytest.raises(ValueError, match="AVX9000.*known: AVX512F, AVX2"):
        cpu.disabled_features()


def test_import_minigrad_refuses_a_misspelt_switch():
    done = run_python("import minigrad", MINIGRAD_DISABLE_CPU_FEATURES="AVX512")
    assert done.returncode != 0
    assert "MINIGRAD_DISABLE_CPU_FEATURES='AVX512': unknown feature(s) AVX512" in done.stderr


def test_the_report_names_the_cpu_its_simd_and_blas_kernel():
    assert cpu.simd_level() in ("AVX-512", "AVX2", "SSE4.2", "SVE", "NEON", "VSX", "none")
    assert cpu.cpu_model()
    blas = cpu.blas_cores()
    assert blas and all("threads" in line or "unknown" in line for line in blas)


def test_openblas_coretype_is_what_the_report_shows():
    done = run_python("from minigrad.kernels import cpu; print(cpu.blas_cores())", OPENBLAS_CORETYPE="Nehalem")
    assert done.returncode == 0, done.stderr
    if "openblas" in done.stdout:
        assert "Nehalem" in done.stdout


def test_switching_avx512_off_takes_the_avx2_route():
    r = pytest.importorskip("minigrad.kernels.cython_impl.recurrent", reason="Cython kernels not built")
    code = ("from minigrad.kernels.cython_impl import recurrent as r\n"
            "print(r.step_matmul_routes(), r.step_matmul_route())\n"
            "try:\n    r.set_step_matmul_route('avx512')\nexcept RuntimeError as e:\n    print('refused:', e)\n")
    done = run_python(code, MINIGRAD_DISABLE_CPU_FEATURES="AVX512F")
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    if r._recurrent_packed.cpu_has("avx2"):  # this CPU has AVX2 + FMA, whatever this process switched off
        assert first == "['avx2', 'blas'] packed AVX2+FMA microkernel (packed_gemm_avx2.h)"
    else:
        assert first.startswith("['blas'] BLAS (")
    assert second.startswith("refused:") and "AVX-512F" in second


@pytest.mark.parametrize("switch", ["AVX2", "AVX512F,AVX2"])
def test_switching_avx2_off_takes_the_blas_route(switch):
    pytest.importorskip("minigrad.kernels.cython_impl.recurrent", reason="Cython kernels not built")
    code = ("from minigrad.kernels.cython_impl import recurrent as r\n"
            "print(r.packed_step_matmul_supported(), r.step_matmul_routes(), r.step_matmul_route())\n"
            "try:\n    r.set_packed_step_matmul(True)\nexcept RuntimeError as e:\n    print('refused:', e)\n")
    done = run_python(code, MINIGRAD_DISABLE_CPU_FEATURES=switch)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first.startswith("False ['blas'] BLAS (")
    assert second.startswith("refused:") and "AVX" in second
