# distutils: extra_compile_args = -fno-trapping-math
"""Recurrent kernels in Cython: fused gate loops, per-step matmuls, no GIL for a whole sequence.

Twins of reference/recurrent.py (same names, signatures and equations).  Each kernel is a
`cdef ... nogil` core over raw row-major pointers behind a thin `def` wrapper over typed
memoryviews (`floating`: float32 or float64; inputs `const`, so read-only arrays are accepted).
The matmuls are scipy's BLAS (sgemm/dgemm via scipy.linalg.cython_blas, callable without the
GIL), except in float32 on a CPU with AVX-512 (or AVX2 + FMA): there the weights are packed once a
sequence and multiplied by packed_gemm.h's microkernel (why: see that file; packed_gemm_avx2.h for
AVX2 + FMA), each RNN/LSTM step as one product
of [x_t | h_{t-1}], and the weight gradients of a whole sequence as one pass at the end.  sigmoid,
tanh and the LSTM cell's row loops are the small C block below, in the array's own precision (C
for `restrict` and per-CPU clones, which Cython cannot express).
"""
from cython cimport floating
from libc.string cimport memcpy, memset
from scipy.linalg.cython_blas cimport dgemm, sgemm

import numpy as np

from minigrad.kernels.cpu import disabled_features


# ----------------------------------------------------------------------------- sigmoid and tanh
# Written out so that the loops vectorise: libm's exp/tanh are calls (5-50 ns an element here,
# and a loop with a call does not vectorise); NumPy's SIMD ufuncs take 0.5-3 ns.  In place over
# a contiguous row, so there is no aliasing to check.  exp(-a) = 2**k * (1 + expm1(r)) with
# k = round(-a / ln 2), a Taylor polynomial for expm1(r) (|r| <= 0.35; to r**7 for float, r**13
# for double: a few ulp), and 2**k built in the exponent bits.  No calls and no branches: adding
# MAGIC = 1.5 * 2**23 (double: 1.5 * 2**52) rounds to an integer that then sits in the low bits of the
# sum; selects compare integers; -fno-trapping-math (first line) lets GCC turn the rest into
# blends and changes no result (NaN and inf propagate as before), only FP exception flags.
# The build's baseline x86-64 flags give 4-float SSE vectors; GCC's target_clones adds AVX2 and
# AVX-512 copies, one picked at load time by what the CPU has (AVX2: 3x faster than SSE here,
# AVX-512 another 25 % on the LSTM cell).
cdef extern from *:
    """
    #include <math.h>
    #include <stdint.h>
    #include <string.h>
    #if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && defined(__x86_64__) && defined(__linux__)
    #define MG_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
    #else
    #define MG_CLONES
    #endif

    static inline float mg_f32(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
    static inline uint32_t mg_b32(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }
    static inline double mg_f64(uint64_t b) { double d; memcpy(&d, &b, 8); return d; }
    static inline uint64_t mg_b64(double d) { uint64_t b; memcpy(&b, &d, 8); return b; }

    /* expm1(r), setting *scale = 2**k, with exp(-a) = 2**k * (1 + expm1(r)); a >= 0 or NaN. */
    static inline float mg_expm1_parts_f32(float a, float *scale) {
        const float magic = 12582912.0f;
        uint32_t bits = mg_b32(a), limit = mg_b32(104.0f);  /* exp(-104) < the least float */
        bits = (bits > limit) & (bits <= mg_b32(INFINITY)) ? limit : bits;  /* NaN stays */
        float x = -mg_f32(bits);
        float k = (x * 1.44269504088896341f + magic) - magic;
        float r = (x - k * 0.693145751953125f) - k * 1.428606765330187045e-6f;  /* Cody-Waite */
        float v1 = k * 0.5f + magic, v2 = (k - (v1 - magic)) + magic;  /* 2**k as two normal halves */
        *scale = mg_f32((mg_b32(v1) - mg_b32(magic) + 127u) << 23) * mg_f32((mg_b32(v2) - mg_b32(magic) + 127u) << 23);
        return r * (1 + r * (1.f / 2 + r * (1.f / 6 + r * (1.f / 24 + r * (1.f / 120 + r * (1.f / 720 + r * (1.f / 5040)))))));
    }

    static inline double mg_expm1_parts_f64(double a, double *scale) {
        const double magic = 6755399441055744.0;
        uint64_t bits = mg_b64(a), limit = mg_b64(745.2);
        bits = (bits > limit) & (bits <= mg_b64(INFINITY)) ? limit : bits;
        double x = -mg_f64(bits);
        double k = (x * 1.4426950408889634 + magic) - magic;
        double r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
        double v1 = k * 0.5 + magic, v2 = (k - (v1 - magic)) + magic;
        *scale = mg_f64((mg_b64(v1) - mg_b64(magic) + 1023u) << 52) * mg_f64((mg_b64(v2) - mg_b64(magic) + 1023u) << 52);
        return r * (1 + r * (1. / 2 + r * (1. / 6 + r * (1. / 24 + r * (1. / 120 + r * (1. / 720 + r * (1. / 5040
               + r * (1. / 40320 + r * (1. / 362880 + r * (1. / 3628800 + r * (1. / 39916800 + r * (1. / 479001600
               + r * (1. / 6227020800.0)))))))))))));
    }

    /* y = sigmoid(y) = 1 / (1 + exp(-y)); exp only ever sees -|y|, so it cannot overflow. */
    #define MG_SIGMOID(T, SUFFIX, BITS, FABS)                                             \
    MG_CLONES static void mg_sigmoid_##SUFFIX(Py_ssize_t n, T *y) {                      \
        for (Py_ssize_t j = 0; j < n; j++) {                                             \
            T scale, e = mg_expm1_parts_##SUFFIX(FABS(y[j]), &scale);                    \
            e = scale + scale * e;                                                       \
            T s = 1 / (1 + e), es = e * s;  /* e / (1 + e) = sigmoid(y) for y < 0 */      \
            y[j] = (BITS(y[j]) >> (8 * sizeof(T) - 1)) ? es : s;                         \
        }                                                                                \
    }
    /* tanh(y) = -expm1(-2|y|) / (2 + expm1(-2|y|)) with the sign of y: exact near 0. */
    #define MG_TANH(T, SUFFIX, FABS, COPYSIGN)                                            \
    static inline T mg_tanh1_##SUFFIX(T y) {                                             \
        T scale, em = mg_expm1_parts_##SUFFIX(2 * FABS(y), &scale);                      \
        em = scale * em + (scale - 1);                                                   \
        return COPYSIGN(-em / (2 + em), y);                                              \
    }                                                                                    \
    MG_CLONES static void mg_tanh_##SUFFIX(Py_ssize_t n, T *y) {                         \
        for (Py_ssize_t j = 0; j < n; j++)                                               \
            y[j] = mg_tanh1_##SUFFIX(y[j]);                                              \
    }
    MG_SIGMOID(float, f32, mg_b32, fabsf)
    MG_SIGMOID(double, f64, mg_b64, fabs)
    MG_TANH(float, f32, fabsf, copysignf)
    MG_TANH(double, f64, fabs, copysign)

    /* The rest of one row of the LSTM cell's forward, once the gates are activated:
       c = f * c_prev + i * g and h = o * tanh(c), in one loop (see the backward row below). */
    #define MG_LSTM_FORWARD_ROW(T, SUFFIX)                                                   \
    MG_CLONES static void mg_lstm_forward_row_##SUFFIX(                                     \
            Py_ssize_t H, const T *restrict act, const T *restrict c_prev, T *restrict c,   \
            T *restrict h) {                                                                \
        const T *i = act, *f = act + H, *g = act + 2 * H, *o = act + 3 * H;                 \
        for (Py_ssize_t j = 0; j < H; j++) {                                                \
            c[j] = f[j] * c_prev[j] + i[j] * g[j];                                          \
            h[j] = mg_tanh1_##SUFFIX(c[j]) * o[j];                                          \
        }                                                                                   \
    }
    MG_LSTM_FORWARD_ROW(float, f32)
    MG_LSTM_FORWARD_ROW(double, f64)

    /* One row of the LSTM cell's backward, after tanh(c) was written into dc: the gate
       gradients, and dc = dLoss/dc_prev.  In C for two things Cython cannot say: `restrict`
       (so GCC vectorises the one loop with no overlap checks) and the AVX2/AVX-512 clones. */
    #define MG_LSTM_BACKWARD_ROW(T, SUFFIX)                                                  \
    MG_CLONES static void mg_lstm_backward_row_##SUFFIX(                                    \
            Py_ssize_t H, const T *restrict grad_h, const T *restrict grad_c,               \
            const T *restrict act, const T *restrict c_prev, T *restrict dc,                \
            T *restrict grad_gates) {                                                       \
        const T *i = act, *f = act + H, *g = act + 2 * H, *o = act + 3 * H;                 \
        for (Py_ssize_t j = 0; j < H; j++) {                                                \
            T tanh_c = dc[j];                                                               \
            grad_gates[3 * H + j] = grad_h[j] * tanh_c * o[j] * (1 - o[j]);                 \
            T d = grad_c[j] + grad_h[j] * o[j] * (1 - tanh_c * tanh_c);                     \
            grad_gates[j] = d * g[j] * i[j] * (1 - i[j]);                                   \
            grad_gates[H + j] = d * c_prev[j] * f[j] * (1 - f[j]);                          \
            grad_gates[2 * H + j] = d * i[j] * (1 - g[j] * g[j]);                           \
            dc[j] = d * f[j];                                                               \
        }                                                                                   \
    }
    MG_LSTM_BACKWARD_ROW(float, f32)
    MG_LSTM_BACKWARD_ROW(double, f64)
    """
    void mg_sigmoid_f32(Py_ssize_t n, float *y) nogil
    void mg_sigmoid_f64(Py_ssize_t n, double *y) nogil
    void mg_tanh_f32(Py_ssize_t n, float *y) nogil
    void mg_tanh_f64(Py_ssize_t n, double *y) nogil
    void mg_lstm_forward_row_f32(Py_ssize_t H, const float *act, const float *c_prev, float *c, float *h) nogil
    void mg_lstm_forward_row_f64(Py_ssize_t H, const double *act, const double *c_prev, double *c, double *h) nogil
    void mg_lstm_backward_row_f32(Py_ssize_t H, const float *grad_h, const float *grad_c, const float *act,
                                  const float *c_prev, float *dc, float *grad_gates) nogil
    void mg_lstm_backward_row_f64(Py_ssize_t H, const double *grad_h, const double *grad_c, const double *act,
                                  const double *c_prev, double *dc, double *grad_gates) nogil


