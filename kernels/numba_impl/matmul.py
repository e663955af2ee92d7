"""Blocked matrix product compiled by Numba, written to be read and measured (the op layer's
fast path calls BLAS instead).

Scheme (the Goto/BLIS loop nest, simplified):
- B is cut into blocks of KC rows x NC columns; each block is copied transposed into ``panel``
  so that a column of B becomes a contiguous row (the copy is O(K*N), the product O(M*N*K)).
- A 4x4 register tile of ``out`` is 16 dot products of 4 rows of A with 4 rows of the panel,
  run together over k: each step loads 8 numbers and does 16 multiply-adds, and the 16
  accumulators never leave the registers. LLVM vectorises the k loop, so each accumulator
  is a SIMD register (AVX-512 machines have the 32 registers 16 accumulators + 8 loads need).
  LLVM picks 256-bit vectors on AVX-512 Xeons (it prefers them there), half the width an
  AVX-512 BLAS uses, so even in L1 the tile runs at under half of BLAS's float32 speed.
- Rows and columns left over when M or N is not a multiple of 4 are plain dot products.

Numba flags: SERIAL from _config plus two fastmath flags for this file only. "contract" fuses
a*b + c into one FMA instruction; "reassoc" lets LLVM split each dot product over SIMD lanes
(the sum order changes, so results differ from BLAS in the last bits, as BLAS differs from any
loop). Neither assumes anything about NaN or inf, which propagate exactly as without them.
Without "reassoc" no loop order keeps accumulators in registers here, and the kernel reaches
a third of the speed. Serial: matmul's fast path is BLAS; this kernel is there to study.
"""
import numpy as np
from numba import njit

from ._config import SERIAL

_kernel = njit(**dict(SERIAL, fastmath={"contract", "reassoc"}))

KC = 512      # k-block: 4 rows of A (8 KiB of float32) stay in L1 while the panel streams by
NC = 256      # column block: the panel (NC x KC, 512 KiB of float32) stays in L2


@_kernel
def _tile_4x4(a0, a1, a2, a3, b0, b1, b2, b3, out, i, j):
    """out[i:i+4, j:j+4] += dot products of rows a0..a3 with panel rows b0..b3 (same length)."""
    zero = out.dtype.type(0)
    c00 = c01 = c02 = c03 = zero
    c10 = c11 = c12 = c13 = zero
    c20 = c21 = c22 = c23 = zero
    c30 = c31 = c32 = c33 = zero
    for k in range(a0.shape[0]):
        x0 = a0[k]; x1 = a1[k]; x2 = a2[k]; x3 = a3[k]              # noqa: E702
        y0 = b0[k]; y1 = b1[k]; y2 = b2[k]; y3 = b3[k]              # noqa: E702
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3  # noqa: E702
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3  # noqa: E702
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3  # noqa: E702
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3  # noqa: E702
    r = out[i]
    r[j] += c00; r[j + 1] += c01; r[j + 2] += c02; r[j + 3] += c03  # noqa: E702
    r = out[i + 1]
    r[j] += c10; r[j + 1] += c11; r[j + 2] += c12; r[j + 3] += c13  # noqa: E702
    r = out[i + 2]
    r[j] += c20; r[j + 1] += c21; r[j + 2] += c22; r[j + 3] += c23  # noqa: E702
    r = out[i + 3]
    r[j] += c30; r[j + 1] += c31; r[j + 2] += c32; r[j + 3] += c33  # noqa: E702


@_kernel
def _dot(x, y):
    """sum_k x[k] * y[k]: the edge rows and columns the 4x4 tiles do not cover."""
    total = x.dtype.type(0)
    for k in range(x.shape[0]):
        total += x[k] * y[k]
    return total


@_kernel
def matmul_blocked(a, b, out):
    M, K = a.shape
    N = b.shape[1]
    M4 = M - M % 4                          # rows covered by 4x4 tiles
    out[:] = 0
    panel = np.empty((NC, KC), dtype=a.dtype)
    for j0 in range(0, N, NC):
        nc = min(NC, N - j0)
        nc4 = nc - nc % 4                   # panel rows (columns of B) covered by tiles
        for k0 in range(0, K, KC):
            kc = min(KC, K - k0)
            for k in range(kc):             # panel[j, k] = b[k0 + k, j0 + j]
                b_row = b[k0 + k]
                for j in range(nc):
                    panel[j, k] = b_row[j0 + j]
            for i in range(0, M4, 4):
                a0 = a[i, k0:k0 + kc]
                a1 = a[i + 1, k0:k0 + kc]
                a2 = a[i + 2, k0:k0 + kc]
                a3 = a[i + 3, k0:k0 + kc]
                for j in range(0, nc4, 4):
                    _tile_4x4(a0, a1, a2, a3, panel[j, :kc], panel[j + 1, :kc],
                              panel[j + 2, :kc], panel[j + 3, :kc], out, i, j0 + j)
                for j in range(nc4, nc):    # columns left over: one dot product per entry
                    for r in range(4):
                        out[i + r, j0 + j] += _dot(a[i + r, k0:k0 + kc], panel[j, :kc])
            for i in range(M4, M):          # rows left over
                for j in range(nc):
                    out[i, j0 + j] += _dot(a[i, k0:k0 + kc], panel[j, :kc])
