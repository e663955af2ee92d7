"""Bad optimiser input (issue 20): hyperparameters refused with PyTorch's messages, state dicts
loaded all or nothing, and the state of float32 steps refused alike on every backend after
``model.double()``."""
import copy
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.backend import available_backends

NAN = math.nan


def w():
    return mg.zeros(2, requires_grad=True)


HYPERPARAMETER_ERRORS = [
    # (id, constructor lambda, exception class, message regex)
    ("sgd_lr_nan", lambda: optim.SGD([w()], lr=NAN), ValueError, r"^Invalid learning rate: nan$"),
    ("sgd_lr_negative", lambda: optim.SGD([w()], lr=-1), ValueError, r"^Invalid learning rate: -1$"),
    ("sgd_momentum_nan", lambda: optim.SGD([w()], lr=0.1, momentum=NAN), ValueError,
     r"^Invalid momentum value: nan$"),
    ("sgd_momentum_negative", lambda: optim.SGD([w()], lr=0.1, momentum=-0.5), ValueError,
     r"^Invalid momentum value: -0.5$"),
    ("sgd_dampening_nan", lambda: optim.SGD([w()], lr=0.1, momentum=0.9, dampening=NAN), ValueError,
     r"^Invalid dampening value: nan$"),
    ("sgd_weight_decay_nan", lambda: optim.SGD([w()], lr=0.1, weight_decay=NAN), ValueError,
     r"^Invalid weight_decay value: nan$"),
    ("sgd_nesterov_no_momentum", lambda: optim.SGD([w()], lr=0.1, nesterov=True), ValueError,
     r"Nesterov momentum requires a momentum and zero dampening"),
    ("sgd_lr_string", lambda: optim.SGD([w()], lr="0.1"), TypeError, r"SGD: lr must be a real number, got str '0.1'"),
    ("sgd_lr_none", lambda: optim.SGD([w()], lr=None), TypeError, r"lr must be a real number, got NoneType"),
    ("adam_lr_nan", lambda: optim.Adam([w()], lr=NAN), ValueError, r"^Invalid learning rate: nan$"),
    ("adam_eps_nan", lambda: optim.Adam([w()], eps=NAN), ValueError, r"^Invalid epsilon value: nan$"),
    ("adam_eps_negative", lambda: optim.Adam([w()], eps=-1e-8), ValueError, r"^Invalid epsilon value: -1e-08$"),
    ("adam_beta1_nan", lambda: optim.Adam([w()], betas=(NAN, 0.999)), ValueError,
     r"^Invalid beta parameter at index 0: nan$"),
    ("adam_beta2_nan", lambda: optim.Adam([w()], betas=(0.9, NAN)), ValueError,
     r"^Invalid beta parameter at index 1: nan$"),
    ("adam_beta1_one", lambda: optim.Adam([w()], betas=(1.0, 0.999)), ValueError,
     r"^Invalid beta parameter at index 0: 1.0$"),
    ("adam_weight_decay_nan", lambda: optim.Adam([w()], weight_decay=NAN), ValueError,
     r"^Invalid weight_decay value: nan$"),
    ("adam_betas_float", lambda: optim.Adam([w()], betas=0.9), TypeError,
     r"Adam: betas must be a tuple \(beta1, beta2\), got float 0.9"),
    ("adam_betas_one_value", lambda: optim.Adam([w()], betas=(0.9,)), IndexError,
     r"betas must be a tuple \(beta1, beta2\), got \(0.9,\) \(1 value\)"),
    ("adam_beta_string", lambda: optim.Adam([w()], betas=("a", 0.9)), TypeError, r"betas\[0\] must be a real number"),
    ("adamw_lr_nan", lambda: optim.AdamW([w()], lr=NAN), ValueError, r"^Invalid learning rate: nan$"),
    ("adamw_weight_decay_nan", lambda: optim.AdamW([w()], weight_decay=NAN), ValueError,
     r"^Invalid weight_decay value: nan$"),
    ("adamw_betas_nan", lambda: optim.AdamW([w()], betas=(0.9, NAN)), ValueError,
     r"^Invalid beta parameter at index 1: nan$"),
    ("adamw_lr_string", lambda: optim.AdamW([w()], lr="x"), TypeError, r"AdamW: lr must be a real number"),
    ("rmsprop_lr_nan", lambda: optim.RMSprop([w()], lr=NAN), ValueError, r"^Invalid learning rate: nan$"),
    ("rmsprop_alpha_nan", lambda: optim.RMSprop([w()], alpha=NAN), ValueError, r"^Invalid alpha value: nan$"),
    ("rmsprop_alpha_negative", lambda: optim.RMSprop([w()], alpha=-0.1), ValueError, r"^Invalid alpha value: -0.1$"),
    ("rmsprop_eps_nan", lambda: optim.RMSprop([w()], eps=NAN), ValueError, r"^Invalid epsilon value: nan$"),
    ("rmsprop_momentum_nan", lambda: optim.RMSprop([w()], momentum=NAN), ValueError, r"^Invalid momentum value: nan$"),
    ("rmsprop_weight_decay_nan", lambda: optim.RMSprop([w()], weight_decay=NAN), ValueError,
     r"^Invalid weight_decay value: nan$"),
    # a group's own values are checked as the defaults are (in the constructor and added later)
    ("group_lr_nan_in_constructor", lambda: optim.Adam([{"params": [w()], "lr": NAN}]), ValueError,
     r"^Invalid learning rate: nan$"),
    ("add_param_group_lr_nan", lambda: optim.Adam([w()]).add_param_group({"params": [w()], "lr": NAN}),
     ValueError, r"^Invalid learning rate: nan$"),
    ("add_param_group_betas", lambda: optim.AdamW([w()]).add_param_group({"params": [w()], "betas": (0.9, 1.5)}),
     ValueError, r"^Invalid beta parameter at index 1: 1.5$"),
    ("add_param_group_sgd_momentum",
     lambda: optim.SGD([w()], lr=0.1).add_param_group({"params": [w()], "momentum": NAN}), ValueError,
     r"^Invalid momentum value: nan$"),
    ("add_param_group_rmsprop_alpha",
     lambda: optim.RMSprop([w()]).add_param_group({"params": [w()], "alpha": NAN}), ValueError,
     r"^Invalid alpha value: nan$"),
]


