"""Batch threads (minigrad.parallel) and thread settings (minigrad.threads): a split run gives
the single-thread answer, really splits, sums batch-summed outputs, passes errors on, survives
fork; thread counts are checked; the kernels' own BLAS is kept at one thread."""
import os
import threading

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
import minigrad.threads as threads_module
from minigrad.parallel import BatchParts, batch_slices, run_over_batch
from minigrad.threads import get_num_threads, limit_threads, set_num_threads

from conftest import get_kernels


@pytest.mark.parametrize("n,parts", [(1, 2), (2, 2), (5, 2), (7, 3), (64, 2), (3, 8)])
def test_batch_slices_cover_the_batch_evenly(n, parts):
    slices = batch_slices(n, parts)
    covered = [i for s in slices for i in range(n)[s]]
    assert covered == list(range(n))
    sizes = [s.stop - s.start for s in slices]
    assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1
    assert len(slices) == min(n, parts)


def test_run_over_batch_splits_into_contiguous_slices_on_several_threads():
    seen = []
    lock = threading.Lock()

    def kernel(x, out):
        with lock:
            seen.append((threading.current_thread().name, x.shape[0], x.flags.c_contiguous))
        out[...] = x * 3.0

    x = np.arange(64 * 1024, dtype=np.float32).reshape(64, 1024)
    out = np.full_like(x, np.nan)
    with limit_threads(2):
        run_over_batch(kernel, split=dict(x=x, out=out))
    np.testing.assert_array_equal(out, x * 3)
    assert sorted(rows for _, rows, _ in seen) == [32, 32]
    assert all(contiguous for _, _, contiguous in seen)
    assert len({name for name, _, _ in seen}) == 2


def test_run_over_batch_runs_small_work_whole():
    calls = []
    x = np.ones((4, 3))
    with limit_threads(2):
        run_over_batch(lambda a: calls.append(a.shape), split=dict(a=x))
    assert calls == [(4, 3)]


def test_run_over_batch_adds_up_summed_outputs():
    def kernel(x, total, unused):
        assert unused is None
        total[...] = x.sum(axis=0)

    x = np.random.default_rng(0).standard_normal((40, 2048))
    total = np.empty(2048)
    with limit_threads(2):
        run_over_batch(kernel, split=dict(x=x), summed=dict(total=total, unused=None))
    np.testing.assert_allclose(total, x.sum(axis=0), rtol=1e-12)


def test_run_over_batch_raises_a_worker_error():
    def kernel(x):
        if x[0, 0] > 0:  # only the second slice
            raise ValueError(f"bad slice starting at {x[0, 0]}")

    x = np.repeat(np.arange(64.0)[:, None], 1024, axis=1)
    with limit_threads(2), pytest.raises(ValueError, match="bad slice starting at 32"):
        run_over_batch(kernel, split=dict(x=x))


@pytest.mark.parametrize("backend", ["numpy", "numba", "cython"])
def test_conv_relu_and_pool_with_two_threads_equal_one_thread(backend):
    get_kernels(backend)
    rng = np.random.default_rng(1)
    x0 = rng.standard_normal((9, 3, 40, 40)).astype(np.float64)  # odd batch: uneven slices
    w0 = rng.standard_normal((8, 3, 3, 3))  # big enough that every op splits
    results = []
    for n in (1, 2):
        with mg.use_backend(backend), limit_threads(n):
            x = mg.tensor(x0, dtype=mg.float64, requires_grad=True)
            w = mg.tensor(w0, dtype=mg.float64, requires_grad=True)
            b = mg.tensor(np.linspace(-1, 1, 8), dtype=mg.float64, requires_grad=True)
            y = F.max_pool2d(F.relu(F.conv2d(x, w, b, padding=1)), 2)
            z = F.avg_pool2d(y, 2)
            ((y ** 2).sum() + (z ** 3).sum()).backward()
            results.append((y.numpy().copy(), x.grad.numpy().copy(), w.grad.numpy().copy(), b.grad.numpy().copy()))
    for one, two in zip(*results):
        np.testing.assert_allclose(two, one, rtol=1e-12, atol=1e-12)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_batch_threads_work_in_a_forked_child():
    get_kernels("cython")
    x0 = np.random.default_rng(2).standard_normal((8, 4, 32, 32)).astype(np.float32)
    w0 = np.ones((4, 4, 3, 3), np.float32)
    with mg.use_backend("cython"), limit_threads(2):
        want = F.conv2d(mg.tensor(x0), mg.tensor(w0)).numpy()  # the parent starts its pool first
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: must not wait for the parent's threads, which it does not have
            try:
                got = F.conv2d(mg.tensor(x0), mg.tensor(w0)).numpy()
                os.write(write, b"1" if np.allclose(got, want, rtol=1e-5) else b"0")
            finally:
                os._exit(0)
        os.close(write)
        _, status = os.waitpid(pid, 0)
        assert os.read(read, 1) == b"1" and status == 0


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_thread_counts_are_checked(bad):
    with pytest.raises(ValueError, match="threads must be an int >= 1"):
        set_num_threads(bad)
    with pytest.raises(ValueError, match="threads must be an int >= 1"):
        with limit_threads(bad):
            pass


