"""minigrad.nn: modules, parameters, the functional API (F), initialisers and utilities."""
from . import functional, init
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .parameter import Parameter

try:  # nn.utils comes from a concurrent change; import it plainly once it has landed
    from . import utils
except ImportError:  # pragma: no cover
    pass

__all__ = ["Parameter", "functional", "init", "utils", *_modules_all]
