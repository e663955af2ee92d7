"""Recurrent kernels, compiled: the Cython extension _recurrent (see _recurrent.pyx)."""
from ._recurrent import (  # noqa: F401
    gru_cell_backward,
    gru_cell_forward,
    gru_sequence_backward,
    gru_sequence_forward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_sequence_backward,
    lstm_sequence_forward,
    rnn_cell_backward,
    rnn_cell_forward,
    rnn_sequence_backward,
    rnn_sequence_forward,
)
