"""Backend choice across threads (issue 20): ``set_backend`` is process-wide (threads started
later see it), ``use_backend`` is this thread's override, restored on exit; a bad
MINIGRAD_BACKEND names the variable and the valid names."""
import os
import subprocess
import sys
import threading

import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import backend
from minigrad.kernels import BACKENDS, BackendUnavailable


@pytest.fixture
def restore_process_backend():
    saved = list(backend._process)
    yield
    backend._process[:] = saved


def in_thread(fn):
    result = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as exc:  # re-raised in the test's thread
            result["error"] = exc
    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=60)
    if "error" in result:
        raise result["error"]
    return result["value"]


def other_backend():
    """An available backend that is not the current default, so a test can see a change."""
    current = mg.get_backend()
    return next((name for name in mg.available_backends() if name != current), None)


def test_set_backend_reaches_threads_started_afterwards(restore_process_backend):
    name = other_backend()
    if name is None:
        pytest.skip("only one backend is available")
    mg.set_backend(name)
    assert mg.get_backend() == name
    assert in_thread(mg.get_backend) == name


def test_set_backend_in_a_thread_reaches_the_main_thread(restore_process_backend):
    in_thread(lambda: mg.set_backend("numpy"))
    assert mg.get_backend() == "numpy"


def test_ops_in_a_new_thread_run_on_the_process_backend(restore_process_backend):
    name = other_backend() or "numpy"
    mg.set_backend(name)

    def conv():  # an op that calls kernels keeps the backend it ran on, on its ctx
        return F.conv2d(mg.ones(1, 1, 4, 4, requires_grad=True), mg.ones(1, 1, 3, 3)).grad_fn.kernels
    assert in_thread(conv) is mg.kernels.load_backend(name)


def test_use_backend_is_per_thread_and_restored(restore_process_backend):
    mg.set_backend("numpy")
    name = next((n for n in mg.available_backends() if n != "numpy"), None)
    if name is None:
        pytest.skip("only the numpy backend is available")
    inside, entered, release = {}, threading.Event(), threading.Event()

    def worker():
        with mg.use_backend(name):
            inside["worker"] = mg.get_backend()
            entered.set()
            release.wait(timeout=60)
        inside["worker_after"] = mg.get_backend()
    thread = threading.Thread(target=worker)
    thread.start()
    entered.wait(timeout=60)
    inside["main_meanwhile"] = mg.get_backend()  # the worker's override is its own
    release.set()
    thread.join(timeout=60)
    assert inside == {"worker": name, "main_meanwhile": "numpy", "worker_after": "numpy"}
    with mg.use_backend(name):
        assert mg.get_backend() == name
        assert in_thread(mg.get_backend) == "numpy"  # a new thread sees the process-wide choice
    assert mg.get_backend() == "numpy"


def test_use_backend_is_restored_after_an_exception(restore_process_backend):
    mg.set_backend("numpy")
    name = next((n for n in mg.available_backends() if n != "numpy"), "numpy")
    with pytest.raises(ZeroDivisionError):
        with mg.use_backend(name):
            1 / 0
    assert mg.get_backend() == "numpy"


@pytest.mark.parametrize("bad, exc", [("bogus", BackendUnavailable), (None, TypeError), (["numpy"], TypeError)])
def test_bad_backend_names(bad, exc, restore_process_backend):
    before = mg.get_backend()
    with pytest.raises(exc, match="bogus|numpy, numba, cython"):
        mg.set_backend(bad)
    with pytest.raises(exc):
        with mg.use_backend(bad):
            pass
    assert mg.get_backend() == before


def run_with_backend_variable(value, code="import minigrad as mg; print(mg.get_backend())"):
    env = {k: v for k, v in os.environ.items() if k != "MINIGRAD_REQUIRE_BACKENDS"}
    env["MINIGRAD_BACKEND"] = value
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)


def test_bogus_minigrad_backend_variable_names_it_and_the_valid_names():
    out = run_with_backend_variable("bogus", "import minigrad")
    assert out.returncode != 0
    last = out.stderr.strip().splitlines()[-1]
    assert "MINIGRAD_BACKEND='bogus'" in last
    assert all(name in last for name in BACKENDS)


def test_minigrad_backend_variable_chooses_the_default():
    out = run_with_backend_variable("numpy")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "numpy"