@pytest.mark.parametrize("make, exc, pattern", [case[1:] for case in HYPERPARAMETER_ERRORS],
                         ids=[case[0] for case in HYPERPARAMETER_ERRORS])
def test_hyperparameter_errors(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


def test_refused_param_group_is_not_added():
    opt = optim.Adam([w()])
    with pytest.raises(ValueError):
        opt.add_param_group({"params": [w()], "eps": NAN})
    assert len(opt.param_groups) == 1


@pytest.mark.parametrize("name, kwargs, message", [
    ("Adam", dict(lr=NAN), "Invalid learning rate: nan"),
    ("Adam", dict(eps=NAN), "Invalid epsilon value: nan"),
    ("Adam", dict(betas=(NAN, 0.9)), "Invalid beta parameter at index 0: nan"),
    ("Adam", dict(weight_decay=NAN), "Invalid weight_decay value: nan"),
    ("AdamW", dict(lr=NAN), "Invalid learning rate: nan"),
    ("RMSprop", dict(alpha=NAN), "Invalid alpha value: nan"),
    ("RMSprop", dict(momentum=NAN), "Invalid momentum value: nan"),
    ("SGD", dict(lr=0.1, momentum=-1), "Invalid momentum value: -1"),
])
def test_hyperparameter_messages_match_torch(name, kwargs, message):
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError) as theirs:
        getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([w()], **kwargs)
    assert str(ours.value) == str(theirs.value) == message


def test_betas_beyond_the_pair_are_ignored_as_in_torch():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    q = mg.tensor([1.0, 2.0], requires_grad=True)
    a, b = optim.Adam([p], betas=(0.8, 0.99, 0.5)), optim.Adam([q], betas=(0.8, 0.99))
    for param, opt in ((p, a), (q, b)):
        (param * param).sum().backward()
        opt.step()
    np.testing.assert_array_equal(p.data, q.data)


