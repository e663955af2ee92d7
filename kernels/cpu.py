"""What this CPU offers the kernels, and which of minigrad's own SIMD paths a user switched off.

``MINIGRAD_DISABLE_CPU_FEATURES`` (like NumPy's ``NPY_DISABLE_CPU_FEATURES``) names features,
separated by commas or spaces, that minigrad's hand-written SIMD code must not use even where the
CPU has them, so that an AVX-512 machine can run the route an AVX2-only laptop takes:

    MINIGRAD_DISABLE_CPU_FEATURES=AVX512F   the Cython recurrent kernels multiply by the packed
                                            AVX2+FMA microkernel (packed_gemm_avx2.h), not by the
                                            AVX-512 one (packed_gemm.h)
    MINIGRAD_DISABLE_CPU_FEATURES=AVX2      ... by BLAS, as on a CPU older than Haswell; this also
                                            switches AVX-512 off (every AVX-512 CPU has AVX2)

It does not reach the elementwise loops' GCC target_clones in vecmath.h (their x86-64-v4 and
-v3 clones do the same FMA arithmetic, only on wider vectors, so results do not change), nor
NumPy's or OpenBLAS's own dispatch: ``NPY_DISABLE_CPU_FEATURES`` and
``OPENBLAS_CORETYPE=Haswell`` (or ``Sandybridge``, ``Nehalem``) do that, and
``NUMBA_CPU_NAME=generic`` compiles Numba's kernels for no particular CPU.
"""
from __future__ import annotations

import os
import platform

SWITCH = "MINIGRAD_DISABLE_CPU_FEATURES"
KNOWN_FEATURES = ("AVX512F", "AVX2")


def disabled_features() -> frozenset[str]:
    """The features named in MINIGRAD_DISABLE_CPU_FEATURES; an unknown name is an error, not a no-op."""
    names = os.environ.get(SWITCH, "").replace(",", " ").upper().split()
    unknown = sorted(set(names) - set(KNOWN_FEATURES))
    if unknown:
        raise ValueError(f"{SWITCH}={os.environ[SWITCH]!r}: unknown feature(s) {', '.join(unknown)}; "
                         f"known: {', '.join(KNOWN_FEATURES)}")
    return frozenset(names)


def simd_level() -> str:
    """The widest vector ISA NumPy found on this CPU: AVX-512, AVX2, SSE4.2, NEON, ... or 'none'."""
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # NumPy < 2
        from numpy.core._multiarray_umath import __cpu_features__ as features
    for name, label in (("AVX512F", "AVX-512"), ("AVX2", "AVX2"), ("SSE42", "SSE4.2"), ("SVE", "SVE"),
                        ("ASIMD", "NEON"), ("NEON", "NEON"), ("VSX", "VSX")):
        if features.get(name):
            return label
    return "none"


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one), else what platform says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_cores() -> list[str]:
    """Each loaded BLAS library and the kernel it chose, e.g. 'openblas 0.3.31 SkylakeX (2 threads)'."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return ["threadpoolctl not installed: BLAS kernel unknown"]
    import numpy  # noqa: F401  (loads NumPy's BLAS so that threadpoolctl sees it)

    return [f"{info['internal_api']} {info.get('version') or '?'} {info.get('architecture') or '?'} "
            f"({info['num_threads']} threads)"
            for info in threadpool_info() if info["user_api"] == "blas"]


def numba_target() -> str:
    """The CPU Numba compiles for: NUMBA_CPU_NAME when set (e.g. 'generic'), else the host's."""
    try:
        from numba.core import config
        import llvmlite.binding as llvm
    except ImportError as exc:
        return f"numba not installed ({exc})"
    return config.CPU_NAME or f"{llvm.get_host_cpu_name()} (host)"


def report_lines(recurrent_route: str) -> list[str]:
    """The machine as the kernels see it: one 'name: value' line each.  ``recurrent_route``: the
    Cython recurrent kernels' float32 route, asked of them by the caller (they import this module,
    so it cannot import them)."""
    switches = [f"{name}={os.environ[name]}" for name in (SWITCH, "OPENBLAS_CORETYPE", "NPY_DISABLE_CPU_FEATURES",
                                                          "NUMBA_CPU_NAME") if os.environ.get(name)]
    return [f"CPU: {cpu_model()} ({platform.machine()}), SIMD: {simd_level()}",
            *(f"BLAS: {line}" for line in blas_cores()),
            f"Numba compiles for: {numba_target()}",
            f"Cython recurrent step matmul (float32): {recurrent_route}",
            f"CPU switches set: {', '.join(switches) if switches else 'none'}"]
