"""mg.warmup: every kernel the ops use is called once; unavailable backends are skipped with the reason."""
import minigrad as mg
from minigrad.warmup import course_kernels


def test_warmup_calls_every_kernel_the_ops_use_on_numba():
    report = mg.warmup(progress=False)
    if "numba" in report.skipped:
        assert not report.rows
        return
    assert [r["kernel"] for r in report.rows] == course_kernels()
    assert "matmul_blocked" not in course_kernels()
    assert {r["status"] for r in report.rows} <= {"compiled now (JIT)", "loaded from cache", "already in memory"}
    again = mg.warmup(dtypes=("float32",), progress=False)
    assert {r["status"] for r in again.rows} == {"already in memory"}
    assert "kernel calls in" in str(again)


def test_warmup_reports_a_missing_backend_and_rejects_unknown_kernels():
    report = mg.warmup(backends=["numpy", "nope"], kernels=["conv2d_forward"], progress=True)
    assert "nope" in report.skipped and [r["status"] for r in report.rows] == ["python (NumPy)"]
    try:
        mg.warmup(kernels=["no_such_kernel"], progress=False)
    except ValueError as exc:
        assert "no_such_kernel" in str(exc)
    else:
        raise AssertionError("an unknown kernel must be refused")
