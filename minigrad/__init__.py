"""minigrad: a small, readable reverse-mode autograd engine with NumPy, Numba and Cython kernels."""
from ._process import apply_process_settings as _apply_process_settings

_apply_process_settings()  # before NumPy loads OpenBLAS: see minigrad/_process.py (opt-out there)
from . import autograd
from .autograd import enable_grad, no_grad, set_grad_enabled, is_grad_enabled
from .backend import available_backends, backend_status, get_backend, set_backend, use_backend
from .creation import (arange, empty, eye, full, full_like, ones, ones_like, rand, rand_like, randint,
                       randn, randn_like, tensor, zeros, zeros_like)
from .dtypes import bool_, double, float16, float32, float64, int32, int64, long
from .dtypes import can_cast, int8, int16, promote_types, result_type, uint8
from .functions import *  # noqa: F401,F403  (the ops as mg. functions)
from .io import load, save
from .random import manual_seed
from .threads import get_num_threads, set_num_threads
from .tensor import Tensor
from . import data
from . import viz  # draw_graph, zoom, gradient flow; matplotlib is imported only when something is drawn
from .compare import compare
from .custom_op import register_op
from .health import HealthMonitor
from .warmup import warmup

float = float32  # noqa: A001  (as torch.float)

__version__ = "0.1.0"
