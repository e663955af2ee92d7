"""nn modules: one file per family (module, container, linear, activation, loss, conv, ...)."""
from .activation import (ELU, GELU, SELU, ArcTan, BinaryStep, LeakyReLU, LogSoftmax, PReLU, ReLU,
                         Sigmoid, Softmax, Softplus, Tanh)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .pooling import AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict",
           "Identity", "Linear", "Flatten", "Unflatten", "Dropout", "Embedding", "BatchNorm1d", "BatchNorm2d",
           "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
           "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
           "BinaryStep", "Sigmoid", "Tanh", "ArcTan", "ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "Softplus",
           "GELU", "Softmax", "LogSoftmax",
           "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"]