cdef inline void _sigmoid(Py_ssize_t n, floating *y) noexcept nogil:
    """y = sigmoid(y), elementwise over n contiguous values."""
    if floating is float:
        mg_sigmoid_f32(n, y)
    else:
        mg_sigmoid_f64(n, y)


cdef inline void _tanh(Py_ssize_t n, floating *y) noexcept nogil:
    """y = tanh(y), elementwise over n contiguous values."""
    if floating is float:
        mg_tanh_f32(n, y)
    else:
        mg_tanh_f64(n, y)


cdef inline void _gemm(bint trans_a, bint trans_b, int m, int n, int k, floating alpha,
                       const floating *a, int lda, const floating *b, int ldb,
                       floating beta, floating *c, int ldc) noexcept nogil:
    """Row-major c[m, n] = alpha * op(a) @ op(b) + beta * c, as the column-major c^T = op(b)^T op(a)^T.

    lda, ldb, ldc are the row lengths of a, b, c as stored.
    """
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    if floating is float:
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float *>b, &ldb, <float *>a, &lda, &beta, c, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double *>b, &ldb, <double *>a, &lda, &beta, c, &ldc)


cdef extern from "packed_gemm.h":
    size_t mg_packed_size(Py_ssize_t K, Py_ssize_t N) noexcept nogil
    void mg_pack_rows_f32(Py_ssize_t K, Py_ssize_t N, const float *b, Py_ssize_t rs_b, Py_ssize_t cs_b,
                          float *packed, Py_ssize_t k0, Py_ssize_t K_total) noexcept nogil
    void mg_packed_gemm_f32(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const float *a, Py_ssize_t rs_a,
                            Py_ssize_t cs_a, const float *packed, float *c, Py_ssize_t ldc,
                            int accumulate) noexcept nogil
    void mg_scatter_rows_f32(Py_ssize_t rows, Py_ssize_t M, const float *g, Py_ssize_t ldg, float *a_blocks,
                             Py_ssize_t k0, Py_ssize_t K_total) noexcept nogil
    void mg_blocks_gemm2_f32(Py_ssize_t M, Py_ssize_t K, const float *a_blocks, Py_ssize_t N1,
                             const float *packed1, float *c1, Py_ssize_t N2, const float *packed2,
                             float *c2, int accumulate) noexcept nogil
    bint mg_packed_gemm_supported()