def test_limit_threads_sets_and_restores_the_count():
    before = get_num_threads()
    with limit_threads(3):
        assert get_num_threads() == 3
    assert get_num_threads() == before


@pytest.mark.parametrize("value,message", [("two", "whole number"), ("0", ">= 1")])
def test_bad_minigrad_num_threads_is_named(monkeypatch, value, message):
    monkeypatch.setenv("MINIGRAD_NUM_THREADS", value)
    with pytest.raises(ValueError, match=f"MINIGRAD_NUM_THREADS.*{message}"):
        threads_module._default_threads()


def test_kernel_blas_stays_at_one_thread():
    get_kernels("cython")
    from threadpoolctl import ThreadpoolController
    with limit_threads(2):
        controller = ThreadpoolController()
        kernel_blas = threads_module.kernel_blas_libraries(controller)
        if not kernel_blas:
            pytest.skip("NumPy and the kernels share one BLAS here: nothing to keep apart")
        assert all(lib.num_threads == 1 for lib in kernel_blas)
        numpy_blas = [lib for lib in controller.lib_controllers
                      if lib.user_api == "blas" and lib not in kernel_blas]
        assert numpy_blas and all(lib.num_threads == 2 for lib in numpy_blas)


@pytest.mark.parametrize("backend", ["numba", "cython"])
@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("bptt_chunk", [0, 3])
def test_recurrent_batch_parts_equal_one_part(monkeypatch, backend, kind, bptt_chunk):
    """A sequence split into batch parts on threads gives the one-part outputs, gradients and
    per-step records (uneven parts, both directions, truncated BPTT)."""
    import minigrad.nn as nn
    import minigrad.ops.recurrent as recurrent
    get_kernels(backend)
    monkeypatch.setattr(recurrent, "MIN_GATES_PER_PART", 1)
    part_counts = []
    real_run = BatchParts.run
    monkeypatch.setattr(BatchParts, "run", lambda self, work, **pieces: (part_counts.append(len(self)),
                                                                         real_run(self, work, **pieces))[1])
    rng = np.random.default_rng(4)
    x0 = rng.standard_normal((5, 7, 3))  # batch 5 over 2 threads: parts of 3 and 2
    results = []
    for threads in (1, 2):
        mg.manual_seed(0)
        layer = getattr(nn, kind)(3, 4, batch_first=True, bidirectional=True, bptt_chunk=bptt_chunk).double()
        x = mg.tensor(x0, dtype=mg.float64, requires_grad=True)
        with mg.use_backend(backend), limit_threads(threads):
            out, state = layer(x)
            states = state if isinstance(state, tuple) else (state,)
            loss = (out ** 2).sum() + sum((s * s * 0.5).sum() for s in states)
            loss.backward()
        results.append([out.numpy(), *(s.numpy() for s in states), x.grad.numpy(),
                        *(p.grad.numpy() for p in layer.parameters()),
                        *layer.last_gates, *layer.last_hidden_grads])
    assert max(part_counts) == 2 and min(part_counts) == 1  # split at 2 threads, whole at 1
    for one, two in zip(*results):
        np.testing.assert_allclose(two, one, rtol=1e-12, atol=1e-13)


def _run_python(code: str, **env) -> str:
    import subprocess
    import sys
    environment = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT",)}
    environment.update(env)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                          check=True, timeout=120)
    return done.stdout.strip().splitlines()[-1]


def test_import_shortens_the_openblas_spin_unless_set():
    code = "import minigrad, os; print(os.environ['OPENBLAS_THREAD_TIMEOUT'])"
    assert _run_python(code) == "20"
    assert _run_python(code, OPENBLAS_THREAD_TIMEOUT="8") == "8"


def test_loading_a_compiled_backend_pins_its_blas_without_limit_threads():
    get_kernels("cython")
    code = ("import minigrad as mg, minigrad.threads as t\n"
            "from threadpoolctl import ThreadpoolController\n"
            "mg.set_backend('cython')\n"
            "c = ThreadpoolController(); pinned = t.kernel_blas_libraries(c)\n"
            "others = [l.num_threads for l in c.lib_controllers if l.user_api == 'blas' and l not in pinned]\n"
            "print(len(pinned), [l.num_threads for l in pinned], min(others))")
    count, pinned, numpy_threads = _run_python(code, MINIGRAD_BACKEND="", OPENBLAS_NUM_THREADS="2").split(" ", 2)
    if count == "0":
        pytest.skip("NumPy and the kernels share one BLAS here: nothing to pin")
    assert pinned == "[1]" and numpy_threads == "2"


def test_set_num_threads_sets_every_pool():
    get_kernels("cython")
    from threadpoolctl import ThreadpoolController
    before = get_num_threads()
    try:
        for n in (2, 1):
            set_num_threads(n)
            assert get_num_threads() == n
            controller = ThreadpoolController()
            pinned = threads_module.kernel_blas_libraries(controller)
            for lib in controller.lib_controllers:
                assert lib.num_threads == (1 if lib in pinned else n), (lib.filepath, lib.num_threads)
    finally:
        set_num_threads(before)
