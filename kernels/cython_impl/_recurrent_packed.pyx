# distutils: extra_compile_args = -fno-trapping-math
"""The float32 recurrent sequence kernels with a packed step matmul: the fast siblings of the
sequence kernels in _recurrent.pyx (same names, signatures and results within float32 rounding).

A sequence multiplies by the same weight at every step.  Here the weight is packed once a
sequence and each step multiplied by a microkernel that keeps the panels in cache (why: see
packed_gemm.h; packed_gemm_avx2.h for AVX2 + FMA): each RNN/LSTM forward step as one product of
the joined rows [x_t | h_{t-1}] by [w_ih | w_hh].T, and the weight gradients of a whole sequence
taken chunk by chunk while each step's gate gradients are still in cache.  Which microkernel
runs is set by use_microkernel(); recurrent.py decides when these kernels run at all (float32, a
packed route on, weights with elements).
"""
from libc.string cimport memcpy, memset

import numpy as np

from _blas cimport gemm
from _recurrent_cells cimport (_cut_before, _gru_backward, _gru_forward, _lstm_backward, _lstm_forward,
                               _rnn_backward, _rnn_forward)


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

cdef packed_gemm_fn _packed_gemm = mg_packed_gemm_avx2_f32
cdef blocks_gemm2_fn _blocks_gemm2 = mg_blocks_gemm2_avx2_f32


def cpu_has(str microkernel):
    """Whether this CPU can run the microkernel "avx512" (AVX-512F) or "avx2" (AVX2 + FMA)."""
    if microkernel == "avx512":
        return bool(mg_packed_gemm_supported())
    if microkernel == "avx2":
        return bool(mg_packed_gemm_avx2_supported())
    raise ValueError(f"unknown microkernel {microkernel!r}; known: avx512, avx2")


def use_microkernel(str microkernel):
    """Multiply by packed_gemm.h's AVX-512 microkernel ("avx512") or packed_gemm_avx2.h's ("avx2");
    the caller checks cpu_has() first."""
    global _packed_gemm, _blocks_gemm2
    if microkernel == "avx512":
        _packed_gemm, _blocks_gemm2 = mg_packed_gemm_f32, mg_blocks_gemm2_f32
    elif microkernel == "avx2":
        _packed_gemm, _blocks_gemm2 = mg_packed_gemm_avx2_f32, mg_blocks_gemm2_avx2_f32
    else:
        raise ValueError(f"unknown microkernel {microkernel!r}; known: avx512, avx2")


# ----------------------------------------------------------------------------- packing

cdef float[::1] _pack(const float[:, ::1] w, bint transpose):
    """w.T (transpose) or w as packed panels, the right-hand side of a step's product."""
    cdef Py_ssize_t rows = w.shape[0], cols = w.shape[1]
    cdef float[::1] packed
    if transpose:
        packed = np.empty(mg_packed_size(cols, rows), dtype=np.float32)
        mg_pack_rows_f32(cols, rows, &w[0, 0], 1, cols, &packed[0], 0, cols)
    else:
        packed = np.empty(mg_packed_size(rows, cols), dtype=np.float32)
        mg_pack_rows_f32(rows, cols, &w[0, 0], cols, 1, &packed[0], 0, rows)
    return packed


cdef float[::1] _pack_joined(const float[:, ::1] w_ih, const float[:, ::1] w_hh):
    """[w_ih | w_hh].T as packed panels (J + H rows): a step's whole pre-activation is then one
    product, [x_t | h_{t-1}] @ that."""
    cdef Py_ssize_t G = w_hh.shape[0], H = w_hh.shape[1], J = w_ih.shape[1]
    cdef float[::1] packed = np.empty(mg_packed_size(J + H, G), dtype=np.float32)
    if J > 0:
        mg_pack_rows_f32(J, G, &w_ih[0, 0], 1, J, &packed[0], 0, J + H)
    mg_pack_rows_f32(H, G, &w_hh[0, 0], 1, H, &packed[0], J, J + H)
    return packed


cdef inline void _joined_pre_activation(const float *joined_panels, float *joined, Py_ssize_t B, Py_ssize_t G,
                                        Py_ssize_t J, Py_ssize_t H, const float *x_t, const float *h_prev,
                                        const float *b_ih, float *pre) noexcept nogil:
    """pre = x_t @ w_ih.T + b_ih + h_prev @ w_hh.T for one step: the rows [x_t | h_prev], copied
    side by side into joined (B x (J + H)), times joined_panels, added to rows of b_ih (the
    microkernel accumulates into them, so the bias costs no pass of its own)."""
    cdef Py_ssize_t b
    for b in range(B):
        memcpy(joined + b * (J + H), x_t + b * J, J * sizeof(float))
        memcpy(joined + b * (J + H) + J, h_prev + b * H, H * sizeof(float))
        memcpy(pre + b * G, b_ih, G * sizeof(float))
    _packed_gemm(B, G, J + H, joined, J + H, 1, joined_panels, pre, G, 1)


