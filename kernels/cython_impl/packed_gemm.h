/* A float32 matmul for recurrent layers: the weight is packed once, then multiplied every step.
 *
 * A recurrent sequence multiplies by the same weight at every one of its T steps
 * (h_{t-1} @ w_hh.T forward, grad_pre_t @ w_hh backward), 64 x 128 by 128 x 512 for the
 * course's LSTM.  OpenBLAS repacks the weight on every call and runs these shapes at ~75 % of
 * the core's peak; packing once and keeping the panels in cache runs them at ~95 %, as MKL does.
 *
 *     C[M, N] (+)= A[M, K] @ B[K, N]
 *
 * B is packed into panels of MG_NR = 32 columns: panel p holds B[0:K, 32p : 32p + 32] row by row,
 * 32 floats a row, zero-padded past N, so the inner loop reads two 16-float vectors a row with
 * no edge cases.  A is read in place through two strides (rs_a to the next row, cs_a to the
 * next column), so A may be transposed without a copy: for grad_w_hh = sum_t g_t^T h_{t-1}, A is
 * g^T with rs_a = 1.
 *
 * The microkernel holds an MG_MR x 32 block of C (8 rows x 2 vectors = 16 of the 32 AVX-512
 * registers) and, for each k, broadcasts A[i, k] for its 8 rows and adds A[i, k] * B[k, 0:32]
 * with two fused multiply-adds a row: 16 independent FMAs per k, enough to keep both FMA units
 * busy through their 4-cycle latency.  Edge rows (M % 8) run the same code with fewer rows;
 * edge columns (N % 32) are masked loads and stores of C.
 *
 * AVX-512 only (GCC or Clang on x86-64); mg_packed_gemm_supported() says whether this CPU has it;
 * otherwise the caller uses packed_gemm_avx2.h's AVX2 + FMA twin, or BLAS.
 */
#ifndef MG_PACKED_GEMM_H
#define MG_PACKED_GEMM_H

#include <stddef.h>

#define MG_NR 32
#define MG_MR 8

/* Floats a packed copy of a K x N matrix takes. */
static inline size_t mg_packed_size(ptrdiff_t K, ptrdiff_t N) {
    return (size_t)((N + MG_NR - 1) / MG_NR) * MG_NR * (size_t)K;
}

/* Pack rows [0, K) of b (b[k, n] at b[k * rs_b + n * cs_b]) into rows [k0, k0 + K) of the panels
 * of a K_total x N packed matrix: one packed matrix may gather its rows from several arrays. */
static void mg_pack_rows_f32(ptrdiff_t K, ptrdiff_t N, const float *b, ptrdiff_t rs_b, ptrdiff_t cs_b,
                             float *packed, ptrdiff_t k0, ptrdiff_t K_total) {
    for (ptrdiff_t j0 = 0; j0 < N; j0 += MG_NR) {
        ptrdiff_t nr = N - j0 < MG_NR ? N - j0 : MG_NR;
        float *panel = packed + j0 * K_total;
        for (ptrdiff_t k = 0; k < K; k++) {
            float *dst = panel + (k0 + k) * MG_NR;
            const float *src = b + k * rs_b + j0 * cs_b;
            for (ptrdiff_t j = 0; j < nr; j++) dst[j] = src[j * cs_b];
            for (ptrdiff_t j = nr; j < MG_NR; j++) dst[j] = 0.f;
        }
    }
}

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#include <immintrin.h>

static inline int mg_packed_gemm_supported(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}

/* C[0:mr, 0:32] (+)= A[0:mr, 0:K] @ panel; mr is a constant at every call, so the row loops unroll
 * and the accumulators live in registers. */