# -- load_state_dict: validated first, all or nothing -------------------------------------------------
def stepped(cls, **kwargs):
    params = [mg.tensor([1.0, -2.0], requires_grad=True), mg.tensor([[0.5]], requires_grad=True)]
    opt = cls(params, **kwargs)
    for _ in range(2):
        opt.zero_grad()
        sum((p * p).sum() for p in params).backward()
        opt.step()
    return params, opt


def snapshot(opt):
    return copy.deepcopy(opt.state_dict())


def assert_same_state(before, opt):
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    assert after["state"].keys() == before["state"].keys()
    for key, state in before["state"].items():
        assert after["state"][key].keys() == state.keys()
        for name, value in state.items():
            if isinstance(value, np.ndarray):
                assert after["state"][key][name].tobytes() == value.tobytes()
            else:
                assert after["state"][key][name] == value


def other_optimizer_state(cls, **kwargs):
    _, opt = stepped(cls, **kwargs)
    return opt.state_dict()


def edited(state_dict, edit):
    state_dict = copy.deepcopy(state_dict)
    edit(state_dict)
    return state_dict


ADAM_STATE = other_optimizer_state(optim.Adam, lr=0.1)


def set_state(key, name, value):
    def edit(sd):
        sd["state"][key][name] = value
    return edit


def set_group(name, value):
    def edit(sd):
        sd["param_groups"][0][name] = value
    return edit


LOAD_ERRORS = [
    # (id, the optimizer to load into, the state dict, exception class, message regex)
    ("sgd_into_adam", optim.Adam, other_optimizer_state(optim.SGD, lr=0.1, momentum=0.9), ValueError,
     r"parameter 0 \(shape \(2,\), float32\) has no 'step', 'exp_avg', 'exp_avg_sq': Adam keeps"),
    ("adam_into_rmsprop", optim.RMSprop, ADAM_STATE, ValueError, r"has no 'square_avg': RMSprop keeps"),
    ("adam_into_sgd", lambda p: optim.SGD(p, lr=0.1), ADAM_STATE, ValueError,
     r"has no 'momentum_buffer': SGD keeps"),
    ("amsgrad_without_its_state", optim.Adam, edited(ADAM_STATE, set_group("amsgrad", True)), ValueError,
     r"has no 'max_exp_avg_sq'"),
    ("rmsprop_momentum_without_its_buffer", optim.RMSprop,
     edited(other_optimizer_state(optim.RMSprop), set_group("momentum", 0.9)), ValueError,
     r"has no 'momentum_buffer'"),
    ("state_wrong_shape", optim.Adam, edited(ADAM_STATE, set_state(1, "exp_avg", np.zeros(3))), ValueError,
     r"'exp_avg' of parameter 1 \(shape \(1, 1\), float32\) has shape \(3,\), but the parameter has shape \(1, 1\)"),
    ("state_object_array", optim.Adam, edited(ADAM_STATE, set_state(0, "exp_avg_sq", np.array([None, 1.0]))),
     ValueError, r"'exp_avg_sq' of parameter 0 .* must be a numeric array, got an array of shape \(2,\) and dtype object"),
    ("state_string", optim.Adam, edited(ADAM_STATE, set_state(0, "exp_avg", "zeros")), ValueError,
     r"'exp_avg' of parameter 0 .* must be a numeric array, got str 'zeros'"),
    ("state_none_moment", optim.Adam, edited(ADAM_STATE, set_state(0, "exp_avg", None)), ValueError,
     r"'exp_avg' of parameter 0 .* must be a numeric array, got NoneType"),
    ("step_string", optim.Adam, edited(ADAM_STATE, set_state(1, "step", "2")), ValueError,
     r"'step' of parameter 1 .* must be a number >= 0, got str '2'"),
    ("step_nan", optim.Adam, edited(ADAM_STATE, set_state(1, "step", NAN)), ValueError,
     r"'step' of parameter 1 .* must be a number >= 0, got float nan"),
    ("group_lr_nan", optim.Adam, edited(ADAM_STATE, set_group("lr", NAN)), ValueError,
     r"^Invalid learning rate: nan$"),
    ("group_betas_float", optim.Adam, edited(ADAM_STATE, set_group("betas", 0.9)), TypeError, r"betas must be a tuple"),
    ("group_count", optim.Adam, edited(ADAM_STATE, lambda sd: sd["param_groups"].append(sd["param_groups"][0])),
     ValueError, r"different number of parameter groups \(2 != 1\)"),
    ("group_size", optim.Adam, edited(ADAM_STATE, lambda sd: sd["param_groups"][0]["params"].pop()), ValueError,
     r"doesn't match the size of optimizer's group 0 \(1 != 2\)"),
    ("group_not_a_dict", optim.Adam, edited(ADAM_STATE, lambda sd: sd.update(param_groups=[[0, 1]])), ValueError,
     r"parameter group 0 must be a dict with a 'params' list, got list \[0, 1\]"),
    ("no_state_entry", optim.Adam, edited(ADAM_STATE, lambda sd: sd.pop("state")), ValueError,
     r"has no 'state' entry"),
    ("not_a_dict", optim.Adam, [("state", {})], TypeError, r"Expected state_dict to be dict-like, got <class 'list'>"),
]