cdef extern from "packed_gemm_avx2.h":
    void mg_packed_gemm_avx2_f32(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const float *a, Py_ssize_t rs_a,
                                 Py_ssize_t cs_a, const float *packed, float *c, Py_ssize_t ldc,
                                 int accumulate) noexcept nogil
    void mg_blocks_gemm2_avx2_f32(Py_ssize_t M, Py_ssize_t K, const float *a_blocks, Py_ssize_t N1,
                                  const float *packed1, float *c1, Py_ssize_t N2, const float *packed2,
                                  float *c2, int accumulate) noexcept nogil
    bint mg_packed_gemm_avx2_supported()


ctypedef void (*packed_gemm_fn)(Py_ssize_t M, Py_ssize_t N, Py_ssize_t K, const float *a, Py_ssize_t rs_a,
                                Py_ssize_t cs_a, const float *packed, float *c, Py_ssize_t ldc,
                                int accumulate) noexcept nogil
ctypedef void (*blocks_gemm2_fn)(Py_ssize_t M, Py_ssize_t K, const float *a_blocks, Py_ssize_t N1,
                                 const float *packed1, float *c1, Py_ssize_t N2, const float *packed2,
                                 float *c2, int accumulate) noexcept nogil

# The float32 step-matmul routes, fastest first: the packed microkernel of packed_gemm.h (AVX-512F),
# its AVX2 + FMA twin (packed_gemm_avx2.h), else BLAS.  The one place a route is chosen: at module
# load the first one this CPU has and MINIGRAD_DISABLE_CPU_FEATURES (kernels/cpu.py) leaves on;
# AVX512F there takes an AVX-512 CPU down the route an AVX2-only CPU takes, AVX2 (which every
# AVX-512 CPU has too) down the BLAS route of a CPU older than Haswell.
_disabled = disabled_features()
_ROUTE_WORDS = {"avx512": "packed AVX-512 microkernel (packed_gemm.h)",
                "avx2": "packed AVX2+FMA microkernel (packed_gemm_avx2.h)",
                "blas": "BLAS"}


def _route_refusal(name):
    """Why route `name` cannot run here, or None if it can."""
    if name == "avx512":
        if not mg_packed_gemm_supported():
            return "this CPU has no AVX-512F"
        if "AVX512F" in _disabled or "AVX2" in _disabled:
            return "AVX-512F switched off by MINIGRAD_DISABLE_CPU_FEATURES"
    elif name == "avx2":
        if not mg_packed_gemm_avx2_supported():
            return "this CPU has no AVX2 + FMA"
        if "AVX2" in _disabled:
            return "AVX2 switched off by MINIGRAD_DISABLE_CPU_FEATURES"
    elif name != "blas":
        raise ValueError(f"unknown step matmul route {name!r}; known: {', '.join(_ROUTE_WORDS)}")
    return None


cdef packed_gemm_fn _packed_gemm = NULL      # NULL: BLAS
cdef blocks_gemm2_fn _blocks_gemm2 = NULL
cdef bint _packed_step_matmul = False
_route = "blas"


def step_matmul_routes():
    """The routes that may run here ("avx512", "avx2", "blas"), fastest first; "blas" always."""
    return [name for name in _ROUTE_WORDS if _route_refusal(name) is None]


def set_step_matmul_route(str name):
    """Run the float32 per-step matmuls by route `name` (see step_matmul_routes()); returns the old
    name.  All routes give the same sums in different orders; the switch lets tests compare them."""
    global _packed_gemm, _blocks_gemm2, _packed_step_matmul, _route
    refusal = _route_refusal(name)
    if refusal is not None:
        raise RuntimeError(f"step matmul route {name!r} needs {'AVX-512F' if name == 'avx512' else 'AVX2 + FMA'}: "
                           f"{refusal}")
    if name == "avx512":
        _packed_gemm, _blocks_gemm2 = mg_packed_gemm_f32, mg_blocks_gemm2_f32
    elif name == "avx2":
        _packed_gemm, _blocks_gemm2 = mg_packed_gemm_avx2_f32, mg_blocks_gemm2_avx2_f32
    else:
        _packed_gemm, _blocks_gemm2 = NULL, NULL
    _packed_step_matmul = _packed_gemm != NULL
    previous, _route = _route, name
    return previous


set_step_matmul_route(step_matmul_routes()[0])


def packed_step_matmul_supported():
    """Whether a packed per-step matmul (AVX-512F, or AVX2 + FMA) may run here."""
    return step_matmul_routes()[0] != "blas"


def set_packed_step_matmul(bint enabled):
    """Multiply each step by a packed w_hh (True: the fastest packed route here) or by BLAS (False);
    returns whether it was packed before."""
    previous = _packed_step_matmul
    if enabled and not packed_step_matmul_supported():
        raise RuntimeError("packed step matmul needs AVX-512F or AVX2 + FMA: "
                           + "; ".join(_route_refusal(name) for name in ("avx512", "avx2")))
    set_step_matmul_route(step_matmul_routes()[0] if enabled else "blas")
    return previous


def step_matmul_route():
    """Which matmul the float32 sequence kernels run now, and why, in words."""
    if _route != "blas":
        return _ROUTE_WORDS[_route]
    fastest = step_matmul_routes()[0]
    if fastest != "blas":
        return f"BLAS (set_step_matmul_route('blas'); {fastest} would run here)"
    return f"BLAS ({'; '.join(_route_refusal(name) for name in ('avx512', 'avx2'))})"


cdef object _pack_step_weight(const floating[:, ::1] w_hh, bint transpose):
    """w_hh.T (transpose) or w_hh as packed panels for the per-step matmul; None: multiply with BLAS."""
    cdef Py_ssize_t rows = w_hh.shape[0], cols = w_hh.shape[1]
    cdef float[::1] packed
    if floating is float:
        if _packed_step_matmul and rows > 0 and cols > 0:
            if transpose:
                packed = np.empty(mg_packed_size(cols, rows), dtype=np.float32)
                mg_pack_rows_f32(cols, rows, &w_hh[0, 0], 1, cols, &packed[0], 0, cols)
            else:
                packed = np.empty(mg_packed_size(rows, cols), dtype=np.float32)
                mg_pack_rows_f32(rows, cols, &w_hh[0, 0], cols, 1, &packed[0], 0, rows)
            return packed
    return None


cdef inline const float *_panels(object packed):
    cdef const float[::1] view
    if packed is None:
        return NULL
    view = packed
    return &view[0]  # the caller keeps `packed` alive


