"""Cython convolution kernels (compiled from _conv.pyx); same contract as reference/conv.py."""
from ._conv import conv2d_backward_input, conv2d_backward_weight, conv2d_forward

__all__ = ["conv2d_forward", "conv2d_backward_input", "conv2d_backward_weight"]
