/* Vector maths for the Cython recurrent kernels: sigmoid, tanh and the LSTM cell's row loops,
 * in the array's own precision, written so that GCC vectorises them.
 *
 * Why not libm: its exp/tanh are calls (5-50 ns an element here, and a loop with a call does not
 * vectorise); NumPy's SIMD ufuncs take 0.5-3 ns.  Each function runs in place over a contiguous
 * row, so there is no aliasing to check.
 *
 * exp(-a) = 2**k * (1 + expm1(r)) with k = round(-a / ln 2), a Taylor polynomial for expm1(r)
 * (|r| <= 0.35; to r**7 for float, r**13 for double: a few ulp), and 2**k built in the exponent
 * bits.  No calls and no branches: adding MAGIC = 1.5 * 2**23 (double: 1.5 * 2**52) rounds to an
 * integer that then sits in the low bits of the sum; selects compare integers; the including .pyx
 * compiles with -fno-trapping-math, which lets GCC turn the rest into blends and changes no
 * result (NaN and inf propagate as before), only FP exception flags.
 *
 * The build's baseline x86-64 flags give 4-float SSE vectors; GCC's target_clones adds AVX2 and
 * AVX-512 copies, one picked at load time by what the CPU has (AVX2: 3x faster than SSE here,
 * AVX-512 another 25 % on the LSTM cell).  The LSTM rows are C, not Cython, for two things Cython
 * cannot say: `restrict` (so GCC vectorises the one loop with no overlap checks) and the clones.
 */
#ifndef MG_VECMATH_H
#define MG_VECMATH_H

#include <math.h>
#include <stddef.h>
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
MG_CLONES static void mg_sigmoid_##SUFFIX(ptrdiff_t n, T *y) {                      \
    for (ptrdiff_t j = 0; j < n; j++) {                                             \
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
MG_CLONES static void mg_tanh_##SUFFIX(ptrdiff_t n, T *y) {                         \
    for (ptrdiff_t j = 0; j < n; j++)                                               \
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
        ptrdiff_t H, const T *restrict act, const T *restrict c_prev, T *restrict c,   \
        T *restrict h) {                                                                \
    const T *i = act, *f = act + H, *g = act + 2 * H, *o = act + 3 * H;                 \
    for (ptrdiff_t j = 0; j < H; j++) {                                                \
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
        ptrdiff_t H, const T *restrict grad_h, const T *restrict grad_c,               \
        const T *restrict act, const T *restrict c_prev, T *restrict dc,                \
        T *restrict grad_gates) {                                                       \
    const T *i = act, *f = act + H, *g = act + 2 * H, *o = act + 3 * H;                 \
    for (ptrdiff_t j = 0; j < H; j++) {                                                \
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

#endif
