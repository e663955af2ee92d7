"""Module.load_state_dict on bad input (issue 20): every key is checked before any is copied, so
a refused load leaves every parameter and buffer, nested ones included, bitwise as it was; what
PyTorch's ``param.copy_(value)`` accepts (int or bool arrays into float parameters) still loads."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


def model():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)))


def good_state(m):
    """A state the model accepts whose every value differs from the model's own."""
    return {k: v.numpy() + 1 for k, v in m.state_dict().items()}


def with_(key, value, drop=()):
    def make(m):
        state = good_state(m)
        for name in drop:
            del state[name]
        if key is not None:
            state[key] = value
        return state
    return make


LOAD_ERRORS = [
    # (id, state dict maker, strict, message regex)
    ("string", with_("1.0.bias", "abc"), True,
     r'parameter named "1.0.bias", expected a Tensor or a NumPy array from checkpoint but received <class \'str\'>'),
    ("none", with_("0.weight", None), True, r'"0.weight", expected a Tensor .* received <class \'NoneType\'>'),
    ("list", with_("0.bias", [1.0, 2.0, 3.0]), True, r'"0.bias", expected a Tensor .* received <class \'list\'>'),
    ("object_array_with_none", with_("1.0.bias", np.array([None, 1.0], dtype=object)), True,
     r'"1.0.bias", whose dtype in current model is float32, the checkpoint\'s value of dtype object '
     r'\(shape \(2,\)\) cannot be cast to it'),
    ("string_array", with_("0.bias", np.array(["a", "b", "c"])), True, r'"0.bias", whose dtype .* dtype <U1'),
    ("buffer_object_array", with_("1.1.running_var", np.array([None, None], dtype=object)), True,
     r'"1.1.running_var", whose dtype in current model is float32, .* dtype object'),
    ("buffer_none", with_("1.1.num_batches_tracked", None), True,
     r'"1.1.num_batches_tracked", expected a Tensor'),
    ("wrong_shape", with_("1.0.weight", np.zeros((3, 2))), True,
     r"size mismatch for 1.0.weight: copying a param with shape \(3, 2\) from checkpoint, the shape in "
     r"current model is \(2, 3\)"),
    ("wrong_shape_not_strict", with_("1.1.running_mean", np.zeros(3)), False,
     r"size mismatch for 1.1.running_mean: .*\(3,\).*\(2,\)"),
    ("broadcastable_shape", with_("0.bias", np.zeros(1)), True, r"size mismatch for 0.bias"),
    ("missing", with_(None, None, drop=("1.0.bias",)), True, r'Missing key\(s\) in state_dict: "1.0.bias"'),
    ("unexpected", with_("1.2.weight", np.zeros(2)), True, r'Unexpected key\(s\) in state_dict: "1.2.weight"'),
]


@pytest.mark.parametrize("make_state, strict, pattern", [case[1:] for case in LOAD_ERRORS],
                         ids=[case[0] for case in LOAD_ERRORS])
def test_failed_load_leaves_the_model_bitwise_unchanged(make_state, strict, pattern):
    m = model()
    before = {k: (v.dtype, v.numpy().tobytes()) for k, v in m.state_dict().items()}
    with pytest.raises(RuntimeError, match=pattern):
        m.load_state_dict(make_state(m), strict=strict)
    after = {k: (v.dtype, v.numpy().tobytes()) for k, v in m.state_dict().items()}
    assert after == before


def test_not_a_mapping():
    with pytest.raises(TypeError, match=r"Expected state_dict to be dict-like, got <class 'list'>"):
        model().load_state_dict([("0.weight", np.zeros((3, 2)))])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.bool_, np.float64, np.float16])
def test_numeric_arrays_are_cast_to_the_parameter_dtype(dtype):
    m = model()
    state = {k: v.astype(dtype) for k, v in good_state(m).items()}
    m.load_state_dict(state)
    for key, value in m.state_dict().items():
        assert value.dtype == (np.int64 if key.endswith("num_batches_tracked") else np.float32)
        np.testing.assert_array_equal(value.numpy(), state[key].astype(value.dtype))


def test_torch_also_casts_int_and_bool_into_float_parameters():
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(2, 3)
    layer.load_state_dict({"weight": torch.ones(3, 2, dtype=torch.int64), "bias": torch.ones(3, dtype=torch.bool)})
    assert layer.weight.dtype == torch.float32 and bool((layer.bias == 1).all())
    with pytest.raises(RuntimeError, match="expected torch.Tensor or Tensor-like object"):
        layer.load_state_dict({"weight": "abc", "bias": torch.ones(3)})