cdef inline void _step_matmul(const float *panels, Py_ssize_t m, Py_ssize_t n, Py_ssize_t k, const float *a,
                              bint accumulate, float *c) noexcept nogil:
    """Row-major c[m, n] (+)= a[m, k] @ b[k, n], b given as its packed panels."""
    _packed_gemm(m, n, k, a, k, 1, panels, c, n, accumulate)


cdef inline const float *_first(const float[:, ::1] a) noexcept nogil:
    """The first element's address, NULL for an array with no elements (no [0, 0] to index)."""
    if a.shape[0] == 0 or a.shape[1] == 0:
        return NULL
    return &a[0, 0]


cdef inline void _add_rows(Py_ssize_t rows, Py_ssize_t G, const float *a, float *total) noexcept nogil:
    """total += the column sums of a[rows, G]."""
    cdef Py_ssize_t r, j
    for r in range(rows):
        for j in range(G):
            total[j] += a[r * G + j]


# ----------------------------------------------------------------------------- weight gradients
# The backward loop copies each step's gate gradients into blocks of 8 columns while they are in
# cache, a chunk of steps (~256 rows) at a time, and at the end of each chunk one pass over its
# blocks adds the chunk's share of grad_w_hh and grad_w_ih.  A chunk's blocks (512 KiB for the
# course's LSTM) stay in L2; blocks for the whole sequence would go out to memory and back.  One
# scratch array holds a chunk's blocks and its packed h_{t-1} and x rows.

