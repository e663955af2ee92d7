"""Losses: values and gradients against PyTorch for every reduction (float32 and float64),
gradcheck in float64, stability at extreme logits, and the numbers in every error message."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from nn_oracle import DTYPES, compare, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]


def logits(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) * 2


def labels(classes, *shape, seed=0):
    return np.random.default_rng(seed).integers(0, classes, shape)


def tensor_or_none(array, dtype):
    return None if array is None else mg.tensor(array, dtype=dtype)


def torch_or_none(array, dtype):
    return None if array is None else torch.tensor(array, dtype=getattr(torch, dtype))


# ---------------------------------------------------------------- regression -------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse", "l1"])
def test_regression_losses_match_torch(name, reduction, dtype):
    ours = {"mse": nn.MSELoss, "l1": nn.L1Loss}[name](reduction=reduction)
    theirs = {"mse": torch.nn.MSELoss, "l1": torch.nn.L1Loss}[name](reduction=reduction)
    x, y = logits(4, 3), logits(4, 3, seed=1)
    compare(ours, theirs, x, y, dtype=dtype)  # gradients of input and target


@pytest.mark.parametrize("fn", [F.mse_loss, F.l1_loss])
def test_regression_gradcheck(fn):
    x = mg.tensor(logits(3, 2), dtype=mg.float64, requires_grad=True)
    y = mg.tensor(logits(3, 2, seed=1), dtype=mg.float64, requires_grad=True)
    for reduction in REDUCTIONS:
        assert mg.autograd.gradcheck(lambda a, b: fn(a, b, reduction=reduction), (x, y))


def test_mse_shape_mismatch_raises_instead_of_broadcasting():
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(3, 1\) and target shape \(3,\) differ"):
        F.mse_loss(mg.randn(3, 1), mg.randn(3))
    with pytest.raises(ValueError, match=r"l1_loss: input shape \(2, 4\) and target shape \(4,\) differ"):
        nn.L1Loss()(mg.randn(2, 4), mg.randn(4))


def test_bad_reduction_is_named():
    with pytest.raises(ValueError, match="mse_loss: reduction must be 'mean', 'sum' or 'none', got 'avg'"):
        F.mse_loss(mg.randn(2), mg.randn(2), reduction="avg")
    with pytest.raises(ValueError, match="got 'total'"):
        nn.CrossEntropyLoss(reduction="total")


def test_regression_target_may_be_numpy_or_integer():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert F.mse_loss(x, np.array([1.0, 2.0, 5.0])).item() == pytest.approx(4 / 3)
    assert F.l1_loss(x, mg.tensor([1, 2, 5])).item() == pytest.approx(2 / 3)


# ---------------------------------------------------------------- binary -----------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_matches_torch(weighted, reduction, dtype):
    p = 1 / (1 + np.exp(-logits(5, 3)))
    y = np.random.default_rng(1).random((5, 3))  # soft targets: the gradient wrt y is checked too
    w = np.random.default_rng(2).random(3) + 0.5 if weighted else None
    compare(lambda a, b: F.binary_cross_entropy(a, b, tensor_or_none(w, dtype), reduction),
            lambda a, b: TF.binary_cross_entropy(a, b, torch_or_none(w, dtype), reduction=reduction),
            p, y, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_clamps_log_at_minus_100_like_torch(dtype):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                      lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"), p, y, dtype=dtype, grad=[0])
    assert out.tolist()[:2] == [100.0, 100.0]


def test_bce_input_out_of_range_names_the_values():
    # RuntimeError as PyTorch ("all elements of input should be between 0 and 1"), not ValueError
    with pytest.raises(RuntimeError, match=r"input values must be probabilities in \[0, 1\], got min -0.5 and max 1.5"):
        F.binary_cross_entropy(mg.tensor([-0.5, 1.5]), mg.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input shape \(3, 1\) and target shape \(3,\)"):
        nn.BCELoss()(mg.rand(3, 1), mg.rand(3))
    with pytest.raises(ValueError, match=r"weight of shape \(4,\) cannot be broadcast to the input's shape \(2, 3\)"):
        F.binary_cross_entropy(mg.rand(2, 3), mg.rand(2, 3), weight=mg.ones(4))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted,positive", [(False, False), (True, False), (False, True), (True, True)])
def test_bce_with_logits_matches_torch(weighted, positive, reduction, dtype):
    x, y = logits(6, 3), np.random.default_rng(1).random((6, 3))
    w = np.random.default_rng(2).random((6, 1)) + 0.5 if weighted else None
    pw = np.array([0.5, 2.0, 3.0]) if positive else None
    compare(lambda a, b: F.binary_cross_entropy_with_logits(a, b, tensor_or_none(w, dtype), reduction,
                                                            tensor_or_none(pw, dtype)),
            lambda a, b: TF.binary_cross_entropy_with_logits(a, b, torch_or_none(w, dtype), reduction=reduction,
                                                             pos_weight=torch_or_none(pw, dtype)),
            x, y, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_with_logits_is_stable_at_extreme_logits(dtype):
    x = np.array([-1000.0, -100.0, -20.0, 0.0, 20.0, 100.0, 1000.0])
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none",
                                                                      pos_weight=mg.tensor([2.0], dtype=dtype)),
                      lambda a, b: TF.binary_cross_entropy_with_logits(
                          a, b, reduction="none", pos_weight=torch.tensor([2.0], dtype=getattr(torch, dtype))),
                      x, y, dtype=dtype, grad=[0])
    assert np.all(np.isfinite(out.numpy()))
    assert out.numpy()[0] == pytest.approx(2000.0)


def test_binary_losses_gradcheck():
    x = mg.tensor(logits(3, 2), dtype=mg.float64, requires_grad=True)
    y = mg.tensor(np.random.default_rng(1).random((3, 2)), dtype=mg.float64, requires_grad=True)
    pw = mg.tensor([0.5, 3.0], dtype=mg.float64)
    w = mg.tensor([[1.0], [2.0], [0.5]], dtype=mg.float64)
    for reduction in REDUCTIONS:
        assert mg.autograd.gradcheck(
            lambda a, b: F.binary_cross_entropy_with_logits(a, b, w, reduction, pos_weight=pw), (x, y))
        assert mg.autograd.gradcheck(lambda a, b: F.binary_cross_entropy(a.sigmoid(), b, w, reduction), (x, y))


def test_bce_with_logits_shape_error():
    with pytest.raises(ValueError, match=r"input shape \(4, 1\) and target shape \(4,\) differ"):
        nn.BCEWithLogitsLoss()(mg.randn(4, 1), mg.rand(4))


def test_bce_loss_modules_keep_weights_as_buffers_like_torch():
    ours = nn.BCEWithLogitsLoss(weight=mg.ones(3), pos_weight=mg.tensor([1.0, 2.0, 3.0]))
    theirs = torch.nn.BCEWithLogitsLoss(weight=torch.ones(3), pos_weight=torch.tensor([1.0, 2.0, 3.0]))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "pos_weight"]
    x, y = logits(2, 3), np.random.default_rng(1).random((2, 3))
    compare(ours, theirs, x, y, dtype="float32")


# ---------------------------------------------------------------- multi-class ------------------
CE_CASES = {
    # name: (input shape, classes on dim 1)
    "2d": (5, 4),
    "4d": (2, 3, 4, 2),
    "unbatched": (6,),
}


def _class_target(shape, seed=1, ignore=False):
    classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    target = np.asarray(labels(classes, *target_shape, seed=seed))
    if ignore and target.ndim:
        target.reshape(-1)[::3] = -1  # ignore every third
    return target, classes


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_class_indices_match_torch(smoothing, ignore, weighted, case, reduction, dtype):
    shape = CE_CASES[case]
    target, classes = _class_target(shape, ignore=ignore)
    ignore_index = -1 if ignore else -100
    w = np.random.default_rng(3).random(classes) + 0.5 if weighted else None
    compare(lambda x, t: F.cross_entropy(x, t, tensor_or_none(w, dtype), ignore_index, reduction, smoothing),
            lambda x, t: TF.cross_entropy(x, t, torch_or_none(w, dtype), ignore_index=ignore_index,
                                          reduction=reduction, label_smoothing=smoothing),
            logits(*shape), target, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets_match_torch(smoothing, weighted, case, reduction, dtype):
    shape = CE_CASES[case]
    classes = shape[0] if len(shape) == 1 else shape[1]
    probs = np.exp(logits(*shape, seed=5))
    probs /= probs.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    w = np.random.default_rng(3).random(classes) + 0.5 if weighted else None
    compare(lambda x, t: F.cross_entropy(x, t, tensor_or_none(w, dtype), reduction=reduction,
                                         label_smoothing=smoothing),
            lambda x, t: TF.cross_entropy(x, t, torch_or_none(w, dtype), reduction=reduction,
                                          label_smoothing=smoothing),
            logits(*shape), probs, dtype=dtype)  # the target's gradient is compared too


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_nll_loss_matches_torch(ignore, weighted, case, reduction, dtype):
    shape = CE_CASES[case]
    target, classes = _class_target(shape, ignore=ignore)
    ignore_index = -1 if ignore else -100
    w = np.random.default_rng(3).random(classes) + 0.5 if weighted else None
    log_probs = logits(*shape)  # NLL takes any scores; log-probabilities are the usual input
    compare(lambda x, t: F.nll_loss(x, t, tensor_or_none(w, dtype), ignore_index, reduction),
            lambda x, t: TF.nll_loss(x, t, torch_or_none(w, dtype), ignore_index=ignore_index, reduction=reduction),
            log_probs, target, dtype=dtype)


def test_cross_entropy_equals_log_softmax_then_nll():
    x = mg.tensor(logits(4, 5), dtype=mg.float64)
    t = mg.tensor(labels(5, 4))
    np.testing.assert_allclose(F.cross_entropy(x, t).item(), F.nll_loss(F.log_softmax(x, 1), t).item(), rtol=1e-12)


def test_class_losses_gradcheck():
    x = mg.tensor(logits(3, 4, 2), dtype=mg.float64, requires_grad=True)
    t = mg.tensor([[0, 3], [1, -100], [2, 2]])
    probs = mg.tensor(np.random.default_rng(1).dirichlet(np.ones(4), (3, 2)).transpose(0, 2, 1),
                      dtype=mg.float64, requires_grad=True)
    w = mg.tensor([0.5, 1.0, 2.0, 1.5], dtype=mg.float64)
    for reduction in REDUCTIONS:
        assert mg.autograd.gradcheck(lambda a: F.cross_entropy(a, t, w, reduction=reduction,
                                                               label_smoothing=0.1), (x,))
        assert mg.autograd.gradcheck(lambda a, p: F.cross_entropy(a, p, w, reduction=reduction,
                                                                  label_smoothing=0.1), (x, probs))
        assert mg.autograd.gradcheck(lambda a: F.nll_loss(a, t, w, reduction=reduction), (x,))


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_is_stable_at_extreme_logits(dtype):
    x = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 1000.0], [0.0, 0.0, -1000.0]])
    t = np.array([1, 0, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare(lambda a, b: F.cross_entropy(a, b, reduction="none", label_smoothing=0.1),
                      lambda a, b: TF.cross_entropy(a, b, reduction="none", label_smoothing=0.1), x, t, dtype=dtype)
    assert np.all(np.isfinite(out.numpy()))


def test_cross_entropy_all_targets_ignored_gives_nan_like_torch():
    x = mg.tensor(logits(2, 3), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = F.cross_entropy(x, mg.tensor([-100, -100]))
        loss.backward()
    assert np.isnan(loss.item())
    assert np.isnan(TF.cross_entropy(torch.tensor(x.numpy()), torch.tensor([-100, -100])).item())
    assert not np.any(x.grad.numpy())


def test_cross_entropy_module_matches_torch_module_and_state_dict():
    w = np.array([1.0, 2.0, 0.5])
    ours = nn.CrossEntropyLoss(weight=mg.tensor(w), ignore_index=1, label_smoothing=0.1)
    theirs = torch.nn.CrossEntropyLoss(weight=torch.tensor(w, dtype=torch.float32), ignore_index=1,
                                       label_smoothing=0.1)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    compare(ours, theirs, logits(4, 3), np.array([0, 1, 2, 2]), dtype="float32")
    assert list(nn.CrossEntropyLoss().state_dict()) == list(torch.nn.CrossEntropyLoss().state_dict()) == []
    compare(nn.NLLLoss(weight=mg.tensor(w)), torch.nn.NLLLoss(weight=torch.tensor(w, dtype=torch.float32)),
            logits(4, 3), np.array([0, 1, 2, 2]), dtype="float32")


def test_class_target_errors_carry_the_numbers():
    x = mg.randn(3, 5)
    with pytest.raises(IndexError, match="cross_entropy: target 7 is out of range for 5 classes"):
        F.cross_entropy(x, mg.tensor([0, 7, 1]))
    with pytest.raises(IndexError, match="cross_entropy: target -2 is out of range for 5 classes"):
        nn.CrossEntropyLoss()(x, mg.tensor([0, -2, 1]))
    with pytest.raises(IndexError, match="nll_loss: target 5 is out of range for 5 classes"):
        F.nll_loss(x, mg.tensor([0, 5, 1]))
    with pytest.raises(ValueError, match=r"target shape \(4,\) does not match input shape \(3, 5\) "
                                         r"\(expected a target of shape \(3,\)"):
        F.cross_entropy(x, mg.tensor([0, 1, 2, 3]))
    with pytest.raises(ValueError, match=r"expected a target of shape \(2, 4\)"):
        F.nll_loss(mg.randn(2, 3, 4), mg.tensor([0, 1]))
    with pytest.raises(ValueError, match=r"must have the input's shape \(3, 5\), got \(3,\)"):
        F.cross_entropy(x, mg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(TypeError, match="nll_loss: target must be an integer tensor of class indices, got dtype float32"):
        F.nll_loss(x, mg.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"weight of shape \(4,\) does not match the input's 5 classes"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), weight=mg.ones(4))
    with pytest.raises(ValueError, match="label_smoothing must be in \\[0, 1\\], got 1.5"):
        F.cross_entropy(x, mg.tensor([0, 1, 2]), label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"ignore_index \(3\) is not supported with probability targets"):
        F.cross_entropy(x, mg.rand(3, 5), ignore_index=3)
    with pytest.raises(TypeError, match="input must be floating-point logits, got dtype int64"):
        F.cross_entropy(mg.tensor([[1, 2]]), mg.tensor([0]))


# ---------------------------------------------------------------- one_hot ----------------------
def test_one_hot_matches_torch():
    idx = labels(4, 2, 3)
    ours = F.one_hot(mg.tensor(idx), 5)
    assert ours.dtype == mg.int64
    np.testing.assert_array_equal(ours.numpy(), TF.one_hot(torch.tensor(idx), 5).numpy())
    np.testing.assert_array_equal(F.one_hot(mg.tensor(idx)).numpy(), TF.one_hot(torch.tensor(idx)).numpy())
    with pytest.raises(ValueError, match="one_hot: class 7 is out of range for 5 classes"):
        F.one_hot(mg.tensor([1, 7]), 5)
    with pytest.raises(ValueError, match="class values must be non-negative, got -1"):
        F.one_hot(mg.tensor([1, -1]), 5)
    with pytest.raises(TypeError, match="one_hot: indices must be an integer tensor, got dtype float32"):
        F.one_hot(mg.tensor([1.0]), 5)


# ---------------------------------------------------------------- issue 20: integer inputs, BCE ranges ------
LOSS_DTYPE_ERRORS = [
    # (id, op lambda, exception class, message regex): as PyTorch, which has no integer loss kernels
    ("mse_int", lambda: F.mse_loss(mg.tensor([1, 2]), mg.tensor([1, 3])), NotImplementedError,
     r"mse_loss: not implemented for int64 inputs \(input int64 of shape \(2,\), target int64 of shape \(2,\)\)"),
    ("mse_int_none", lambda: F.mse_loss(mg.tensor([1, 2]), mg.tensor([1, 3]), reduction="none"),
     NotImplementedError, r"mse_loss: not implemented for int64"),
    ("mse_bool", lambda: nn.MSELoss()(mg.tensor([True]), mg.tensor([False])), NotImplementedError,
     r"not implemented for bool"),
    ("l1_int_mean", lambda: F.l1_loss(mg.tensor([1, 2]), mg.tensor([1, 3])), RuntimeError,
     r"l1_loss: mean\(\): could not infer output dtype.*got int64"),
    ("l1_bool", lambda: F.l1_loss(mg.tensor([True]), mg.tensor([False]), reduction="none"), RuntimeError,
     r"l1_loss: subtraction of two bool tensors"),
    ("nll_int_input", lambda: F.nll_loss(mg.tensor([[1, 2]]), mg.tensor([0])), NotImplementedError,
     r"nll_loss: not implemented for int64 inputs \(input int64 of shape \(1, 2\)\)"),
    ("bce_int_input", lambda: F.binary_cross_entropy(mg.tensor([1]), mg.tensor([1.0])), NotImplementedError,
     r"binary_cross_entropy: not implemented for int64"),
    ("bce_logits_int_input", lambda: F.binary_cross_entropy_with_logits(mg.tensor([1]), mg.tensor([1.0])),
     NotImplementedError, r"binary_cross_entropy_with_logits: not implemented for int64"),
    ("bce_target_above_1", lambda: F.binary_cross_entropy(mg.tensor([0.5, 0.5]), mg.tensor([0.0, 2.0])),
     RuntimeError, r"all elements of target should be between 0 and 1, got min 0 and max 2 \(target shape \(2,\)\)"),
    ("bce_target_negative", lambda: nn.BCELoss()(mg.tensor([0.5]), mg.tensor([-1.0])), RuntimeError,
     r"all elements of target should be between 0 and 1"),
    ("bce_target_nan", lambda: F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([float("nan")])), RuntimeError,
     r"all elements of target should be between 0 and 1"),
    ("bce_input_above_1", lambda: F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0])), RuntimeError,
     r"all elements of input should be between 0 and 1"),
    ("bce_input_nan", lambda: F.binary_cross_entropy(mg.tensor([float("nan")]), mg.tensor([1.0])), RuntimeError,
     r"all elements of input should be between 0 and 1"),
]


@pytest.mark.parametrize("op, exc, pattern", [e[1:] for e in LOSS_DTYPE_ERRORS], ids=[e[0] for e in LOSS_DTYPE_ERRORS])
def test_loss_dtype_errors(op, exc, pattern):
    with pytest.raises(exc, match=pattern):
        op()


@pytest.mark.parametrize("mine, theirs", [
    (lambda: F.mse_loss(mg.tensor([1, 2]), mg.tensor([1, 3])), lambda: TF.mse_loss(torch.tensor([1, 2]), torch.tensor([1, 3]))),
    (lambda: F.l1_loss(mg.tensor([1, 2]), mg.tensor([1, 3])), lambda: TF.l1_loss(torch.tensor([1, 2]), torch.tensor([1, 3]))),
    (lambda: F.nll_loss(mg.tensor([[1, 2]]), mg.tensor([0])), lambda: TF.nll_loss(torch.tensor([[1, 2]]), torch.tensor([0]))),
    (lambda: F.binary_cross_entropy(mg.tensor([0.5]), mg.tensor([2.0])),
     lambda: TF.binary_cross_entropy(torch.tensor([0.5]), torch.tensor([2.0]))),
    (lambda: F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0])),
     lambda: TF.binary_cross_entropy(torch.tensor([1.5]), torch.tensor([1.0]))),
], ids=["mse", "l1", "nll", "bce_target", "bce_input"])
def test_loss_dtype_errors_use_torchs_class(mine, theirs):
    with pytest.raises(Exception) as torch_error:  # noqa: PT011
        theirs()
    with pytest.raises(torch_error.type):
        mine()


@pytest.mark.parametrize("reduction", ["sum", "none"])
def test_l1_loss_of_integers_with_sum_or_none_stays_integer_as_torch(reduction):
    mine = F.l1_loss(mg.tensor([1, 2, 5]), mg.tensor([1, 3, 1]), reduction=reduction)
    theirs = TF.l1_loss(torch.tensor([1, 2, 5]), torch.tensor([1, 3, 1]), reduction=reduction)
    assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", ["mse", "l1"])
def test_regression_losses_promote_an_integer_side_to_float(name):
    mine_fn, theirs_fn = (F.mse_loss, TF.mse_loss) if name == "mse" else (F.l1_loss, TF.l1_loss)
    for a, b in [([1.0, 2.0], [1, 3]), ([1, 2], [1.0, 3.0])]:
        mine, theirs = mine_fn(mg.tensor(a), mg.tensor(b)), theirs_fn(torch.tensor(a), torch.tensor(b))
        assert mine.dtype == mg.float32 and str(theirs.dtype) == "torch.float32"
        assert mine.item() == pytest.approx(theirs.item())


def test_bce_accepts_targets_at_the_bounds():
    out = F.binary_cross_entropy(mg.tensor([0.25, 0.75]), mg.tensor([0.0, 1.0]))
    ref = TF.binary_cross_entropy(torch.tensor([0.25, 0.75]), torch.tensor([0.0, 1.0]))
    assert out.item() == pytest.approx(ref.item(), rel=1e-6)
