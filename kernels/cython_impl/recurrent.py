"""Recurrent kernels, compiled: _recurrent.pyx, the reference's twin over BLAS, and for float32
sequences _recurrent_packed.pyx, a packed per-step matmul; the one place that chooses between them.

The float32 step-matmul routes, fastest first: "avx512" (packed_gemm.h's microkernel, AVX-512F),
"avx2" (packed_gemm_avx2.h's, AVX2 + FMA), "blas" (_recurrent.pyx).  At import the first one this
CPU has and MINIGRAD_DISABLE_CPU_FEATURES (kernels/cpu.py) leaves on is chosen: AVX512F there takes
an AVX-512 CPU down the route an AVX2-only CPU takes, AVX2 (which every AVX-512 CPU has too) down
the BLAS route of a CPU older than Haswell.  set_step_matmul_route() switches, so tests and
benchmarks can compare the routes in one process.
"""
import numpy as np

from ..cpu import disabled_features
from . import _recurrent, _recurrent_packed
from ._recurrent import (  # noqa: F401
    gru_cell_backward,
    gru_cell_forward,
    lstm_cell_backward,
    lstm_cell_forward,
    rnn_cell_backward,
    rnn_cell_forward,
)

ROUTES = {"avx512": "packed AVX-512 microkernel (packed_gemm.h)",
          "avx2": "packed AVX2+FMA microkernel (packed_gemm_avx2.h)",
          "blas": "BLAS"}
_disabled = disabled_features()
_route = "blas"


def _route_refusal(name):
    """Why route `name` cannot run here, or None if it can."""
    if name == "avx512":
        if not _recurrent_packed.cpu_has("avx512"):
            return "this CPU has no AVX-512F"
        if "AVX512F" in _disabled or "AVX2" in _disabled:
            return "AVX-512F switched off by MINIGRAD_DISABLE_CPU_FEATURES"
    elif name == "avx2":
        if not _recurrent_packed.cpu_has("avx2"):
            return "this CPU has no AVX2 + FMA"
        if "AVX2" in _disabled:
            return "AVX2 switched off by MINIGRAD_DISABLE_CPU_FEATURES"
    elif name != "blas":
        raise ValueError(f"unknown step matmul route {name!r}; known: {', '.join(ROUTES)}")
    return None


def step_matmul_routes():
    """The routes that may run here ("avx512", "avx2", "blas"), fastest first; "blas" always."""
    return [name for name in ROUTES if _route_refusal(name) is None]


def set_step_matmul_route(name):
    """Run the float32 sequence kernels by route `name` (see step_matmul_routes()); returns the old
    name.  All routes give the same sums in different orders; the switch lets tests compare them."""
    global _route
    refusal = _route_refusal(name)
    if refusal is not None:
        raise RuntimeError(f"step matmul route {name!r} needs {'AVX-512F' if name == 'avx512' else 'AVX2 + FMA'}: "
                           f"{refusal}")
    if name != "blas":
        _recurrent_packed.use_microkernel(name)
    previous, _route = _route, name
    return previous


def packed_step_matmul_supported():
    """Whether a packed per-step matmul (AVX-512F, or AVX2 + FMA) may run here."""
    return step_matmul_routes()[0] != "blas"


def set_packed_step_matmul(enabled):
    """Multiply each step by a packed w_hh (True: the fastest packed route here) or by BLAS (False);
    returns whether it was packed before."""
    previous = _route != "blas"
    if enabled and not packed_step_matmul_supported():
        raise RuntimeError("packed step matmul needs AVX-512F or AVX2 + FMA: "
                           + "; ".join(_route_refusal(name) for name in ("avx512", "avx2")))
    set_step_matmul_route(step_matmul_routes()[0] if enabled else "blas")
    return previous


def step_matmul_route():
    """Which matmul the float32 sequence kernels run now, and why, in words."""
    if _route != "blas":
        return ROUTES[_route]
    fastest = step_matmul_routes()[0]
    if fastest != "blas":
        return f"BLAS (set_step_matmul_route('blas'); {fastest} would run here)"
    return f"BLAS ({'; '.join(_route_refusal(name) for name in ('avx512', 'avx2'))})"


set_step_matmul_route(step_matmul_routes()[0])


def _sequence_kernels(w_hh):
    """The module whose sequence kernels run for this weight: the packed ones for float32 with a
    packed route on (a weight with no elements has nothing to pack), else the BLAS twins."""
    if _route != "blas" and w_hh.dtype == np.float32 and w_hh.size > 0:
        return _recurrent_packed
    return _recurrent


def rnn_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, hs):
    _sequence_kernels(w_hh).rnn_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, hs)


def rnn_sequence_backward(grad_hs, w_hh, h0, hs, x_rows, grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_h0,
                          grad_h_steps, bptt_chunk):
    _sequence_kernels(w_hh).rnn_sequence_backward(grad_hs, w_hh, h0, hs, x_rows, grad_xproj, grad_w_hh, grad_w_ih,
                                                  grad_b_ih, grad_h0, grad_h_steps, bptt_chunk)


def lstm_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, c0, hs, cs, gates):
    _sequence_kernels(w_hh).lstm_sequence_forward(x_rows, w_ih, b_ih, w_hh, h0, c0, hs, cs, gates)


def lstm_sequence_backward(grad_hs, grad_cT, w_hh, h0, c0, hs, cs, gates, x_rows,
                           grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_h0, grad_c0, grad_h_steps, bptt_chunk):
    _sequence_kernels(w_hh).lstm_sequence_backward(grad_hs, grad_cT, w_hh, h0, c0, hs, cs, gates, x_rows,
                                                   grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_h0, grad_c0,
                                                   grad_h_steps, bptt_chunk)


def gru_sequence_forward(x_rows, w_ih, b_ih, w_hh, b_hh, h0, hs, workspace):
    _sequence_kernels(w_hh).gru_sequence_forward(x_rows, w_ih, b_ih, w_hh, b_hh, h0, hs, workspace)


def gru_sequence_backward(grad_hs, w_hh, b_hh, h0, hs, workspace, x_rows,
                          grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_b_hh, grad_h0, grad_h_steps, bptt_chunk):
    _sequence_kernels(w_hh).gru_sequence_backward(grad_hs, w_hh, b_hh, h0, hs, workspace, x_rows,
                                                  grad_xproj, grad_w_hh, grad_w_ih, grad_b_ih, grad_b_hh, grad_h0,
                                                  grad_h_steps, bptt_chunk)
