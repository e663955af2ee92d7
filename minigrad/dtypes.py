"""The dtypes minigrad uses: NumPy's own.  float32 is the default for floating data."""
import numpy as np

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
bool_ = np.dtype(np.bool_)
long = int64
double = float64

DEFAULT_FLOAT = float32
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)


# ---------------------------------------------------------------- promotion (PyTorch's rule) ---------
# The one place where minigrad decides the dtype of a result from its operands and whether a
# result may be written into an existing tensor, following torch.result_type / torch.can_cast:
#
# * categories: bool < integer < floating.  Two dtypes of one category promote as NumPy does
#   (int8 with uint8 gives int16, float32 with float64 gives float64); across categories the
#   higher category's dtype wins as it is (int64 with float16 gives float16, not float64).
# * operands come in three tiers: tensors with dimensions, 0-d tensors, Python scalars (and
#   NumPy scalars, which stand for them).  A lower tier only raises the category of the result,
#   never its width: float32 tensor + 0-d float64 tensor is float32, int8 tensor + 1000 is int8,
#   int64 tensor + 2.5 is float32 (a Python float counts as the default float, a Python int as
#   int64, a Python bool as bool).
# * can_cast(from, to): no cast down a category (float into an integer or bool tensor, integer
#   into a bool one); any width within or up a category.

_TORCH_NAMES = {"b": {1: "Bool"}, "u": {1: "Byte", 2: "UInt16", 4: "UInt32", 8: "UInt64"},
                "i": {1: "Char", 2: "Short", 4: "Int", 8: "Long"},
                "f": {2: "Half", 4: "Float", 8: "Double"}}


def torch_name(dtype) -> str:
    """PyTorch's name of a dtype in its error messages (Float, Long, Bool, ...)."""
    dtype = np.dtype(dtype)
    return _TORCH_NAMES.get(dtype.kind, {}).get(dtype.itemsize, str(dtype))


def category(dtype) -> int:
    """0 for bool, 1 for integer, 2 for floating dtypes; TypeError for any other."""
    kind = np.dtype(dtype).kind
    if kind == "b":
        return 0
    if kind in "iu":
        return 1
    if kind == "f":
        return 2
    raise TypeError(f"dtype {np.dtype(dtype)} is not supported: minigrad tensors are bool, integer or "
                    "floating point")


def native(dtype) -> np.dtype:
    """The dtype in this machine's byte order (a big-endian '>f8' becomes float64)."""
    dtype = np.dtype(dtype)
    return dtype if dtype.isnative else dtype.newbyteorder("=")


def promote_types(a, b) -> np.dtype:
    """torch.promote_types: the dtype both ``a`` and ``b`` fit in, by the categories above."""
    a, b = native(a), native(b)
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def _tier(operand) -> tuple:
    """(dtype, tier) of one operand: tier 0 for a tensor with dims, 1 for a 0-d one, 2 for a scalar."""
    if isinstance(operand, (bool, np.bool_)):
        return bool_, 2
    if isinstance(operand, (int, np.integer)):
        return int64, 2
    if isinstance(operand, (float, np.floating)):
        return DEFAULT_FLOAT, 2
    array = operand if isinstance(operand, np.ndarray) else getattr(operand, "data", None)  # a Tensor's
    if isinstance(array, np.ndarray):
        category(array.dtype)
        return native(array.dtype), 0 if array.ndim else 1
    raise TypeError(f"expected a tensor, an array or a Python number, got {type(operand).__name__} "
                    f"({operand!r:.60})")


def _combine(higher, lower):
    """PyTorch's combine_categories: a lower tier only counts when it is of a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if category(higher) == 2:
        return higher
    if category(higher) == 0 or category(lower) == 2:
        return promote_types(higher, lower)
    return higher


def result_type(*operands) -> np.dtype:
    """torch.result_type over tensors, arrays and Python (or NumPy) scalars."""
    if not operands:
        raise TypeError("result_type: expected at least one operand")
    tiers = [None, None, None]
    for operand in operands:
        dtype, tier = _tier(operand)
        tiers[tier] = dtype if tiers[tier] is None else promote_types(tiers[tier], dtype)
    return _combine(tiers[0], _combine(tiers[1], tiers[2]))


def can_cast(from_, to) -> bool:
    """torch.can_cast: whether a result of dtype ``from_`` may be written into a tensor of ``to``."""
    return category(from_) <= category(to)


def check_cast(what: str, result, target) -> None:
    """Refuse, as PyTorch, to write a result of dtype ``result`` into a tensor of dtype ``target``."""
    if not can_cast(result, target):
        raise RuntimeError(f"{what}: result type {torch_name(result)} can't be cast to the desired output "
                           f"type {torch_name(target)} (a {np.dtype(result)} result cannot be written "
                           f"into a tensor of dtype {np.dtype(target)}; use the out-of-place op or convert the "
                           f"tensor with .float() first)")
