"""Module behaviour: registration, names and order as PyTorch's, state_dict round trips and
errors, train/eval, zero_grad, dtype casts, apply, hooks, containers and repr."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from nn_oracle import torch_or_skip

torch = torch_or_skip()


class Net(nn.Module):
    """An architecture written identically in both libraries (``lib`` is nn or torch.nn)."""

    def __init__(self, lib):
        super().__init__() if lib is nn else None
        self.embed = lib.Embedding(10, 4)
        self.body = lib.Sequential(lib.Linear(4, 8), lib.BatchNorm1d(8), lib.ReLU(), lib.Dropout(0.1))
        self.heads = lib.ModuleList([lib.Linear(8, 3), lib.Linear(8, 2, bias=False)])
        self.extra = lib.ModuleDict({"act": lib.PReLU(3), "proj": lib.Linear(3, 3)})
        self.scale = (nn.Parameter if lib is nn else torch.nn.Parameter)(
            (mg.ones if lib is nn else torch.ones)(3))

    def forward(self, ids):
        h = self.body(self.embed(ids))
        return self.extra["proj"](self.extra["act"](self.heads[0](h))) * self.scale


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        Net.__init__(self, torch.nn)

    forward = Net.forward


def test_named_parameters_buffers_and_state_dict_match_pytorch():
    ours, theirs = Net(nn), TorchNet()
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert len(list(ours.modules())) == len(list(theirs.modules()))
    assert len(list(ours.parameters(recurse=False))) == 1


def test_a_pytorch_state_dict_loads_and_gives_the_same_output():
    ours, theirs = Net(nn), TorchNet()
    theirs.eval()
    with torch.no_grad():  # non-trivial running statistics
        theirs.body[1].running_mean.normal_()
        theirs.body[1].running_var.uniform_(0.5, 2)
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert result.missing_keys == [] and result.unexpected_keys == []
    ours.eval()
    ids = np.array([1, 2, 3, 9, 0, 5])
    np.testing.assert_allclose(ours(mg.tensor(ids)).numpy(), theirs(torch.tensor(ids)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_state_dict_round_trip_with_tensors_and_arrays():
    mg.manual_seed(0)
    source, target = Net(nn), Net(nn)
    source.body[1].running_mean.data[...] = 3.0
    state = source.state_dict()
    assert all(isinstance(v, mg.Tensor) and not v.requires_grad for v in state.values())
    assert state["body.1.num_batches_tracked"].dtype == mg.int64
    target.load_state_dict(state)
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
    target.load_state_dict({k: v.numpy().astype(np.float64) for k, v in state.items()})  # cast to float32
    assert target.heads[0].weight.dtype == mg.float32
    assert isinstance(target.heads[0].weight, nn.Parameter)
    source.eval(), target.eval()
    ids = mg.tensor([1, 2, 3, 4])
    np.testing.assert_array_equal(source(ids).numpy(), target(ids).numpy())


def test_state_dict_shares_arrays_like_pytorch_and_copies_on_load():
    layer = nn.Linear(2, 2)
    state = layer.state_dict()
    assert state["weight"].numpy() is layer.weight.numpy()
    other = nn.Linear(2, 2)
    other.load_state_dict(state)
    assert other.weight.numpy() is not layer.weight.numpy()


def test_load_state_dict_errors_name_every_problem():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    state = {k: v.numpy() for k, v in model.state_dict().items()}
    del state["1.bias"]
    state["2.weight"] = np.zeros((1, 1))
    state["0.weight"] = np.zeros((4, 2))
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Sequential" in message
    assert 'Missing key(s) in state_dict: "1.bias".' in message
    assert 'Unexpected key(s) in state_dict: "2.weight".' in message
    assert ("size mismatch for 0.weight: copying a param with shape (4, 2) from checkpoint, the shape in "
            "current model is (3, 2).") in message
    before = model[0].weight.numpy().copy()
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight.*\(4, 2\).*\(3, 2\)"):
        model.load_state_dict(state, strict=False)  # a shape mismatch raises even when not strict
    np.testing.assert_array_equal(model[0].weight.numpy(), before)  # nothing was half-loaded
    state["0.weight"] = np.ones((3, 2))
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["1.bias"] and result.unexpected_keys == ["2.weight"]
    assert np.all(model[0].weight.numpy() == 1)


def test_registration_rules():
    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(mg.zeros(2))
            self.plain = mg.zeros(2)  # a plain tensor is an attribute, not a parameter
            self.register_buffer("stat", mg.ones(2))
            self.register_buffer("scratch", mg.ones(1), persistent=False)
            self.child = nn.Linear(2, 2)

    layer = Layer()
    assert [n for n, _ in layer.named_parameters()] == ["w", "child.weight", "child.bias"]
    assert [n for n, _ in layer.named_buffers()] == ["stat", "scratch"]
    assert list(layer.state_dict()) == ["w", "stat", "child.weight", "child.bias"]
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'w' of Layer"):
        layer.w = mg.zeros(2)
    layer.w = None
    assert [n for n, _ in layer.named_parameters()] == ["child.weight", "child.bias"]
    layer.w = nn.Parameter(mg.ones(1))
    layer.child = nn.Linear(2, 5)
    assert layer.child.out_features == 5
    del layer.child
    assert [n for n, _ in layer.named_parameters()] == ["w"]
    with pytest.raises(AttributeError, match="'Layer' object has no attribute 'child'"):
        layer.child

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(mg.zeros(1))

    with pytest.raises(AttributeError, match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()
    with pytest.raises(KeyError, match="empty or contain"):
        nn.Module().register_buffer("a.b", mg.ones(1))


def test_shared_parameters_are_listed_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(model.modules())) == 3
    tied = nn.Sequential(nn.Embedding(5, 3), nn.Linear(3, 5, bias=False))
    tied[1].weight = tied[0].weight  # weight tying
    assert [n for n, _ in tied.named_parameters()] == ["0.weight"]
    assert list(tied.state_dict()) == ["0.weight", "1.weight"]


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    base = mg.randn(3)
    p = nn.Parameter(base)
    assert isinstance(p, mg.Tensor) and p.requires_grad and p.is_leaf
    assert p.numpy() is base.numpy()  # shares the array, as torch.nn.Parameter shares storage
    assert not nn.Parameter(mg.randn(2), requires_grad=False).requires_grad
    assert repr(nn.Parameter(mg.tensor([1.0, 2.0]))).startswith("Parameter containing:\ntensor([1., 2.]")
    (p * p).sum().backward()
    np.testing.assert_allclose(p.grad.numpy(), 2 * base.numpy())
    assert type(p * 2) is mg.Tensor
    clone = copy.deepcopy(p)
    assert isinstance(clone, nn.Parameter) and clone.numpy() is not p.numpy()
    np.testing.assert_array_equal(clone.numpy(), p.numpy())


def test_train_eval_propagate_and_change_dropout_and_batchnorm():
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    x = mg.randn(8, 4)
    np.testing.assert_array_equal(model(x).numpy(), model(x).numpy())  # deterministic in eval
    model.train()
    assert all(m.training for m in model.modules())
    mg.manual_seed(0)
    first = model(x).numpy()
    assert (first == 0).any()  # dropout active
    with pytest.raises(ValueError, match="training mode is expected to be a bool, got str"):
        model.train("yes")


def test_zero_grad_sets_none_by_default():
    model = nn.Linear(3, 2)
    model(mg.randn(4, 3)).sum().backward()
    assert model.weight.grad is not None
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is not None and not np.any(model.weight.grad.numpy())
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None


def test_double_and_float_keep_parameter_objects_and_integer_buffers():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    weight = model[0].weight
    model(mg.randn(3, 2)).sum().backward()
    assert model.double() is model
    assert model[0].weight is weight and weight.dtype == mg.float64 and weight.grad.dtype == mg.float64
    assert model[1].running_mean.dtype == mg.float64
    assert model[1].num_batches_tracked.dtype == mg.int64
    assert model(mg.randn(3, 2, dtype=mg.float64)).dtype == mg.float64
    model.float()
    assert weight.dtype == mg.float32
    model.to(mg.float64)
    assert weight.dtype == mg.float64
    with pytest.raises(ValueError, match="CPU only; got device='cuda'"):
        nn.Linear(2, 2, device="cuda")


def test_apply_visits_children_first_then_self():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]

    def init(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)
    model.apply(init)
    assert not np.any(model[1][1].weight.numpy())


def test_forward_hooks():
    layer = nn.Linear(2, 2)
    calls = []
    handle = layer.register_forward_hook(lambda m, inputs, out: calls.append((m, inputs[0].shape, out.shape)))
    pre = layer.register_forward_pre_hook(lambda m, inputs: (inputs[0] * 0,))
    out = layer(mg.randn(3, 2))
    assert calls == [(layer, (3, 2), (3, 2))]
    np.testing.assert_allclose(out.numpy(), np.broadcast_to(layer.bias.numpy(), (3, 2)))
    handle.remove()
    pre.remove()
    layer(mg.randn(1, 2))
    assert len(calls) == 1
    doubled = layer.register_forward_hook(lambda m, i, out: out * 2)
    x = mg.randn(1, 2)
    np.testing.assert_allclose(layer(x).numpy(), 2 * layer.forward(x).numpy())
    doubled.remove()


def test_repr_matches_pytorch():
    ours, theirs = Net(nn), TorchNet()
    assert repr(ours).replace("Net(", "X(") == repr(theirs).replace("TorchNet(", "X(")
    assert repr(nn.Sequential()) == repr(torch.nn.Sequential()) == "Sequential()"
    big = nn.Sequential(nn.Flatten(), nn.Linear(4, 3, bias=False), nn.LeakyReLU(0.1), nn.Dropout(0.2),
                        nn.Sequential(nn.Linear(3, 3), nn.Tanh()), nn.LogSoftmax(dim=1))
    big_t = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3, bias=False), torch.nn.LeakyReLU(0.1),
                                torch.nn.Dropout(0.2), torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Tanh()),
                                torch.nn.LogSoftmax(dim=1))
    assert repr(big) == repr(big_t)


def test_sequential_container():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b)
    assert len(seq) == 2 and seq[0] is a and seq[-1] is b and list(seq) == [a, b]
    seq.append(c)
    assert seq[2] is c and [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head) == [a, b]
    assert seq(mg.randn(5, 2)).shape == (5, 1)
    with pytest.raises(IndexError, match="Sequential: index 3 is out of range for 3 modules"):
        seq[3]
    del seq[1]
    assert list(seq) == [a, c] and list(seq._modules) == ["0", "1"]
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"] and named.fc is named[0]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and [n for n, _ in layers.named_parameters()][-1] == "2.bias"
    layers.append(nn.ReLU())
    layers.insert(0, nn.Tanh())
    assert isinstance(layers[0], nn.Tanh) and isinstance(layers[-1], nn.ReLU)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert [n for n, _ in layers.named_children()] == ["0", "1", "2", "3"]
    with pytest.raises(IndexError, match="ModuleList: index -9 is out of range for 4 modules"):
        layers[-9]
    with pytest.raises(NotImplementedError):
        layers(mg.randn(2))
    table = nn.ModuleDict({"a": nn.Linear(1, 1)})
    table["b"] = nn.Linear(1, 2)
    assert list(table) == ["a", "b"] and "b" in table and len(table) == 2
    assert [n for n, _ in table.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    table.pop("a")
    assert list(table.keys()) == ["b"]


def test_deepcopy_makes_an_independent_module():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    clone = copy.deepcopy(model)
    assert clone[0].weight is not model[0].weight
    np.testing.assert_array_equal(clone[0].weight.numpy(), model[0].weight.numpy())
    with mg.no_grad():
        clone[0].weight.fill_(0)
    assert np.any(model[0].weight.numpy())
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in model.named_parameters()]


def test_requires_grad_freezes_parameters():
    model = nn.Linear(2, 2).requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    assert not model(mg.randn(1, 2)).requires_grad


def test_a_tiny_model_trains():
    """End to end: a two-layer net fits XOR with plain gradient descent."""
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 2))
    x = mg.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = mg.tensor([0, 1, 1, 0])
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(300):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        with mg.no_grad():
            for p in model.parameters():
                p.sub_(0.5 * p.grad)
    assert loss.item() < 0.05
    assert model(x).argmax(dim=1).tolist() == [0, 1, 1, 0]


def test_module_errors_name_what_went_wrong():
    module = nn.Module()
    with pytest.raises(NotImplementedError, match="Module has no forward"):
        module(mg.randn(1))
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'w' \\(nn.Parameter or None expected\\)"):
        module.register_parameter("w", mg.zeros(1))
    with pytest.raises(TypeError, match="cannot assign ndarray as buffer 'b' \\(Tensor or None expected\\)"):
        module.register_buffer("b", np.zeros(1))
    with pytest.raises(TypeError, match="int is not a Module subclass"):
        module.add_module("m", 3)
    module.flag = 1
    with pytest.raises(KeyError, match="attribute 'flag' already exists on Module"):
        module.register_buffer("flag", mg.ones(1))
    seq = nn.Sequential(nn.Linear(1, 1))
    with pytest.raises(TypeError, match="cannot assign Tensor as child module '0' of Sequential"):
        seq.__setattr__("0", mg.ones(1))
    with pytest.raises(AttributeError, match="Sequential has no submodule '3' \\(looking up '3.weight'\\)"):
        seq.get_submodule("3.weight")
    assert seq.get_submodule("0") is seq[0]
    with pytest.raises(TypeError, match="Module.to only accepts floating dtypes, got int64"):
        seq.to(mg.int64)
    norm = nn.BatchNorm1d(2)
    with pytest.raises(TypeError, match="cannot assign ndarray as buffer 'running_mean' of BatchNorm1d"):
        norm.running_mean = np.zeros(2)
    norm.running_mean = mg.zeros(2)  # a Tensor replaces the buffer
    assert "running_mean" in dict(norm.named_buffers())


def test_replacing_a_layer_keeps_its_place_in_the_order():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    model[1] = nn.Tanh()
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear"]
    assert list(dict(model.named_children())) == ["0", "1", "2"]
    layer = nn.Linear(2, 2)
    layer.weight = nn.Parameter(mg.zeros(2, 2))
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