cdef inline void _step_matmul(const float *packed, int m, int n, int k, const floating *a,
                              const floating *b, floating beta, floating *c) noexcept nogil:
    """Row-major c[m, n] = a[m, k] @ b[k, n] + beta * c (beta 0 or 1); packed: b's panels, or NULL."""
    if floating is float:
        if packed != NULL:
            _packed_gemm(m, n, k, a, k, 1, packed, c, n, beta != 0)
            return
    _gemm(False, False, m, n, k, 1, a, k, b, n, beta, c, n)


cdef object _pack_joined_weight(const floating[:, ::1] w_ih, const floating[:, ::1] w_hh):
    """[w_ih | w_hh].T as packed panels (J + H rows): a step's whole pre-activation is then one
    product, [x_t | h_{t-1}] @ that; None: multiply with BLAS."""
    cdef Py_ssize_t G = w_hh.shape[0], H = w_hh.shape[1], J = w_ih.shape[1]
    cdef float[::1] packed
    if floating is float:
        if _packed_step_matmul and G > 0 and H > 0:
            packed = np.empty(mg_packed_size(J + H, G), dtype=np.float32)
            if J > 0:
                mg_pack_rows_f32(J, G, &w_ih[0, 0], 1, J, &packed[0], 0, J + H)
            mg_pack_rows_f32(H, G, &w_hh[0, 0], 1, H, &packed[0], J, J + H)
            return packed
    return None


cdef tuple _step_operands(const floating[:, ::1] w_ih, const floating[:, ::1] w_hh, Py_ssize_t B):
    """What an RNN/LSTM forward step multiplies: (packed [w_ih | w_hh].T, scratch for B joined rows
    [x_t | h_{t-1}], w_hh, unused) when packed; (None, None, w_hh.T contiguous) for BLAS, which
    runs the NN product faster than NT."""
    packed = _pack_joined_weight(w_ih, w_hh)
    if packed is not None:
        return packed, np.empty(B * (w_ih.shape[1] + w_hh.shape[1]), dtype=np.float32), w_hh
    return None, None, np.ascontiguousarray(w_hh.T)


cdef void _project_all(const floating[:, ::1] x_rows, const floating[:, ::1] w_ih, floating *xproj) noexcept nogil:
    """xproj[T·B, G] = x_rows @ w_ih.T, every step's input projection in one BLAS product."""
    cdef Py_ssize_t R = x_rows.shape[0], J = x_rows.shape[1], G = w_ih.shape[0]
    if R == 0 or G == 0:
        return
    if J == 0:
        memset(xproj, 0, R * G * sizeof(floating))
    else:
        _gemm(False, True, R, G, J, 1, &x_rows[0, 0], J, &w_ih[0, 0], J, 0, xproj, G)


cdef inline void _pre_activation(const float *joined_panels, float *joined, Py_ssize_t B, Py_ssize_t G,
                                 Py_ssize_t J, Py_ssize_t H, const floating *x_t, const floating *h_prev,
                                 const floating *w_hh_t, floating *pre) noexcept nogil:
    """pre = x_t @ w_ih.T + h_prev @ w_hh.T for one step.  Packed: one product of the rows
    [x_t | h_prev] (copied side by side into joined, B x (J + H)) by joined_panels.  BLAS: pre
    already holds x_t @ w_ih.T (_project_all, before the loop) and gets h_prev @ w_hh_t added."""
    cdef Py_ssize_t b
    if floating is float:
        if joined_panels != NULL:
            for b in range(B):
                memcpy(joined + b * (J + H), x_t + b * J, J * sizeof(float))
                memcpy(joined + b * (J + H) + J, h_prev + b * H, H * sizeof(float))
            _packed_gemm(B, G, J + H, joined, J + H, 1, joined_panels, pre, G, 0)
            return
    _gemm(False, False, B, G, H, 1, h_prev, H, w_hh_t, G, 1, pre, G)


cdef inline bint _cut_before(Py_ssize_t t, Py_ssize_t bptt_chunk) noexcept nogil:
    """True if truncated BPTT stops the gradient flowing from step t into step t - 1."""
    return bptt_chunk > 0 and t > 0 and t % bptt_chunk == 0


cdef void _grad_w_hh(Py_ssize_t T, Py_ssize_t B, Py_ssize_t G, Py_ssize_t H, const floating *grad_pre,
                     const floating *h0, const floating *hs, floating *grad_w_hh) noexcept nogil:
    """grad_w_hh = sum_t grad_pre[t].T @ h_{t-1} (h_{-1} = h0), as two matmuls, not T."""
    _gemm(True, False, G, H, B, 1, grad_pre, G, h0, H, 0, grad_w_hh, H)
    if T > 1:
        _gemm(True, False, G, H, (T - 1) * B, 1, grad_pre + B * G, G, hs, H, 1, grad_w_hh, H)


cdef void _grad_w_ih(Py_ssize_t rows, Py_ssize_t G, Py_ssize_t J, const floating *grad_pre,
                     const floating *x_rows, floating *grad_w_ih) noexcept nogil:
    """grad_w_ih = grad_pre[rows, G]^T @ x_rows[rows, J] (J = 0: nothing to do)."""
    if J == 0:
        return
    if rows == 0:
        memset(grad_w_ih, 0, G * J * sizeof(floating))
    else:
        _gemm(True, False, G, J, rows, 1, grad_pre, G, x_rows, J, 0, grad_w_ih, J)


# The packed weight gradients (float32, AVX-512; see packed_gemm.h).  The backward loop copies each
# step's grad_pre rows into blocks of 8 columns while they are in cache, a chunk of steps (~256
# rows) at a time, and at the end of each chunk one pass over its blocks adds the chunk's share of
# grad_w_hh and grad_w_ih.  A chunk's blocks (512 KiB for the course's LSTM) stay in L2; blocks for
# the whole sequence would go out to memory and back.  One float32 scratch array holds a chunk's
# blocks and its packed h_{t-1} and x rows.

