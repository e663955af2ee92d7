/* The AVX2 + FMA twin of packed_gemm.h's microkernel, for CPUs without AVX-512.
 *
 * Same packed format (panels of MG_NR = 32 columns, packed by mg_pack_rows_f32; the weight-gradient
 * blocks of 8 columns made by mg_scatter_rows_f32), same arguments, so the callers in
 * _recurrent.pyx only choose which function to call (once, at module load).
 *
 * AVX2 has 16 vector registers of 8 floats.  The microkernel holds an mr x 16 block of C (half a
 * panel): mr rows x 2 vectors, MG_AVX2_MR = 6 rows = 12 accumulators, plus the two vectors of the
 * panel row and one broadcast of A = 15 registers.  Per k: 2 loads of B, 6 broadcasts of A and 12
 * independent FMAs, enough to cover the FMA latency (4 cycles) on both FMA pipes.  Each 32-column
 * panel is run as its two 16-column halves.  Edge rows (M % 6) run the same code with a constant
 * smaller mr; edge columns (N % 32) are masked loads and stores of C (_mm256_maskload_ps /
 * _mm256_maskstore_ps), full 16-column halves plain ones.
 *
 * The weight-gradient A blocks are 8 rows (columns of g) wide: each is run as 4 + 4 rows.
 */
#ifndef MG_PACKED_GEMM_AVX2_H
#define MG_PACKED_GEMM_AVX2_H

#include "packed_gemm.h"

#ifndef MG_AVX2_MR
#define MG_AVX2_MR 6
#endif

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <immintrin.h>

static inline int mg_packed_gemm_avx2_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* Lane mask of the first n (0..8) of 8 floats, for _mm256_maskload_ps / _mm256_maskstore_ps. */
__attribute__((target("avx2,fma"), always_inline)) static inline __m256i mg_avx2_lanes(int n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* C[0:mr, 0:nc] (+)= A[0:mr, 0:K] @ panel[:, 0:16] for one half of a panel (panel points at the
 * half's first column; rows are MG_NR floats apart); nc is 1..16; mr is a constant at every call. */
__attribute__((target("avx2,fma"), always_inline)) static inline void
mg_microkernel_avx2_f32(const int mr, ptrdiff_t K, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                        const float *panel, float *c, ptrdiff_t ldc, int accumulate, int nc) {
    __m256 lo[8], hi[8];  /* mr <= 8 (MG_AVX2_MR, or 4 in the blocks); only mr of them are used */
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) { lo[i] = _mm256_setzero_ps(); hi[i] = _mm256_setzero_ps(); }
    for (ptrdiff_t k = 0; k < K; k++) {
        __m256 b_lo = _mm256_loadu_ps(panel), b_hi = _mm256_loadu_ps(panel + 8);
        panel += MG_NR;
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            __m256 a_ik = _mm256_broadcast_ss(a + i * rs_a);
            lo[i] = _mm256_fmadd_ps(a_ik, b_lo, lo[i]);
            hi[i] = _mm256_fmadd_ps(a_ik, b_hi, hi[i]);
        }
        a += cs_a;
    }
    if (nc == 16) {
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            float *c_i = c + i * ldc;
            if (accumulate) {
                lo[i] = _mm256_add_ps(lo[i], _mm256_loadu_ps(c_i));
                hi[i] = _mm256_add_ps(hi[i], _mm256_loadu_ps(c_i + 8));
            }
            _mm256_storeu_ps(c_i, lo[i]);
            _mm256_storeu_ps(c_i + 8, hi[i]);
        }
    } else {
        __m256i mask_lo = mg_avx2_lanes(nc >= 8 ? 8 : nc), mask_hi = mg_avx2_lanes(nc <= 8 ? 0 : nc - 8);
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            float *c_i = c + i * ldc;
            if (accumulate) {
                lo[i] = _mm256_add_ps(lo[i], _mm256_maskload_ps(c_i, mask_lo));
                hi[i] = _mm256_add_ps(hi[i], _mm256_maskload_ps(c_i + 8, mask_hi));
            }
            _mm256_maskstore_ps(c_i, mask_lo, lo[i]);
            _mm256_maskstore_ps(c_i + 8, mask_hi, hi[i]);
        }
    }
}

/* Rows [0, M) of one 32-column panel (nr valid columns), both halves, in blocks of r rows. */
#define MG_AVX2_PANEL_ROWS(r, a_rows, c_rows)                                                        \
    do {                                                                                             \
        mg_microkernel_avx2_f32(r, K, (a_rows), rs_a, cs_a, panel, (c_rows), ldc, accumulate,        \
                                nr >= 16 ? 16 : (int)nr);                                            \
        if (nr > 16)                                                                                 \
            mg_microkernel_avx2_f32(r, K, (a_rows), rs_a, cs_a, panel + 16, (c_rows) + 16, ldc,      \
                                    accumulate, (int)nr - 16);                                       \
    } while (0)

