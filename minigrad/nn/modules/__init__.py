"""nn modules: one file per family (module, container, linear, activation, loss, ...)."""
from .activation import (ELU, GELU, SELU, ArcTan, BinaryStep, LeakyReLU, LogSoftmax, PReLU, ReLU,
                         Sigmoid, Softmax, Softplus, Tanh)
from .batchnorm import BatchNorm1d, BatchNorm2d
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module

__all__ = ["Module", "Sequential", "ModuleList", "ModuleDict", "Identity", "Linear", "Flatten",
           "Unflatten", "Dropout", "Embedding", "BatchNorm1d", "BatchNorm2d", "BinaryStep", "Sigmoid",
           "Tanh", "ArcTan", "ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "Softplus", "GELU", "Softmax",
           "LogSoftmax", "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss",
           "NLLLoss"]