__attribute__((target("avx512f"), always_inline)) static inline void
mg_microkernel_f32(const int mr, ptrdiff_t K, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                   const float *panel, float *c, ptrdiff_t ldc, int accumulate,
                   __mmask16 mask_lo, __mmask16 mask_hi) {
    __m512 lo[MG_MR], hi[MG_MR];
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) { lo[i] = _mm512_setzero_ps(); hi[i] = _mm512_setzero_ps(); }
    for (ptrdiff_t k = 0; k < K; k++) {
        __m512 b_lo = _mm512_loadu_ps(panel), b_hi = _mm512_loadu_ps(panel + 16);
        panel += MG_NR;
#pragma GCC unroll 8
        for (int i = 0; i < mr; i++) {
            __m512 a_ik = _mm512_set1_ps(a[i * rs_a]);
            lo[i] = _mm512_fmadd_ps(a_ik, b_lo, lo[i]);
            hi[i] = _mm512_fmadd_ps(a_ik, b_hi, hi[i]);
        }
        a += cs_a;
    }
#pragma GCC unroll 8
    for (int i = 0; i < mr; i++) {
        float *c_i = c + i * ldc;
        if (accumulate) {
            lo[i] = _mm512_add_ps(lo[i], _mm512_maskz_loadu_ps(mask_lo, c_i));
            hi[i] = _mm512_add_ps(hi[i], _mm512_maskz_loadu_ps(mask_hi, c_i + 16));
        }
        _mm512_mask_storeu_ps(c_i, mask_lo, lo[i]);
        _mm512_mask_storeu_ps(c_i + 16, mask_hi, hi[i]);
    }
}

/* C[M, N] = A @ B (accumulate: C += A @ B), B packed by mg_pack_rows_f32 with K_total = K.
 * C is row-major with row length ldc.  One panel at a time (32 KiB at most for K = 256, so it
 * stays in L1) against every row block of A. */
__attribute__((target("avx512f"))) static void
mg_packed_gemm_f32(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t rs_a, ptrdiff_t cs_a,
                   const float *packed, float *c, ptrdiff_t ldc, int accumulate) {
    for (ptrdiff_t j0 = 0; j0 < N; j0 += MG_NR) {
        ptrdiff_t nr = N - j0 < MG_NR ? N - j0 : MG_NR;
        __mmask16 mask_lo = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);
        __mmask16 mask_hi = nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
        const float *panel = packed + j0 * K;
        ptrdiff_t i0 = 0;
        for (; i0 + MG_MR <= M; i0 += MG_MR)
            mg_microkernel_f32(MG_MR, K, a + i0 * rs_a, rs_a, cs_a, panel, c + i0 * ldc + j0, ldc,
                               accumulate, mask_lo, mask_hi);
        switch (M - i0) {
#define MG_EDGE_ROWS(r) \
            case r: mg_microkernel_f32(r, K, a + i0 * rs_a, rs_a, cs_a, panel, c + i0 * ldc + j0, ldc, \
                                       accumulate, mask_lo, mask_hi); break;
            MG_EDGE_ROWS(1) MG_EDGE_ROWS(2) MG_EDGE_ROWS(3) MG_EDGE_ROWS(4)
            MG_EDGE_ROWS(5) MG_EDGE_ROWS(6) MG_EDGE_ROWS(7)
#undef MG_EDGE_ROWS
            default: break;
        }
    }
}

/* Weight gradients, sum over a sequence's K = T * B rows k of g[k]^T x[k]: C[M, N] = A^T @ B with
 * A = g stored [K, M].  Read in place, A^T would step M floats a k, and with M a multiple of 512
 * floats every such read lands in the same few L1 sets, evicting the last.  So the backward loop
 * copies each step's g rows, while they are still in cache, into blocks of 8 columns laid out
 * [block][k][8] (mg_scatter_rows_f32), and the product reads those blocks straight through. */

/* Rows [k0, k0 + rows) of the blocks of a K_total-row A from g[rows, M] (row length ldg); the last
 * block is zero-padded when M is not a multiple of 8.  a_blocks holds ceil(M / 8) * 8 * K_total floats. */