cdef inline Py_ssize_t _chunk_steps(Py_ssize_t B) noexcept nogil:
    return max(1, 256 // B)


cdef float[::1] _weight_grad_scratch(Py_ssize_t B, Py_ssize_t G, Py_ssize_t H, Py_ssize_t J):
    cdef Py_ssize_t rows = _chunk_steps(B) * B
    return np.empty((G + 7) // 8 * 8 * rows + mg_packed_size(rows, H) + mg_packed_size(rows, J), dtype=np.float32)


cdef void _weight_grads_step(Py_ssize_t t, Py_ssize_t T, Py_ssize_t B, Py_ssize_t G, Py_ssize_t H,
                             Py_ssize_t J, const float *grad_pre_t, const float *h0, const float *hs,
                             const float *x_rows, float *scratch, float *grad_w_hh, float *grad_w_ih) noexcept nogil:
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


cdef float[:, :, ::1] _gate_grads_buffer(float[:, :, ::1] grad_xproj, Py_ssize_t T, Py_ssize_t B, Py_ssize_t G,
                                         bint one_step_enough):
    """Where the backward loop writes each step's gate gradients: the caller's grad_xproj; when it
    passed None (it does not want them), a buffer of its own: one step, reused, if one_step_enough
    (each step's share of the weight gradients is taken at once), all steps otherwise."""
    if grad_xproj is not None:
        return grad_xproj
    return np.empty((1 if one_step_enough else T, B, G), dtype=np.float32)


# ----------------------------------------------------------------------------- sequences: tanh RNN

def rnn_sequence_forward(const float[:, ::1] x_rows, const float[:, ::1] w_ih, const float[::1] b_ih,
                         const float[:, ::1] w_hh, const float[:, ::1] h0, float[:, :, ::1] hs):
    """h_t = tanh(x_t @ w_ih.T + b_ih + h_{t-1} @ w_hh.T) for t = 0..T-1 (x_t: rows t·B.. of x_rows)."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], J = x_rows.shape[1], t
    cdef float[::1] panels = _pack_joined(w_ih, w_hh)
    cdef float[::1] joined = np.empty(B * (J + H), dtype=np.float32)
    cdef float *pre
    with nogil:
        for t in range(T):
            pre = &hs[t, 0, 0]  # built in place, then tanh
            _joined_pre_activation(&panels[0], &joined[0], B, H, J, H, _first(x_rows) + t * B * J,
                                   &h0[0, 0] if t == 0 else <const float *>&hs[t - 1, 0, 0], &b_ih[0], pre)
            _rnn_forward(B * H, pre, pre)


def rnn_sequence_backward(const float[:, :, ::1] grad_hs, const float[:, ::1] w_hh, const float[:, ::1] h0,
                          const float[:, :, ::1] hs, const float[:, ::1] x_rows, float[:, :, ::1] grad_xproj,
                          float[:, ::1] grad_w_hh, float[:, ::1] grad_w_ih, float[::1] grad_b_ih,
                          float[:, ::1] grad_h0, float[:, :, ::1] grad_h_steps, Py_ssize_t bptt_chunk):
    """Backpropagation through time; grad_xproj[t] is the gradient of step t's pre-activation.
    grad_xproj, grad_w_ih and grad_b_ih may be None: not wanted, not made."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t
    cdef Py_ssize_t J = x_rows.shape[1] if grad_w_ih is not None else 0  # columns of grad_w_ih to make
    cdef float[::1] panels = _pack(w_hh, False)
    cdef float[::1] scratch = _weight_grad_scratch(B, H, H, J)
    cdef float[:, :, ::1] grad_pre = _gate_grads_buffer(grad_xproj, T, B, H, True)
    cdef Py_ssize_t step_size = B * H if grad_pre.shape[0] == T else 0  # 0: one step's buffer, reused
    cdef float *grad_pre_t
    cdef float *b_ih_out = &grad_b_ih[0] if grad_b_ih is not None else NULL
    with nogil:
        if b_ih_out != NULL:
            memset(b_ih_out, 0, H * sizeof(float))
        memcpy(&grad_h_steps[T - 1, 0, 0], &grad_hs[T - 1, 0, 0], B * H * sizeof(float))
        for t in range(T - 1, -1, -1):
            # grad_h_steps[t] is complete here: its own output plus what step t + 1 sent back
            grad_pre_t = &grad_pre[0, 0, 0] + t * step_size
            _rnn_backward(B * H, &grad_h_steps[t, 0, 0], &hs[t, 0, 0], grad_pre_t)
            if b_ih_out != NULL:  # while grad_pre_t is in cache (it may be a one-step buffer)
                _add_rows(B, H, grad_pre_t, b_ih_out)
            _weight_grads_step(t, T, B, H, H, J, grad_pre_t, &h0[0, 0], &hs[0, 0, 0], _first(x_rows),
                               &scratch[0], &grad_w_hh[0, 0], <float *>_first(grad_w_ih) if J > 0 else NULL)
            if t == 0:
                _step_matmul(&panels[0], B, H, H, grad_pre_t, False, &grad_h0[0, 0])
            else:
                memcpy(&grad_h_steps[t - 1, 0, 0], &grad_hs[t - 1, 0, 0], B * H * sizeof(float))
                if not _cut_before(t, bptt_chunk):
                    _step_matmul(&panels[0], B, H, H, grad_pre_t, True, &grad_h_steps[t - 1, 0, 0])


# ----------------------------------------------------------------------------- sequences: LSTM

def lstm_sequence_forward(const float[:, ::1] x_rows, const float[:, ::1] w_ih, const float[::1] b_ih,
                          const float[:, ::1] w_hh, const float[:, ::1] h0, const float[:, ::1] c0,
                          float[:, :, ::1] hs, float[:, :, ::1] cs, float[:, :, ::1] gates):
    """Per step: pre = x_t @ w_ih.T + b_ih + h_{t-1} @ w_hh.T, then the LSTM cell; gates[t] = activated i, f, g, o."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], J = x_rows.shape[1], t
    cdef float[::1] panels = _pack_joined(w_ih, w_hh)
    cdef float[::1] joined = np.empty(B * (J + H), dtype=np.float32)
    cdef float *pre
    with nogil:
        for t in range(T):
            pre = &gates[t, 0, 0]  # pre-activations built in gates[t], then activated in place
            _joined_pre_activation(&panels[0], &joined[0], B, 4 * H, J, H, _first(x_rows) + t * B * J,
                                   &h0[0, 0] if t == 0 else <const float *>&hs[t - 1, 0, 0], &b_ih[0], pre)
            _lstm_forward(B, H, pre, &c0[0, 0] if t == 0 else <const float *>&cs[t - 1, 0, 0],
                          &hs[t, 0, 0], &cs[t, 0, 0], pre)


def lstm_sequence_backward(const float[:, :, ::1] grad_hs, const float[:, ::1] grad_cT,
                           const float[:, ::1] w_hh, const float[:, ::1] h0, const float[:, ::1] c0,
                           const float[:, :, ::1] hs, const float[:, :, ::1] cs, const float[:, :, ::1] gates,
                           const float[:, ::1] x_rows, float[:, :, ::1] grad_xproj, float[:, ::1] grad_w_hh,
                           float[:, ::1] grad_w_ih, float[::1] grad_b_ih, float[:, ::1] grad_h0,
                           float[:, ::1] grad_c0, float[:, :, ::1] grad_h_steps, Py_ssize_t bptt_chunk):
    """Backpropagation through time for the LSTM; grad_cT is the gradient of c_n (None outputs:
    as rnn_sequence_backward)."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t
    cdef Py_ssize_t J = x_rows.shape[1] if grad_w_ih is not None else 0  # columns of grad_w_ih to make
    cdef float[::1] panels = _pack(w_hh, False)
    cdef float[::1] scratch = _weight_grad_scratch(B, 4 * H, H, J)
    cdef float[:, ::1] grad_c_a = np.array(grad_cT, dtype=np.float32)
    cdef float[:, ::1] grad_c_b = np.empty_like(grad_c_a)
    cdef float *grad_c = &grad_c_a[0, 0]  # dLoss/dc_t arriving from step t + 1 (or c_n)
    cdef float *grad_c_prev = &grad_c_b[0, 0]
    cdef float *swap
    cdef float[:, :, ::1] grad_pre = _gate_grads_buffer(grad_xproj, T, B, 4 * H, True)
    cdef Py_ssize_t step_size = B * 4 * H if grad_pre.shape[0] == T else 0  # 0: one step's buffer, reused
    cdef float *grad_pre_t
    cdef float *b_ih_out = &grad_b_ih[0] if grad_b_ih is not None else NULL
    with nogil:
        if b_ih_out != NULL:
            memset(b_ih_out, 0, 4 * H * sizeof(float))
        memcpy(&grad_h_steps[T - 1, 0, 0], &grad_hs[T - 1, 0, 0], B * H * sizeof(float))
        for t in range(T - 1, -1, -1):
            grad_pre_t = &grad_pre[0, 0, 0] + t * step_size
            _lstm_backward(B, H, &grad_h_steps[t, 0, 0], grad_c, &gates[t, 0, 0],
                           &c0[0, 0] if t == 0 else <const float *>&cs[t - 1, 0, 0], &cs[t, 0, 0],
                           grad_pre_t, &grad_c0[0, 0] if t == 0 else grad_c_prev)
            if b_ih_out != NULL:  # while grad_pre_t is in cache (it may be a one-step buffer)
                _add_rows(B, 4 * H, grad_pre_t, b_ih_out)
            _weight_grads_step(t, T, B, 4 * H, H, J, grad_pre_t, &h0[0, 0], &hs[0, 0, 0], _first(x_rows),
                               &scratch[0], &grad_w_hh[0, 0], <float *>_first(grad_w_ih) if J > 0 else NULL)
            if t == 0:
                _step_matmul(&panels[0], B, H, 4 * H, grad_pre_t, False, &grad_h0[0, 0])
            else:
                memcpy(&grad_h_steps[t - 1, 0, 0], &grad_hs[t - 1, 0, 0], B * H * sizeof(float))
                if _cut_before(t, bptt_chunk):
                    memset(grad_c, 0, B * H * sizeof(float))
                else:
                    _step_matmul(&panels[0], B, H, 4 * H, grad_pre_t, True, &grad_h_steps[t - 1, 0, 0])
                    swap = grad_c
                    grad_c = grad_c_prev
                    grad_c_prev = swap


# ----------------------------------------------------------------------------- sequences: GRU

def gru_sequence_forward(const float[:, ::1] x_rows, const float[:, ::1] w_ih, const float[::1] b_ih,
                         const float[:, ::1] w_hh, const float[::1] b_hh, const float[:, ::1] h0,
                         float[:, :, ::1] hs, float[:, :, ::1] workspace):
    """Per step: gi = x_t @ w_ih.T + b_ih, gh = h_{t-1} @ w_hh.T + b_hh, then the GRU cell.

    gi and gh stay apart (the reset gate multiplies gh_n alone), so each is its own product, gi
    made step by step from x_rows."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], J = x_rows.shape[1], t, b
    cdef float[::1] panels = _pack(w_hh, True)
    cdef float[::1] ih_panels = _pack(w_ih, True) if J > 0 else None
    cdef float[:, ::1] gi = np.empty((B, 3 * H), dtype=np.float32)
    cdef float[:, ::1] gh = np.empty((B, 3 * H), dtype=np.float32)
    cdef const float *h_prev
    with nogil:
        for t in range(T):
            h_prev = &h0[0, 0] if t == 0 else <const float *>&hs[t - 1, 0, 0]
            for b in range(B):  # the products accumulate into rows of the biases
                memcpy(&gi[b, 0], &b_ih[0], 3 * H * sizeof(float))
                memcpy(&gh[b, 0], &b_hh[0], 3 * H * sizeof(float))
            if J > 0:
                _packed_gemm(B, 3 * H, J, &x_rows[0, 0] + t * B * J, J, 1, &ih_panels[0], &gi[0, 0], 3 * H, 1)
            _step_matmul(&panels[0], B, 3 * H, H, h_prev, True, &gh[0, 0])
            _gru_forward(B, H, &gi[0, 0], &gh[0, 0], h_prev, &hs[t, 0, 0], &workspace[t, 0, 0])


def gru_sequence_backward(const float[:, :, ::1] grad_hs, const float[:, ::1] w_hh, const float[::1] b_hh,
                          const float[:, ::1] h0, const float[:, :, ::1] hs, const float[:, :, ::1] workspace,
                          const float[:, ::1] x_rows, float[:, :, ::1] grad_xproj, float[:, ::1] grad_w_hh,
                          float[:, ::1] grad_w_ih, float[::1] grad_b_ih, float[::1] grad_b_hh,
                          float[:, ::1] grad_h0, float[:, :, ::1] grad_h_steps, Py_ssize_t bptt_chunk):
    """Backpropagation through time for the GRU (b_hh is not needed: workspace holds gh_n; None
    outputs: as rnn_sequence_backward); the step matmul is packed, the weight gradients one BLAS
    product each at the end."""
    cdef Py_ssize_t T = hs.shape[0], B = hs.shape[1], H = hs.shape[2], t, j
    cdef Py_ssize_t J = x_rows.shape[1] if grad_w_ih is not None else 0  # columns of grad_w_ih to make
    cdef float[::1] panels = _pack(w_hh, False)
    cdef float[:, :, ::1] grad_gh = np.empty((T, B, 3 * H), dtype=np.float32)  # all steps: one grad_w_hh matmul
    cdef float[:, :, ::1] grad_gi = _gate_grads_buffer(grad_xproj, T, B, 3 * H, False)
    cdef float *b_ih_out = &grad_b_ih[0] if grad_b_ih is not None else NULL
    cdef float[:, ::1] grad_direct = np.empty((B, H), dtype=np.float32)
    cdef float *into
    cdef float *direct = &grad_direct[0, 0]
    cdef float *all_grad_gh = &grad_gh[0, 0, 0]
    with nogil:
        memcpy(&grad_h_steps[T - 1, 0, 0], &grad_hs[T - 1, 0, 0], B * H * sizeof(float))
        for t in range(T - 1, -1, -1):
            _gru_backward(B, H, &grad_h_steps[t, 0, 0], &workspace[t, 0, 0],
                          &h0[0, 0] if t == 0 else <const float *>&hs[t - 1, 0, 0],
                          &grad_gi[t, 0, 0], &grad_gh[t, 0, 0], direct)
            if t == 0:
                into = &grad_h0[0, 0]
                memcpy(into, direct, B * H * sizeof(float))
            else:
                into = &grad_h_steps[t - 1, 0, 0]
                memcpy(into, &grad_hs[t - 1, 0, 0], B * H * sizeof(float))
                if _cut_before(t, bptt_chunk):
                    continue
                for j in range(B * H):
                    into[j] += direct[j]
            _step_matmul(&panels[0], B, H, 3 * H, &grad_gh[t, 0, 0], True, into)
        memset(&grad_b_hh[0], 0, 3 * H * sizeof(float))
        _add_rows(T * B, 3 * H, all_grad_gh, &grad_b_hh[0])
        if b_ih_out != NULL:
            memset(b_ih_out, 0, 3 * H * sizeof(float))
            _add_rows(T * B, 3 * H, &grad_gi[0, 0, 0], b_ih_out)
        # grad_w_hh = sum_t grad_gh[t]^T h_{t-1}, grad_w_ih = grad_gi^T x_rows
        gemm(True, False, 3 * H, H, B, 1, all_grad_gh, 3 * H, &h0[0, 0], H, 0, &grad_w_hh[0, 0], H)
        if T > 1:
            gemm(True, False, 3 * H, H, (T - 1) * B, 1, all_grad_gh + B * 3 * H, 3 * H, &hs[0, 0, 0], H, 1,
                 &grad_w_hh[0, 0], H)
        if J > 0:
            gemm(True, False, 3 * H, J, T * B, 1, &grad_gi[0, 0, 0], 3 * H, &x_rows[0, 0], J, 0,
                 &grad_w_ih[0, 0], J)