@pytest.mark.parametrize("make, state_dict, exc, pattern", [case[1:] for case in LOAD_ERRORS],
                         ids=[case[0] for case in LOAD_ERRORS])
def test_failed_load_state_dict_changes_nothing(make, state_dict, exc, pattern):
    params = [mg.tensor([3.0, 1.0], requires_grad=True), mg.tensor([[-1.0]], requires_grad=True)]
    opt = make(params)
    for _ in range(2):  # some state of its own, which a refused load must keep
        opt.zero_grad()
        sum((p * p).sum() for p in params).backward()
        opt.step()
    before, values = snapshot(opt), [p.data.copy() for p in params]
    with pytest.raises(exc, match=pattern):
        opt.load_state_dict(state_dict)
    assert_same_state(before, opt)
    for p, value in zip(params, values):
        assert p.data.tobytes() == value.tobytes()


def test_load_state_dict_of_a_scalar_parameter_keeps_arrays():
    z = mg.tensor(1.5, requires_grad=True)
    opt = optim.Adam([z])
    (z * z).backward()
    opt.step()
    other = optim.Adam([z])
    other.load_state_dict(opt.state_dict())
    assert isinstance(other.state[z]["exp_avg"], np.ndarray) and other.state[z]["exp_avg"].shape == ()
    other.step()  # the 0-d moments are still arrays the update can write into


# -- optimizer state after model.double(): the same on every backend, as PyTorch -----------------
def train_then_double(cls, kwargs):
    mg.manual_seed(0)
    model = nn.Linear(3, 2)
    opt = cls(model.parameters(), **kwargs)
    x = mg.ones(4, 3)
    for _ in range(2):
        opt.zero_grad()
        model(x).sum().backward()
        opt.step()
    model.double()
    opt.zero_grad()
    model(x.double()).sum().backward()
    return model, opt


@pytest.mark.parametrize("backend", available_backends())
@pytest.mark.parametrize("cls, kwargs", [(optim.Adam, {}), (optim.Adam, dict(amsgrad=True)), (optim.AdamW, {}),
                                         (optim.RMSprop, dict(momentum=0.9, centered=True))],
                         ids=["adam", "adam_amsgrad", "adamw", "rmsprop"])
