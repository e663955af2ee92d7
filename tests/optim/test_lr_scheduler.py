"""Learning-rate schedulers follow PyTorch's lr sequences; their state dicts round-trip."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.optim as optim
from minigrad.optim import lr_scheduler

torch = pytest.importorskip("torch")

EPOCHS = 25
# a validation loss that improves, stalls, wobbles inside the threshold, then improves again
LOSSES = [1.0, 0.9, 0.8, 0.8, 0.81, 0.79995, 0.8, 0.7, 0.7, 0.7, 0.7, 0.69, 0.69, 0.69, 0.69, 0.69,
          0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]


def optimizers():
    """The same two-group SGD in minigrad and PyTorch."""
    a, b = mg.zeros(2, requires_grad=True), mg.zeros(3, requires_grad=True)
    ta, tb = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    ours = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    theirs = torch.optim.SGD([{"params": [ta]}, {"params": [tb], "lr": 0.5}], lr=0.1, momentum=0.9)
    return ours, theirs


def lr_sequences(make, epochs=EPOCHS, metrics=None):
    ours_opt, theirs_opt = optimizers()
    ours, theirs = make(lr_scheduler, ours_opt), make(torch.optim.lr_scheduler, theirs_opt)
    seq, tseq = [], []
    for epoch in range(epochs):
        ours_opt.step()
        theirs_opt.step()
        if metrics is None:
            ours.step()
            theirs.step()
        else:
            ours.step(metrics[epoch])
            theirs.step(metrics[epoch])
        seq.append([g["lr"] for g in ours_opt.param_groups])
        tseq.append([g["lr"] for g in theirs_opt.param_groups])
        assert ours.get_last_lr() == seq[-1]
    return seq, tseq


@pytest.mark.parametrize("step_size, gamma", [(1, 0.5), (3, 0.1), (7, 0.9)])
def test_step_lr_matches_torch(step_size, gamma):
    seq, tseq = lr_sequences(lambda m, o: m.StepLR(o, step_size=step_size, gamma=gamma))
    np.testing.assert_allclose(seq, tseq, rtol=1e-15)
    assert seq[step_size - 1][0] == pytest.approx(0.1 * gamma)


@pytest.mark.parametrize("gamma", [0.9, 0.5])
def test_exponential_lr_matches_torch(gamma):
    seq, tseq = lr_sequences(lambda m, o: m.ExponentialLR(o, gamma=gamma))
    np.testing.assert_allclose(seq, tseq, rtol=1e-15)
    assert seq[-1][1] == pytest.approx(0.5 * gamma ** EPOCHS)


def test_chained_schedulers_compose_as_torch():
    def make(m, o):
        first, second = m.StepLR(o, step_size=4, gamma=0.5), m.ExponentialLR(o, gamma=0.95)

        class Both:
            def step(self):
                first.step()
                second.step()

            def get_last_lr(self):
                return second.get_last_lr()
        return Both()
    seq, tseq = lr_sequences(make)
    np.testing.assert_allclose(seq, tseq, rtol=1e-15)


@pytest.mark.parametrize("kwargs", [
    dict(patience=2),
    dict(patience=1, factor=0.5, cooldown=2),
    dict(patience=0, threshold=0.05, threshold_mode="abs", min_lr=0.02),
    dict(patience=1, min_lr=[0.001, 0.2], factor=0.3),
    dict(mode="max", patience=2, factor=0.5),
])
def test_reduce_lr_on_plateau_matches_torch(kwargs):
    seq, tseq = lr_sequences(lambda m, o: m.ReduceLROnPlateau(o, **kwargs), metrics=LOSSES)
    np.testing.assert_allclose(seq, tseq, rtol=1e-15)
    if kwargs.get("mode") != "max":
        assert seq[-1] != seq[0]  # the sequence does reduce


def test_reduce_lr_on_plateau_defaults_and_errors():
    opt, _ = optimizers()
    sched = lr_scheduler.ReduceLROnPlateau(opt)
    assert (sched.mode, sched.factor, sched.patience, sched.threshold) == ("min", 0.1, 10, 1e-4)
    with pytest.raises(ValueError):
        lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError):
        lr_scheduler.ReduceLROnPlateau(opt, mode="up")
    with pytest.raises(TypeError):
        lr_scheduler.StepLR(object(), step_size=2)


@pytest.mark.parametrize("kind", ["step", "exponential", "plateau"])
def test_scheduler_state_dict_round_trip(kind, tmp_path):
    """Interrupt after 9 epochs, save optimizer and scheduler through mg.save, rebuild both from
    scratch, load, and continue: the lr sequence equals the uninterrupted one."""
    def build():
        w = mg.zeros(2, requires_grad=True)
        opt = optim.SGD([w], lr=0.1)
        if kind == "step":
            return opt, lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)
        if kind == "exponential":
            return opt, lr_scheduler.ExponentialLR(opt, gamma=0.8)
        return opt, lr_scheduler.ReduceLROnPlateau(opt, patience=1, cooldown=1)

    def advance(opt, sched, epochs):
        for epoch in epochs:
            opt.step()
            sched.step(LOSSES[epoch]) if kind == "plateau" else sched.step()
            yield opt.param_groups[0]["lr"]

    opt, sched = build()
    straight = list(advance(opt, sched, range(EPOCHS)))

    opt, sched = build()
    first = list(advance(opt, sched, range(9)))
    mg.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, tmp_path / "ckpt")
    opt, sched = build()
    checkpoint = mg.load(tmp_path / "ckpt")
    opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
    rest = list(advance(opt, sched, range(9, EPOCHS)))
    assert first + rest == straight
    if kind == "plateau":
        assert checkpoint["scheduler"]["best"] < math.inf