/* C[M, N] = A @ B (accumulate: C += A @ B): mg_packed_gemm_f32's contract, on AVX2 + FMA. */
__attribute__((target("avx2,fma"))) static void
mg_packed_gemm_avx2_f32(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t rs_a,
                        ptrdiff_t cs_a, const float *packed, float *c, ptrdiff_t ldc, int accumulate) {
    for (ptrdiff_t j0 = 0; j0 < N; j0 += MG_NR) {
        ptrdiff_t nr = N - j0 < MG_NR ? N - j0 : MG_NR;
        const float *panel = packed + j0 * K;
        ptrdiff_t i0 = 0;
        for (; i0 + MG_AVX2_MR <= M; i0 += MG_AVX2_MR)
            MG_AVX2_PANEL_ROWS(MG_AVX2_MR, a + i0 * rs_a, c + i0 * ldc + j0);
        switch (M - i0) {
#define MG_EDGE_ROWS(r) case r: MG_AVX2_PANEL_ROWS(r, a + i0 * rs_a, c + i0 * ldc + j0); break;
            MG_EDGE_ROWS(1) MG_EDGE_ROWS(2) MG_EDGE_ROWS(3) MG_EDGE_ROWS(4) MG_EDGE_ROWS(5)
            MG_EDGE_ROWS(6) MG_EDGE_ROWS(7)  /* M - i0 < MG_AVX2_MR <= 8 */
#undef MG_EDGE_ROWS
            default: break;
        }
    }
}

/* mg_blocks_gemm2_f32's contract (A in blocks of 8 columns of g, from mg_scatter_rows_f32) on
 * AVX2 + FMA: each block of 8 rows of C is run as rows 0-3 and 4-7. */
__attribute__((target("avx2,fma"))) static void
mg_blocks_gemm2_avx2_f32(ptrdiff_t M, ptrdiff_t K, const float *a_blocks, ptrdiff_t N1, const float *packed1,
                         float *c1, ptrdiff_t N2, const float *packed2, float *c2, int accumulate) {
    const ptrdiff_t rs_a = 1, cs_a = MG_MR;
    for (ptrdiff_t i0 = 0; i0 < M; i0 += MG_MR) {
        const float *a_block = a_blocks + i0 * K;
        int mr = M - i0 < MG_MR ? (int)(M - i0) : MG_MR;
        for (int which = 0; which < 2; which++) {
            ptrdiff_t N = which ? N2 : N1, ldc = N;
            const float *packed = which ? packed2 : packed1;
            float *c = which ? c2 : c1;
            for (ptrdiff_t j0 = 0; j0 < N; j0 += MG_NR) {
                ptrdiff_t nr = N - j0 < MG_NR ? N - j0 : MG_NR;
                const float *panel = packed + j0 * K;
                float *c_block = c + i0 * ldc + j0;
                switch (mr) {
                    case 8: MG_AVX2_PANEL_ROWS(4, a_block, c_block);
                            MG_AVX2_PANEL_ROWS(4, a_block + 4, c_block + 4 * ldc); break;
                    case 7: MG_AVX2_PANEL_ROWS(4, a_block, c_block);
                            MG_AVX2_PANEL_ROWS(3, a_block + 4, c_block + 4 * ldc); break;
                    case 6: MG_AVX2_PANEL_ROWS(4, a_block, c_block);
                            MG_AVX2_PANEL_ROWS(2, a_block + 4, c_block + 4 * ldc); break;
                    case 5: MG_AVX2_PANEL_ROWS(4, a_block, c_block);
                            MG_AVX2_PANEL_ROWS(1, a_block + 4, c_block + 4 * ldc); break;
                    case 4: MG_AVX2_PANEL_ROWS(4, a_block, c_block); break;
                    case 3: MG_AVX2_PANEL_ROWS(3, a_block, c_block); break;
                    case 2: MG_AVX2_PANEL_ROWS(2, a_block, c_block); break;
                    case 1: MG_AVX2_PANEL_ROWS(1, a_block, c_block); break;
                    default: break;
                }
            }
        }
    }
}

#undef MG_AVX2_PANEL_ROWS

#else  /* no x86-64 GCC/Clang build: never called, the caller uses BLAS */

static inline int mg_packed_gemm_avx2_supported(void) { return 0; }

static void mg_packed_gemm_avx2_f32(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t rs_a,
                                    ptrdiff_t cs_a, const float *packed, float *c, ptrdiff_t ldc, int accumulate) {
    mg_packed_gemm_f32(M, N, K, a, rs_a, cs_a, packed, c, ldc, accumulate);
}

static void mg_blocks_gemm2_avx2_f32(ptrdiff_t M, ptrdiff_t K, const float *a_blocks, ptrdiff_t N1,
                                     const float *packed1, float *c1, ptrdiff_t N2, const float *packed2,
                                     float *c2, int accumulate) {
    mg_blocks_gemm2_f32(M, K, a_blocks, N1, packed1, c1, N2, packed2, c2, accumulate);
}

#endif
#endif
