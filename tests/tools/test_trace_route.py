"""The route a student reads: an MLP's training step stays in the autograd core, its ops and the
optimizer (benchmarks/trace_route.py traces it), and never passes through the batch threads."""
import os
import re
import sys

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim

from conftest import get_kernels

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks"))
import trace_route  # noqa: E402

# What an MLP's backward and optimizer step may touch: the Tensor/Function core and the engine,
# the ops of Linear, ReLU and the losses, the optimizer (and the kernel it asks the backend for).
BACKWARD_ROUTE = re.compile(r"minigrad/(tensor\.py|autograd/\w+\.py"
                            r"|ops/(activation|arithmetic|linalg|loss|reduce|shape)\.py"
                            r"|optim/\w+\.py|backend\.py|kernels/__init__\.py|kernels/\w+/optim\.py)$")
THREAD_POOL = {"minigrad/parallel.py", "minigrad/threads.py"}


def mlp(loss: str):
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    # wide enough that a batch-threaded op would split it at 2 threads
    model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    x = mg.tensor(rng.standard_normal((64, 64)).astype(np.float32))
    if loss == "cross_entropy":
        return model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3), x, mg.tensor(rng.integers(0, 10, 64))
    y = mg.tensor(rng.standard_normal((64, 10)).astype(np.float32))
    return model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.01, momentum=0.9), x, y


@pytest.mark.parametrize("backend", ["numpy", "numba", "cython"])
@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_an_mlp_step_touches_only_the_core_its_ops_and_the_optimizer(backend, loss):
    get_kernels(backend)
    route = trace_route.trace_step(*mlp(loss), threads=2, backend=backend)
    backward = set(route.calls["backward"])
    assert {"minigrad/autograd/engine.py", "minigrad/ops/activation.py", "minigrad/ops/linalg.py"} <= backward
    assert not backward & THREAD_POOL
    assert not set(route.calls["forward"]) & THREAD_POOL
    assert sorted(path for path in backward if not BACKWARD_ROUTE.match(path)) == []


def test_the_tracer_sees_the_batch_threads_where_they_run():
    get_kernels("cython")
    route = trace_route.trace("cnn", threads=2, backend="cython")
    assert "minigrad/parallel.py" in route.calls["backward"]
    assert route.switches["forward"] > len(route.calls["forward"]) > 5
