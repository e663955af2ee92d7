"""A training step leaves no reference cycles behind: every graph, with the arrays its ops saved,
goes by reference counting as soon as the step is over.  A cycle would keep those arrays alive
until the garbage collector happened to run (for the LSTM classifier ~7 MB a step, which made
each step slower by fresh, cold memory)."""
import gc

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim


def _ours(obj) -> bool:
    """An object of minigrad's own: an instance of one of its classes, or one of its functions."""
    module = getattr(obj, "__module__", None) if callable(obj) else type(obj).__module__
    return isinstance(module, str) and module.startswith("minigrad")


def cyclic_garbage(step) -> list:
    """minigrad's objects that only the garbage collector could free after ``step()`` (other
    libraries' leftovers, e.g. matplotlib figures of earlier tests, are not this test's business)."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        step()
        gc.collect()
        return [obj for obj in gc.garbage if _ours(obj)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


class Recurrent(nn.Module):
    def __init__(self, layer, **options):
        super().__init__()
        self.rnn = layer(5, 6, **options)
        self.head = nn.Linear(6 * (2 if options.get("bidirectional") else 1), 3)

    def forward(self, x):
        out = self.rnn(x)[0]
        return self.head(out[:, -1])


MODELS = {
    "lstm": lambda: Recurrent(nn.LSTM, batch_first=True),
    "lstm-2-layers-bidirectional": lambda: Recurrent(nn.LSTM, batch_first=True, num_layers=2, bidirectional=True),
    "gru": lambda: Recurrent(nn.GRU, batch_first=True),
    "rnn": lambda: Recurrent(nn.RNN, batch_first=True, bidirectional=True),
    "cnn": lambda: nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                                 nn.Dropout(0.5), nn.Linear(4 * 4 * 4, 3)),
}
INPUTS = {"cnn": (8, 1, 8, 8)}


@pytest.mark.parametrize("backend", ["numpy", "cython"])
@pytest.mark.parametrize("name", list(MODELS))
def test_a_training_step_leaves_no_reference_cycles(name, backend):
    if backend not in mg.available_backends():
        pytest.skip(f"backend {backend} not built")
    mg.manual_seed(0)
    model = MODELS[name]()
    optimizer = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal(INPUTS.get(name, (4, 7, 5))), dtype=mg.float32)
    y = mg.tensor(rng.integers(0, 3, size=x.shape[0]))

    def step():
        with mg.use_backend(backend):
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    step()  # first-call caches (kernel loading, optimiser state) are not garbage
    garbage = cyclic_garbage(step)
    assert garbage == [], f"{name}: a step left {len(garbage)} objects in cycles, e.g. " \
                          f"{sorted({type(o).__name__ for o in garbage})}"


def test_cyclic_garbage_sees_a_cycle():
    """The check itself: a step that does leave a cycle of minigrad's objects is caught (the
    shape of the bug it guards against: a StepRecord whose lazy join holds the record)."""
    from minigrad.ops.recurrent import StepRecord

    def step():
        record = StepRecord()
        record._gates = lambda: record

    assert [type(obj).__name__ for obj in cyclic_garbage(step)] == ["StepRecord"]
