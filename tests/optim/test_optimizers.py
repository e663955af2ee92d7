"""Optimisers follow PyTorch's trajectories step by step; state dicts round-trip; argument checks."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.optim as optim

torch = pytest.importorskip("torch")

STEPS = 20

# name -> (minigrad class, torch class, kwargs)
CASES = {
    "sgd": (optim.SGD, "SGD", dict(lr=0.05)),
    "sgd_momentum": (optim.SGD, "SGD", dict(lr=0.05, momentum=0.9)),
    "sgd_nesterov": (optim.SGD, "SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    "sgd_weight_decay": (optim.SGD, "SGD", dict(lr=0.05, weight_decay=0.1)),
    "sgd_dampening": (optim.SGD, "SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    "adam": (optim.Adam, "Adam", dict(lr=0.05)),
    "adam_amsgrad": (optim.Adam, "Adam", dict(lr=0.05, betas=(0.8, 0.99), amsgrad=True)),
    "adam_weight_decay": (optim.Adam, "Adam", dict(lr=0.05, weight_decay=0.1, eps=1e-6)),
    "adam_wd_amsgrad": (optim.Adam, "Adam", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    "adamw": (optim.AdamW, "AdamW", dict(lr=0.05)),
    "adamw_amsgrad": (optim.AdamW, "AdamW", dict(lr=0.05, weight_decay=0.2, amsgrad=True)),
    "rmsprop": (optim.RMSprop, "RMSprop", dict(lr=0.01)),
    "rmsprop_momentum": (optim.RMSprop, "RMSprop", dict(lr=0.01, momentum=0.9, weight_decay=0.05)),
    "rmsprop_centered": (optim.RMSprop, "RMSprop", dict(lr=0.01, centered=True, alpha=0.9)),
    "rmsprop_centered_momentum": (optim.RMSprop, "RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
}


def problem(seed=0):
    """A small least-squares problem ½‖X·W + b − Y‖² on two parameter tensors (float64)."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(16, 5)), rng.normal(size=(16, 3))
    w0, b0 = rng.normal(size=(5, 3)), rng.normal(size=(3,))
    return x, y, w0, b0


def mg_loss(x, y, w, b):
    return (((mg.tensor(x, dtype=mg.float64) @ w + b) - mg.tensor(y, dtype=mg.float64)) ** 2).sum() * 0.5


def torch_loss(x, y, w, b):
    return (((torch.from_numpy(x) @ w + b) - torch.from_numpy(y)) ** 2).sum() * 0.5


def make_pair(name, seed=0):
    cls, torch_name, kwargs = CASES[name]
    x, y, w0, b0 = problem(seed)
    w = mg.tensor(w0, dtype=mg.float64, requires_grad=True)
    b = mg.tensor(b0, dtype=mg.float64, requires_grad=True)
    tw = torch.tensor(w0, requires_grad=True)
    tb = torch.tensor(b0, requires_grad=True)
    ours = cls([w, b], **kwargs)
    theirs = getattr(torch.optim, torch_name)([tw, tb], foreach=False, **kwargs)
    return (x, y), (w, b, ours), (tw, tb, theirs)


def train_step(data, params, opt):
    opt.zero_grad()
    mg_loss(*data, *params).backward()
    opt.step()


def torch_step(data, params, opt):
    opt.zero_grad()
    torch_loss(*data, *params).backward()
    opt.step()


@pytest.mark.parametrize("name", CASES)
def test_trajectory_matches_torch(name):
    data, (w, b, ours), (tw, tb, theirs) = make_pair(name)
    for step in range(STEPS):
        train_step(data, (w, b), ours)
        torch_step(data, (tw, tb), theirs)
        np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name}: weight differs after step {step + 1}")
        np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=f"{name}: bias differs after step {step + 1}")
    # the optimisers do move the parameters (the test is not vacuous)
    assert not np.allclose(w.data, problem()[2])


@pytest.mark.parametrize("name", CASES)
def test_state_dict_round_trip_continues_identically(name, tmp_path):
    """Train 8 steps, save the optimiser's state dict (through mg.save), load it into a fresh
    optimiser over copies of the parameters, and continue: both runs stay identical."""
    data, (w, b, ours), _ = make_pair(name)
    for _ in range(8):
        train_step(data, (w, b), ours)
    mg.save(ours.state_dict(), tmp_path / "opt.mgz")
    w2 = mg.tensor(w.data.copy(), dtype=mg.float64, requires_grad=True)
    b2 = mg.tensor(b.data.copy(), dtype=mg.float64, requires_grad=True)
    cls, _, kwargs = CASES[name]
    resumed = cls([w2, b2], lr=123.0)  # hyperparameters come back from the state dict
    resumed.load_state_dict(mg.load(tmp_path / "opt.mgz"))
    assert resumed.param_groups[0]["lr"] == kwargs["lr"]
    for _ in range(12):
        train_step(data, (w, b), ours)
        train_step(data, (w2, b2), resumed)
    np.testing.assert_array_equal(w2.data, w.data)
    np.testing.assert_array_equal(b2.data, b.data)


def test_state_dict_layout_matches_torch():
    data, (w, b, ours), (tw, tb, theirs) = make_pair("adam_amsgrad")
    train_step(data, (w, b), ours)
    torch_step(data, (tw, tb), theirs)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert sorted(sd["state"]) == sorted(tsd["state"]) == [0, 1]
    assert set(sd["state"][0]) == set(tsd["state"][0])
    assert sd["param_groups"][0]["params"] == tsd["param_groups"][0]["params"]
    np.testing.assert_allclose(sd["state"][1]["exp_avg_sq"], tsd["state"][1]["exp_avg_sq"].numpy())
    # a snapshot: later steps do not change it
    before = sd["state"][0]["exp_avg"].copy()
    train_step(data, (w, b), ours)
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"], before)