def test_float32_state_after_double_is_refused_on_every_backend(backend, cls, kwargs):
    with mg.use_backend(backend):
        model, opt = train_then_double(cls, kwargs)
        values = [p.data.copy() for p in model.parameters()]
        with pytest.raises(RuntimeError, match=r"is float32, but the parameter is now float64.*model.double\(\)"):
            opt.step()
        for p, value in zip(model.parameters(), values):  # nothing half-updated
            assert p.data.tobytes() == value.tobytes()
        # the fix the message gives: reload the state, which casts it to each parameter's dtype
        opt.load_state_dict(opt.state_dict())
        opt.step()
        assert all(a.dtype == np.float64 for s in opt.state.values() for a in s.values()
                   if isinstance(a, np.ndarray))


@pytest.mark.parametrize("backend", available_backends())
def test_sgd_momentum_after_double_keeps_its_buffer_as_torch(backend):
    with mg.use_backend(backend):
        model, opt = train_then_double(optim.SGD, dict(lr=0.1, momentum=0.9))
        opt.step()
    assert model.weight.dtype == np.float64
    assert opt.state[model.weight]["momentum_buffer"].dtype == np.float32


def test_torch_refuses_adam_state_after_double():
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters())
    model(torch.ones(4, 3)).sum().backward()
    opt.step()
    model.double()
    opt.zero_grad()
    model(torch.ones(4, 3, dtype=torch.float64)).sum().backward()
    with pytest.raises(RuntimeError):
        opt.step()


# -- learning-rate schedulers -------------------------------------------------------------------------
def sgd():
    return optim.SGD([w()], lr=0.1)


SCHEDULER_ERRORS = [
    ("step_lr_step_size_zero", lambda: optim.lr_scheduler.StepLR(sgd(), step_size=0), ValueError,
     r"StepLR: step_size must be a positive number of epochs, got 0"),
    ("step_lr_step_size_negative", lambda: optim.lr_scheduler.StepLR(sgd(), step_size=-2), ValueError,
     r"got -2"),
    ("step_lr_step_size_nan", lambda: optim.lr_scheduler.StepLR(sgd(), step_size=NAN), ValueError, r"got nan"),
    ("step_lr_step_size_string", lambda: optim.lr_scheduler.StepLR(sgd(), step_size="5"), TypeError,
     r"StepLR: step_size must be a real number, got str '5'"),
    ("step_lr_gamma_nan", lambda: optim.lr_scheduler.StepLR(sgd(), step_size=2, gamma=NAN), ValueError,
     r"StepLR: gamma must be a finite number, got nan"),
    ("exponential_lr_gamma_nan", lambda: optim.lr_scheduler.ExponentialLR(sgd(), gamma=NAN), ValueError,
     r"ExponentialLR: gamma must be a finite number, got nan"),
    ("exponential_lr_gamma_inf", lambda: optim.lr_scheduler.ExponentialLR(sgd(), gamma=math.inf), ValueError,
     r"got inf"),
    ("plateau_factor_nan", lambda: optim.lr_scheduler.ReduceLROnPlateau(sgd(), factor=NAN), ValueError,
     r"^Factor should be < 1.0.$"),
    ("plateau_factor_one", lambda: optim.lr_scheduler.ReduceLROnPlateau(sgd(), factor=1.0), ValueError,
     r"^Factor should be < 1.0.$"),
    ("plateau_metric_string", lambda: optim.lr_scheduler.ReduceLROnPlateau(sgd()).step("loss"), ValueError,
     r"ReduceLROnPlateau.step: metrics must be a number .*got str 'loss'"),
    ("scheduler_load_not_a_dict", lambda: optim.lr_scheduler.StepLR(sgd(), 2).load_state_dict([1]), TypeError,
     r"Expected state_dict to be dict-like"),
]


@pytest.mark.parametrize("make, exc, pattern", [case[1:] for case in SCHEDULER_ERRORS],
                         ids=[case[0] for case in SCHEDULER_ERRORS])
def test_scheduler_errors(make, exc, pattern):
    with pytest.raises(exc, match=pattern):
        make()


def test_refused_scheduler_leaves_the_optimizer_alone():
    opt = sgd()
    with pytest.raises(ValueError):
        optim.lr_scheduler.StepLR(opt, step_size=0)
    assert "initial_lr" not in opt.param_groups[0] and opt.param_groups[0]["lr"] == 0.1