cdef inline Py_ssize_t _chunk_steps(Py_ssize_t B) noexcept nogil:
    return max(1, 256 // B)


cdef object _weight_grad_scratch(const float *panels, Py_ssize_t B, Py_ssize_t G, Py_ssize_t H, Py_ssize_t J):
    """The scratch for the packed weight gradients, or None (BLAS) when the step matmul is not packed."""
    if panels == NULL:
        return None
    cdef Py_ssize_t rows = _chunk_steps(B) * B
    return np.empty((G + 7) // 8 * 8 * rows + mg_packed_size(rows, H) + mg_packed_size(rows, J), dtype=np.float32)


cdef inline float *_float_data(object scratch):
    cdef float[::1] view
    if scratch is None:
        return NULL
    view = scratch
    return &view[0]  # the caller keeps `scratch` alive


cdef void _packed_weight_grads_step(Py_ssize_t t, Py_ssize_t T, Py_ssize_t B, Py_ssize_t G, Py_ssize_t H,
                                    Py_ssize_t J, const float *grad_pre_t, const float *h0, const float *hs,
                                    const float *x_rows, float *scratch, float *grad_w_hh,
                                    float *grad_w_ih) noexcept nogil:
    """Step t's part of grad_w_hh = sum_t grad_pre[t]^T h_{t-1} and grad_w_ih = sum_t grad_pre[t]^T x_t:
    its rows join its chunk's blocks; at the chunk's first step (the loop runs backwards, so its
    last) the chunk's product is added in.  The chunk holding step T - 1 comes first and sets them."""
    cdef Py_ssize_t steps = _chunk_steps(B)
    cdef Py_ssize_t first = t // steps * steps, last = min(first + steps, T) - 1
    cdef Py_ssize_t rows = (last - first + 1) * B, full_rows = steps * B
    cdef float *h_panels = scratch + (G + 7) // 8 * 8 * full_rows
    cdef float *x_panels = h_panels + mg_packed_size(full_rows, H)
    mg_scatter_rows_f32(B, G, grad_pre_t, G, scratch, (t - first) * B, rows)
    if t != first:
        return
    # row k of the chunk (step first + k // B, sample k % B) meets h_{t-1} and x_t
    if first == 0:
        mg_pack_rows_f32(B, H, h0, H, 1, h_panels, 0, rows)
        if rows > B:
            mg_pack_rows_f32(rows - B, H, hs, H, 1, h_panels, B, rows)
    else:
        mg_pack_rows_f32(rows, H, hs + (first - 1) * B * H, H, 1, h_panels, 0, rows)
    if J > 0:
        mg_pack_rows_f32(rows, J, x_rows + first * B * J, J, 1, x_panels, 0, rows)
    _blocks_gemm2(G, rows, scratch, H, h_panels, grad_w_hh, J, x_panels, grad_w_ih, last != T - 1)


cdef inline void _weight_grads(Py_ssize_t t, Py_ssize_t T, Py_ssize_t B, Py_ssize_t G, Py_ssize_t H,
                               Py_ssize_t J, const floating *grad_pre_t, const floating *grad_pre,
                               const floating *h0, const floating *hs, const floating *x_rows, float *scratch,
                               floating *grad_w_hh, floating *grad_w_ih) noexcept nogil:
    """Called after step t's gate gradients (grad_pre_t) are made: the packed weight gradients take
    their share at once; BLAS takes all steps (grad_pre[T, B, G]) at once, after step 0."""
    if floating is float:
        if scratch != NULL:
            _packed_weight_grads_step(t, T, B, G, H, J, grad_pre_t, h0, hs, x_rows, scratch, grad_w_hh, grad_w_ih)
            return
    if t == 0:
        _grad_w_hh(T, B, G, H, grad_pre, h0, hs, grad_w_hh)
        _grad_w_ih(T * B, G, J, grad_pre, x_rows, grad_w_ih)


cdef object _gate_grads_buffer(object grad_xproj, Py_ssize_t T, Py_ssize_t B, Py_ssize_t G, object dtype,
                               bint one_step_enough):
    """Where the backward loop writes each step's gate gradients: the caller's grad_xproj when it
    has all T steps; when it has none (the caller does not want them), a buffer of its own: one
    step, reused, if one_step_enough (the packed path takes each step's share of the weight
    gradients at once), all steps otherwise."""
    if grad_xproj.shape[0] == T:
        return grad_xproj
    if grad_xproj.shape[0] != 0:
        raise ValueError(f"grad_xproj must have all {T} steps or none, got shape {grad_xproj.shape}")
    return np.empty((1 if one_step_enough else T, B, G), dtype=dtype)


cdef inline const floating *_first(const floating[:, ::1] a) noexcept nogil:
    """The first element's address, NULL for an array with no elements (no [0, 0] to index)."""
    if a.shape[0] == 0 or a.shape[1] == 0:
        return NULL
    return &a[0, 0]


# ----------------------------------------------------------------------------- cell cores
# Row-major pointers; B rows of H hidden units (gates: B rows of 4H or 3H), one gate block at a
# time: sigmoid and tanh run in place over a block, the arithmetic in short loops between.

cdef void _rnn_forward(Py_ssize_t n, const floating *pre, floating *h) noexcept nogil:
    """pre may be h itself."""
    if pre != h:
        memcpy(h, pre, n * sizeof(floating))
    _tanh(n, h)


cdef void _rnn_backward(Py_ssize_t n, const floating *grad_h, const floating *h, floating *grad_pre) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        grad_pre[j] = grad_h[j] * (1 - h[j] * h[j])


cdef void _lstm_forward(Py_ssize_t B, Py_ssize_t H, const floating *gates, const floating *c_prev,
                        floating *h, floating *c, floating *act) noexcept nogil:
    """gates may be act itself (the sequence kernel activates in place)."""
    cdef Py_ssize_t b
    for b in range(B):
        if gates != act:
            memcpy(act, gates, 4 * H * sizeof(floating))
        _sigmoid(2 * H, act)        # i, f
        _tanh(H, act + 2 * H)       # g
        _sigmoid(H, act + 3 * H)    # o
        if floating is float:
            mg_lstm_forward_row_f32(H, act, c_prev, c, h)
        else:
            mg_lstm_forward_row_f64(H, act, c_prev, c, h)
        gates += 4 * H
        act += 4 * H
        c_prev += H
        c += H
        h += H


cdef void _lstm_backward(Py_ssize_t B, Py_ssize_t H, const floating *grad_h, const floating *grad_c,
                         const floating *act, const floating *c_prev, const floating *c,
                         floating *grad_gates, floating *grad_c_prev) noexcept nogil:
    cdef Py_ssize_t b
    cdef floating *dc = grad_c_prev  # grad_c_prev's row holds tanh(c), then dLoss/dc_prev
    for b in range(B):
        memcpy(dc, c, H * sizeof(floating))
        _tanh(H, dc)  # tanh(c), recomputed, not stored
        if floating is float:
            mg_lstm_backward_row_f32(H, grad_h, grad_c, act, c_prev, dc, grad_gates)
        else:
            mg_lstm_backward_row_f64(H, grad_h, grad_c, act, c_prev, dc, grad_gates)
        grad_h += H
        grad_c += H
        act += 4 * H
        c_prev += H
        c += H
        grad_gates += 4 * H
        dc += H


cdef void _gru_forward(Py_ssize_t B, Py_ssize_t H, const floating *gi, const floating *gh,
                       const floating *h_prev, floating *h, floating *ws) noexcept nogil:
    cdef Py_ssize_t b, j
    cdef floating z
    for b in range(B):
        for j in range(2 * H):
            ws[j] = gi[j] + gh[j]
        _sigmoid(2 * H, ws)  # r, z
        for j in range(H):
            ws[3 * H + j] = gh[2 * H + j]
            ws[2 * H + j] = gi[2 * H + j] + ws[j] * gh[2 * H + j]
        _tanh(H, ws + 2 * H)  # n
        for j in range(H):
            z = ws[H + j]
            h[j] = (1 - z) * ws[2 * H + j] + z * h_prev[j]
        gi += 3 * H
        gh += 3 * H
        h_prev += H
        h += H
        ws += 4 * H


cdef void _gru_backward(Py_ssize_t B, Py_ssize_t H, const floating *grad_h, const floating *ws,
                        const floating *h_prev, floating *grad_gi, floating *grad_gh,
                        floating *grad_h_prev) noexcept nogil:
    cdef Py_ssize_t b, j
    cdef floating r, z, n, grad_n, grad_r, grad_z
    for b in range(B):
        for j in range(H):
            r = ws[j]
            z = ws[H + j]
            n = ws[2 * H + j]
            grad_n = grad_h[j] * (1 - z) * (1 - n * n)
            grad_r = grad_n * ws[3 * H + j] * r * (1 - r)
            grad_z = grad_h[j] * (h_prev[j] - n) * z * (1 - z)
            grad_gi[j] = grad_r
            grad_gi[H + j] = grad_z
            grad_gi[2 * H + j] = grad_n
            grad_gh[j] = grad_r
            grad_gh[H + j] = grad_z
            grad_gh[2 * H + j] = grad_n * r
            grad_h_prev[j] = grad_h[j] * z
        grad_h += H
        ws += 4 * H
        h_prev += H
        grad_gi += 3 * H
        grad_gh += 3 * H
        grad_h_prev += H


# ----------------------------------------------------------------------------- cells

def rnn_cell_forward(const floating[:, ::1] pre, floating[:, ::1] h_out):
    """h = tanh(pre)"""
    with nogil:
        _rnn_forward(h_out.shape[0] * h_out.shape[1], &pre[0, 0], &h_out[0, 0])


def rnn_cell_backward(const floating[:, ::1] grad_h, const floating[:, ::1] h, floating[:, ::1] grad_pre):
    """grad_pre = grad_h * (1 - h^2)"""
    with nogil:
        _rnn_backward(h.shape[0] * h.shape[1], &grad_h[0, 0], &h[0, 0], &grad_pre[0, 0])


def lstm_cell_forward(const floating[:, ::1] gates, const floating[:, ::1] c_prev, floating[:, ::1] h_out,
                      floating[:, ::1] c_out, floating[:, ::1] workspace):
    """i, f, o = sigmoid, g = tanh of gates; c = f*c_prev + i*g; h = o*tanh(c); workspace = i, f, g, o."""
    with nogil:
        _lstm_forward(c_prev.shape[0], c_prev.shape[1], &gates[0, 0], &c_prev[0, 0],
                      &h_out[0, 0], &c_out[0, 0], &workspace[0, 0])


def lstm_cell_backward(const floating[:, ::1] grad_h, const floating[:, ::1] grad_c,
                       const floating[:, ::1] workspace, const floating[:, ::1] c_prev, const floating[:, ::1] c,
                       floating[:, ::1] grad_gates, floating[:, ::1] grad_c_prev):
    """Gradients of the gate pre-activations and of c_prev; tanh(c) is recomputed, not stored."""
    with nogil:
        _lstm_backward(c.shape[0], c.shape[1], &grad_h[0, 0], &grad_c[0, 0], &workspace[0, 0],
                       &c_prev[0, 0], &c[0, 0], &grad_gates[0, 0], &grad_c_prev[0, 0])


def gru_cell_forward(const floating[:, ::1] gi, const floating[:, ::1] gh, const floating[:, ::1] h_prev,
                     floating[:, ::1] h_out, floating[:, ::1] workspace):
    """r, z = sigmoid(gi + gh); n = tanh(gi_n + r*gh_n); h = (1-z)*n + z*h_prev; workspace = r, z, n, gh_n."""
    with nogil:
        _gru_forward(h_prev.shape[0], h_prev.shape[1], &gi[0, 0], &gh[0, 0], &h_prev[0, 0],
                     &h_out[0, 0], &workspace[0, 0])


def gru_cell_backward(const floating[:, ::1] grad_h, const floating[:, ::1] workspace,
                      const floating[:, ::1] h_prev, floating[:, ::1] grad_gi, floating[:, ::1] grad_gh,
                      floating[:, ::1] grad_h_prev):
    """Gradients of gi, gh and the direct path to h_prev (grad_h * z); the caller adds grad_gh @ w_hh."""
    with nogil:
        _gru_backward(h_prev.shape[0], h_prev.shape[1], &grad_h[0, 0], &workspace[0, 0], &h_prev[0, 0],
                      &grad_gi[0, 0], &grad_gh[0, 0], &grad_h_prev[0, 0])


# ----------------------------------------------------------------------------- sequences: tanh RNN

def rnn_sequence_forward(const floating[:, ::1] x_rows, const floating[:, ::1] w_ih,
                         const floating[:, ::1] w_hh, const floating[:, ::1] h0, floating[:, :, ::1] hs):
    """h_t = tanh(x_t @ w_ih.T + h_{t-1} @ w_hh.T) for t = 0..T-1 (x_t: rows t·B.. of x_rows)."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], J = x_rows.shape[1], t
    packed, joined, w_hh_blas = _step_operands(w_ih, w_hh, B)
    cdef const float *panels = _panels(packed)
    cdef float *joined_rows = _float_data(joined)
    cdef const floating[:, ::1] w_hh_t = w_hh_blas
    cdef floating *pre
    with nogil:
        if panels == NULL:
            _project_all(x_rows, w_ih, &hs[0, 0, 0])
        for t in range(T):
            pre = &hs[t, 0, 0]  # the pre-activation is built in place, then tanh
            _pre_activation(panels, joined_rows, B, H, J, H, _first(x_rows) + t * B * J,
                            &h0[0, 0] if t == 0 else <const floating *>&hs[t - 1, 0, 0], &w_hh_t[0, 0], pre)
            _rnn_forward(B * H, pre, pre)


def rnn_sequence_backward(const floating[:, :, ::1] grad_hs, const floating[:, ::1] w_hh,
                          const floating[:, ::1] h0, const floating[:, :, ::1] hs, const floating[:, ::1] x_rows,
                          floating[:, :, ::1] grad_xproj, floating[:, ::1] grad_w_hh, floating[:, ::1] grad_w_ih,
                          floating[:, ::1] grad_h0, floating[:, :, ::1] grad_h_steps, Py_ssize_t bptt_chunk):
    """Backpropagation through time; grad_xproj[t] is the gradient of step t's pre-activation."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], J = x_rows.shape[1], t
    packed = _pack_step_weight(w_hh, False)
    cdef const float *panels = _panels(packed)
    scratch = _weight_grad_scratch(panels, B, H, H, J)
    cdef float *blocks = _float_data(scratch)
    dtype = np.float32 if floating is float else np.float64
    cdef floating[:, :, ::1] grad_pre = _gate_grads_buffer(grad_xproj, T, B, H, dtype, blocks != NULL)
    cdef Py_ssize_t step_size = B * H if grad_pre.shape[0] == T else 0  # 0: one step's buffer, reused
    cdef floating *grad_pre_t
    with nogil:
        memcpy(&grad_h_steps[T - 1, 0, 0], &grad_hs[T - 1, 0, 0], B * H * sizeof(floating))
        for t in range(T - 1, -1, -1):
            # grad_h_steps[t] is complete here: its own output plus what step t + 1 sent back
            grad_pre_t = &grad_pre[0, 0, 0] + t * step_size
            _rnn_backward(B * H, &grad_h_steps[t, 0, 0], &hs[t, 0, 0], grad_pre_t)
            _weight_grads(t, T, B, H, H, J, grad_pre_t, &grad_pre[0, 0, 0], &h0[0, 0], &hs[0, 0, 0],
                          _first(x_rows), blocks, &grad_w_hh[0, 0], <floating *>_first(grad_w_ih))
            if t == 0:
                _step_matmul(panels, B, H, H, grad_pre_t, &w_hh[0, 0], 0, &grad_h0[0, 0])
            else:
                memcpy(&grad_h_steps[t - 1, 0, 0], &grad_hs[t - 1, 0, 0], B * H * sizeof(floating))
                if not _cut_before(t, bptt_chunk):
                    _step_matmul(panels, B, H, H, grad_pre_t, &w_hh[0, 0], 1, &grad_h_steps[t - 1, 0, 0])


# ----------------------------------------------------------------------------- sequences: LSTM

def lstm_sequence_forward(const floating[:, ::1] x_rows, const floating[:, ::1] w_ih,
                          const floating[:, ::1] w_hh, const floating[:, ::1] h0, const floating[:, ::1] c0,
                          floating[:, :, ::1] hs, floating[:, :, ::1] cs, floating[:, :, ::1] gates):
    """Per step: pre = x_t @ w_ih.T + h_{t-1} @ w_hh.T, then the LSTM cell; gates[t] = activated i, f, g, o."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], J = x_rows.shape[1], t
    packed, joined, w_hh_blas = _step_operands(w_ih, w_hh, B)
    cdef const float *panels = _panels(packed)
    cdef float *joined_rows = _float_data(joined)
    cdef const floating[:, ::1] w_hh_t = w_hh_blas
    cdef floating *pre
    with nogil:
        if panels == NULL:
            _project_all(x_rows, w_ih, &gates[0, 0, 0])
        for t in range(T):
            pre = &gates[t, 0, 0]  # pre-activations built in gates[t], then activated in place
            _pre_activation(panels, joined_rows, B, 4 * H, J, H, _first(x_rows) + t * B * J,
                            &h0[0, 0] if t == 0 else <const floating *>&hs[t - 1, 0, 0], &w_hh_t[0, 0], pre)
            _lstm_forward(B, H, pre, &c0[0, 0] if t == 0 else <const floating *>&cs[t - 1, 0, 0], &hs[t, 0, 0], &cs[t, 0, 0], pre)


def lstm_sequence_backward(const floating[:, :, ::1] grad_hs, const floating[:, ::1] grad_cT,
                           const floating[:, ::1] w_hh, const floating[:, ::1] h0, const floating[:, ::1] c0,
                           const floating[:, :, ::1] hs, const floating[:, :, ::1] cs,
                           const floating[:, :, ::1] gates, const floating[:, ::1] x_rows,
                           floating[:, :, ::1] grad_xproj, floating[:, ::1] grad_w_hh, floating[:, ::1] grad_w_ih,
                           floating[:, ::1] grad_h0, floating[:, ::1] grad_c0,
                           floating[:, :, ::1] grad_h_steps, Py_ssize_t bptt_chunk):
    """Backpropagation through time for the LSTM; grad_cT is the gradient of c_n."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], J = x_rows.shape[1], t
    packed = _pack_step_weight(w_hh, False)
    cdef const float *panels = _panels(packed)
    scratch = _weight_grad_scratch(panels, B, 4 * H, H, J)
    cdef float *blocks = _float_data(scratch)
    cdef floating[:, ::1] grad_c_a = np.array(grad_cT, dtype=np.float32 if floating is float else np.float64)
    cdef floating[:, ::1] grad_c_b = np.empty_like(grad_c_a)
    cdef floating *grad_c = &grad_c_a[0, 0]       # dLoss/dc_t arriving from step t + 1 (or c_n)
    cdef floating *grad_c_prev = &grad_c_b[0, 0]
    cdef floating *swap
    cdef floating[:, :, ::1] grad_pre = _gate_grads_buffer(grad_xproj, T, B, 4 * H, grad_c_b.base.dtype, blocks != NULL)
    cdef Py_ssize_t step_size = B * 4 * H if grad_pre.shape[0] == T else 0  # 0: one step's buffer, reused
    cdef floating *grad_pre_t
    with nogil:
        memcpy(&grad_h_steps[T - 1, 0, 0], &grad_hs[T - 1, 0, 0], B * H * sizeof(floating))
        for t in range(T - 1, -1, -1):
            grad_pre_t = &grad_pre[0, 0, 0] + t * step_size
            _lstm_backward(B, H, &grad_h_steps[t, 0, 0], grad_c, &gates[t, 0, 0],
                           &c0[0, 0] if t == 0 else <const floating *>&cs[t - 1, 0, 0], &cs[t, 0, 0],
                           grad_pre_t, &grad_c0[0, 0] if t == 0 else grad_c_prev)
            _weight_grads(t, T, B, 4 * H, H, J, grad_pre_t, &grad_pre[0, 0, 0], &h0[0, 0], &hs[0, 0, 0],
                          _first(x_rows), blocks, &grad_w_hh[0, 0], <floating *>_first(grad_w_ih))
            if t == 0:
                _step_matmul(panels, B, H, 4 * H, grad_pre_t, &w_hh[0, 0], 0, &grad_h0[0, 0])
            else:
                memcpy(&grad_h_steps[t - 1, 0, 0], &grad_hs[t - 1, 0, 0], B * H * sizeof(floating))
                if _cut_before(t, bptt_chunk):
                    memset(grad_c, 0, B * H * sizeof(floating))
                else:
                    _step_matmul(panels, B, H, 4 * H, grad_pre_t, &w_hh[0, 0], 1, &grad_h_steps[t - 1, 0, 0])
                    swap = grad_c
                    grad_c = grad_c_prev
                    grad_c_prev = swap


# ----------------------------------------------------------------------------- sequences: GRU

def gru_sequence_forward(const floating[:, ::1] x_rows, const floating[:, ::1] w_ih,
                         const floating[:, ::1] w_hh, const floating[::1] b_hh, const floating[:, ::1] h0,
                         floating[:, :, ::1] hs, floating[:, :, ::1] workspace):
    """Per step: gi = x_t @ w_ih.T, gh = h_{t-1} @ w_hh.T + b_hh, then the GRU cell.

    gi and gh stay apart (the reset gate multiplies gh_n alone), so each is its own product; the
    packed path makes gi step by step from x_rows, BLAS all steps' gi up front."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], J = x_rows.shape[1], t, b
    dtype = np.float32 if floating is float else np.float64
    cdef floating[:, ::1] gh = np.empty((B, 3 * H), dtype=dtype)
    packed = _pack_step_weight(w_hh, True)
    cdef const float *panels = _panels(packed)
    packed_ih = _pack_step_weight(w_ih, True) if panels != NULL else None
    cdef const float *ih_panels = _panels(packed_ih)
    # gi: one step's [B, 3H] when packed, all steps' [T·B, 3H] for BLAS
    cdef floating[:, ::1] gi = np.empty((B if panels != NULL else T * B, 3 * H), dtype=dtype)
    cdef const floating[:, ::1] w_hh_t = w_hh if panels != NULL else np.ascontiguousarray(w_hh.T)  # NN gemm: OpenBLAS runs it faster
    cdef const floating *h_prev
    cdef floating *gi_t
    with nogil:
        if panels == NULL:
            _project_all(x_rows, w_ih, &gi[0, 0])
        for t in range(T):
            h_prev = &h0[0, 0] if t == 0 else <const floating *>&hs[t - 1, 0, 0]
            if panels == NULL:
                gi_t = &gi[t * B, 0]
            else:
                gi_t = &gi[0, 0]
                if floating is float:
                    if ih_panels != NULL:
                        _packed_gemm(B, 3 * H, J, _first(x_rows) + t * B * J, J, 1, ih_panels, gi_t, 3 * H, 0)
                    else:  # w_ih with no columns
                        memset(gi_t, 0, B * 3 * H * sizeof(floating))
            for b in range(B):
                memcpy(&gh[b, 0], &b_hh[0], 3 * H * sizeof(floating))
            _step_matmul(panels, B, 3 * H, H, h_prev, &w_hh_t[0, 0], 1, &gh[0, 0])
            _gru_forward(B, H, gi_t, &gh[0, 0], h_prev, &hs[t, 0, 0], &workspace[t, 0, 0])


def gru_sequence_backward(const floating[:, :, ::1] grad_hs, const floating[:, ::1] w_hh,
                          const floating[::1] b_hh, const floating[:, ::1] h0, const floating[:, :, ::1] hs,
                          const floating[:, :, ::1] workspace, const floating[:, ::1] x_rows,
                          floating[:, :, ::1] grad_xproj, floating[:, ::1] grad_w_hh, floating[:, ::1] grad_w_ih,
                          floating[::1] grad_b_hh, floating[:, ::1] grad_h0,
                          floating[:, :, ::1] grad_h_steps, Py_ssize_t bptt_chunk):
    """Backpropagation through time for the GRU (b_hh is not needed: workspace holds gh_n)."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t, j
    packed = _pack_step_weight(w_hh, False)
    cdef const float *panels = _panels(packed)
    dtype = np.float32 if floating is float else np.float64
    cdef floating[:, :, ::1] grad_gh = np.empty((T, B, 3 * H), dtype=dtype)  # all steps: one grad_w_hh matmul
    cdef floating[:, :, ::1] grad_gi = _gate_grads_buffer(grad_xproj, T, B, 3 * H, dtype, False)
    cdef floating[:, ::1] grad_direct = np.empty((B, H), dtype=dtype)
    cdef floating *into
    cdef floating *direct = &grad_direct[0, 0]
    cdef floating *all_grad_gh = &grad_gh[0, 0, 0]
    with nogil:
        memcpy(&grad_h_steps[T - 1, 0, 0], &grad_hs[T - 1, 0, 0], B * H * sizeof(floating))
        for t in range(T - 1, -1, -1):
            _gru_backward(B, H, &grad_h_steps[t, 0, 0], &workspace[t, 0, 0],
                          &h0[0, 0] if t == 0 else <const floating *>&hs[t - 1, 0, 0],
                          &grad_gi[t, 0, 0], &grad_gh[t, 0, 0], &grad_direct[0, 0])
            if t == 0:
                into = &grad_h0[0, 0]
                memcpy(into, &grad_direct[0, 0], B * H * sizeof(floating))
            else:
                into = &grad_h_steps[t - 1, 0, 0]
                memcpy(into, &grad_hs[t - 1, 0, 0], B * H * sizeof(floating))
                if _cut_before(t, bptt_chunk):
                    continue
                for j in range(B * H):
                    into[j] += direct[j]
            _step_matmul(panels, B, H, 3 * H, &grad_gh[t, 0, 0], &w_hh[0, 0], 1, into)
        memset(&grad_b_hh[0], 0, 3 * H * sizeof(floating))
        for t in range(T * B):
            for j in range(3 * H):
                grad_b_hh[j] += all_grad_gh[t * 3 * H + j]
        _grad_w_hh(T, B, 3 * H, H, &grad_gh[0, 0, 0], &h0[0, 0], &hs[0, 0, 0], &grad_w_hh[0, 0])
        _grad_w_ih(T * B, 3 * H, x_rows.shape[1], &grad_gi[0, 0, 0], _first(x_rows),
                   <floating *>_first(grad_w_ih))