/* 256-bit AVX loads and stores only, so the AVX2 route (packed_gemm_avx2.h) uses it too. */
__attribute__((target("avx"))) static void
mg_scatter_rows_f32(ptrdiff_t rows, ptrdiff_t M, const float *g, ptrdiff_t ldg, float *a_blocks,
                    ptrdiff_t k0, ptrdiff_t K_total) {
    ptrdiff_t full = M / MG_MR;
    for (ptrdiff_t block = 0; block < full; block++) {
        float *dst = a_blocks + (block * K_total + k0) * MG_MR;
        for (ptrdiff_t r = 0; r < rows; r++)
            _mm256_storeu_ps(dst + r * MG_MR, _mm256_loadu_ps(g + r * ldg + block * MG_MR));
    }
    if (full * MG_MR < M) {
        float *dst = a_blocks + (full * K_total + k0) * MG_MR;
        for (ptrdiff_t r = 0; r < rows; r++)
            for (ptrdiff_t i = 0; i < MG_MR; i++)
                dst[r * MG_MR + i] = full * MG_MR + i < M ? g[r * ldg + full * MG_MR + i] : 0.f;
    }
}

/* C1[M, N1] (+)= A^T @ B1 and C2[M, N2] (+)= A^T @ B2 (row lengths N1, N2; N2 may be 0) for the
 * blocked A of mg_scatter_rows_f32 and B1, B2 packed with K rows.  Block by block, so each block of A
 * (K x 8 floats) is read from memory once and serves every panel of both products from cache. */
__attribute__((target("avx512f"))) static void
mg_blocks_gemm2_f32(ptrdiff_t M, ptrdiff_t K, const float *a_blocks, ptrdiff_t N1, const float *packed1,
                    float *c1, ptrdiff_t N2, const float *packed2, float *c2, int accumulate) {
    for (ptrdiff_t i0 = 0; i0 < M; i0 += MG_MR) {
        const float *a_block = a_blocks + i0 * K;
        int mr = M - i0 < MG_MR ? (int)(M - i0) : MG_MR;
        for (int which = 0; which < 2; which++) {
            ptrdiff_t N = which ? N2 : N1, ldc = N;
            const float *packed = which ? packed2 : packed1;
            float *c = which ? c2 : c1;
            for (ptrdiff_t j0 = 0; j0 < N; j0 += MG_NR) {
                ptrdiff_t nr = N - j0 < MG_NR ? N - j0 : MG_NR;
                __mmask16 mask_lo = nr >= 16 ? 0xFFFF : (__mmask16)((1u << nr) - 1);
                __mmask16 mask_hi = nr >= 32 ? 0xFFFF : nr <= 16 ? 0 : (__mmask16)((1u << (nr - 16)) - 1);
                const float *panel = packed + j0 * K;
                float *c_block = c + i0 * ldc + j0;
                switch (mr) {
#define MG_ROWS(r) \
                    case r: mg_microkernel_f32(r, K, a_block, 1, MG_MR, panel, c_block, ldc, accumulate, mask_lo, mask_hi); break;
                    MG_ROWS(1) MG_ROWS(2) MG_ROWS(3) MG_ROWS(4) MG_ROWS(5) MG_ROWS(6) MG_ROWS(7) MG_ROWS(8)
#undef MG_ROWS
                    default: break;
                }
            }
        }
    }
}

#else  /* no AVX-512 build: never called, the caller uses BLAS */

static inline int mg_packed_gemm_supported(void) { return 0; }

static void mg_packed_gemm_f32(ptrdiff_t M, ptrdiff_t N, ptrdiff_t K, const float *a, ptrdiff_t rs_a,
                               ptrdiff_t cs_a, const float *packed, float *c, ptrdiff_t ldc, int accumulate) {
    (void)M; (void)N; (void)K; (void)a; (void)rs_a; (void)cs_a; (void)packed; (void)c; (void)ldc;
    (void)accumulate;
}

static void mg_scatter_rows_f32(ptrdiff_t rows, ptrdiff_t M, const float *g, ptrdiff_t ldg, float *a_blocks,
                                ptrdiff_t k0, ptrdiff_t K_total) {
    (void)rows; (void)M; (void)g; (void)ldg; (void)a_blocks; (void)k0; (void)K_total;
}

static void mg_blocks_gemm2_f32(ptrdiff_t M, ptrdiff_t K, const float *a_blocks, ptrdiff_t N1,
                                const float *packed1, float *c1, ptrdiff_t N2, const float *packed2, float *c2,
                                int accumulate) {
    (void)M; (void)K; (void)a_blocks; (void)N1; (void)packed1; (void)c1; (void)N2; (void)packed2; (void)c2;
    (void)accumulate;
}

#endif
#endif