def test_float32_parameters_stay_float32():
    w = mg.randn(4, 3, requires_grad=True)
    for opt in (optim.SGD([w], lr=0.1, momentum=0.9), optim.Adam([w]), optim.RMSprop([w], centered=True)):
        (w * w).sum().backward()
        opt.step()
        opt.zero_grad()
        assert w.dtype == mg.float32
        assert all(v.dtype == np.float32 for v in opt.state[w].values() if isinstance(v, np.ndarray))


def test_step_skips_params_without_grad_and_bumps_version():
    a = mg.randn(3, requires_grad=True)
    b = mg.randn(3, requires_grad=True)
    b_before = b.data.copy()
    opt = optim.SGD([a, b], lr=0.1)
    (a * 2).sum().backward()
    version_a, version_b = a._version, b._version
    opt.step()
    assert a._version == version_a + 1 and b._version == version_b
    np.testing.assert_array_equal(b.data, b_before)
    assert b not in opt.state


def test_step_invalidates_graphs_that_saved_the_parameter():
    w = mg.randn(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    y = (w * w).sum()  # saves w for backward
    y.backward(retain_graph=True)
    opt.step()
    with pytest.raises(RuntimeError):
        y.backward()


def test_zero_grad():
    w = mg.randn(3, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * 3).sum().backward()
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.data, np.zeros(3))
    opt.zero_grad()
    assert w.grad is None


def test_closure_returns_loss():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 5.0
    np.testing.assert_allclose(w.data, [0.0, 0.0])  # w − 0.5 · 2w


def test_param_groups_and_add_param_group_match_torch():
    x, y, w0, b0 = problem()
    w = mg.tensor(w0, dtype=mg.float64, requires_grad=True)
    b = mg.tensor(b0, dtype=mg.float64, requires_grad=True)
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    ours = optim.SGD([{"params": [w]}], lr=0.1, momentum=0.9)
    ours.add_param_group({"params": b, "lr": 0.01})
    theirs = torch.optim.SGD([{"params": [tw]}], lr=0.1, momentum=0.9, foreach=False)
    theirs.add_param_group({"params": tb, "lr": 0.01})
    assert ours.param_groups[1]["momentum"] == 0.9 and ours.param_groups[1]["lr"] == 0.01
    for _ in range(5):
        train_step((x, y), (w, b), ours)
        torch_step((x, y), (tw, tb), theirs)
    np.testing.assert_allclose(w.data, tw.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(b.data, tb.detach().numpy(), rtol=1e-12)
    assert ours.state_dict()["param_groups"][1]["params"] == [1]


def test_argument_errors():
    w = mg.randn(2, requires_grad=True)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        optim.Adam(iter([]))
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD([w], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([w], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([w])
    with pytest.raises(ValueError, match="learning rate"):
        optim.Adam([w], lr=-1)
    with pytest.raises(ValueError, match="beta"):
        optim.Adam([w], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError):
        optim.SGD(w, lr=0.1)


def test_load_state_dict_checks_group_sizes():
    a, b = mg.randn(2, requires_grad=True), mg.randn(2, requires_grad=True)
    sd = optim.Adam([a, b]).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        optim.Adam([a]).load_state_dict(sd)
    with pytest.raises(ValueError, match="number of parameter groups"):
        optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(sd)


def test_update_is_in_place_on_the_parameter_array():
    w = mg.randn(3, requires_grad=True)
    array = w.data
    opt = optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    opt.step()
    assert w.data is array


def test_checkpoint_of_model_and_optimizer_resumes_training_exactly(tmp_path):
    """The course's loop on an nn model: TF-style init, Adam, gradient clipping; a checkpoint of
    model and optimizer taken mid-training resumes to the very same weights."""
    nn = pytest.importorskip("minigrad.nn")
    if not hasattr(nn, "Linear"):
        pytest.skip("nn.Linear not available yet")
    from minigrad.nn import init, utils

    def build():
        mg.manual_seed(0)
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 1))
        for layer in (model[0], model[2]):
            init.variance_scaling_(layer.weight, mode="fan_avg", distribution="truncated_normal")
            init.zeros_(layer.bias)
        return model, optim.Adam(model.parameters(), lr=1e-2)

    rng = np.random.default_rng(1)
    x, y = mg.tensor(rng.normal(size=(32, 6))), mg.tensor(rng.normal(size=(32, 1)))

    def train(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            loss = ((model(x) - y) ** 2).mean()
            loss.backward()
            utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
        return loss.item()

    model, opt = build()
    first_loss = train(model, opt, 5)
    mg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 5}, tmp_path / "ckpt")
    final_loss = train(model, opt, 10)
    assert final_loss < first_loss

    resumed, resumed_opt = build()  # fresh weights and an empty optimizer state
    checkpoint = mg.load(tmp_path / "ckpt")
    resumed.load_state_dict(checkpoint["model"])
    resumed_opt.load_state_dict(checkpoint["optimizer"])
    assert checkpoint["epoch"] == 5
    train(resumed, resumed_opt, 10)
    for (name, a), (_, b) in zip(model.state_dict().items(), resumed.state_dict().items()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
