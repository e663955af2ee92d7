"""Issue 20, rule 3: every public argument is validated at the API boundary.  One table of bad
arguments to factories, layer constructors and functionals: each raises the exception class
PyTorch 2.13 raises for it (checked under torch) with a message naming the argument and its value,
never a NumPy/int()/comparison message from inside."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def x1():
    return mg.randn(1, 2, 5)


def x2():
    return mg.randn(1, 2, 5, 5)


CASES = [
    # (id, call, exception class, message regex)
    # --- factories
    ("zeros_float_size", lambda: mg.zeros(2.5), TypeError, r"'size'.*2\.5"),
    ("rand_float_size", lambda: mg.rand(2.5), TypeError, r"'size'.*2\.5"),
    ("randint_float_size", lambda: mg.randint(0, 10, (2.5,)), TypeError, r"'size'.*2\.5"),
    ("randint_empty_range", lambda: mg.randint(5, 2, (2,)), RuntimeError, r"from=5 >= to=2"),
    ("eye_float", lambda: mg.eye(2.5), TypeError, r"'n'.*2\.5"),
    ("eye_negative", lambda: mg.eye(-1), RuntimeError, r"n=-1"),
    ("full_str_fill", lambda: mg.full((2,), "a"), TypeError, r"'fill_value'.*'a'"),
    ("tensor_int_requires_grad", lambda: mg.tensor([1, 2], requires_grad=True), RuntimeError,
     r"floating-point.*int64"),
    # --- layer constructors
    ("linear_float", lambda: nn.Linear(2.5, 3), TypeError, r"Linear.*'in_features'.*2\.5"),
    ("linear_str", lambda: nn.Linear("a", 3), TypeError, r"'in_features'.*'a'"),
    ("linear_none", lambda: nn.Linear(None, 3), TypeError, r"'in_features'.*None"),
    ("linear_negative", lambda: nn.Linear(2, -1), RuntimeError, r"'out_features'.*-1"),
    ("embedding_negative", lambda: nn.Embedding(10, -1), RuntimeError, r"'embedding_dim'.*-1"),
    ("embedding_float", lambda: nn.Embedding(10, 2.5), TypeError, r"'embedding_dim'.*2\.5"),
    ("embedding_float_padding_idx", lambda: nn.Embedding(10, 3, padding_idx=2.5), IndexError,
     r"padding_idx.*2\.5"),
    ("lstm_hidden_zero", lambda: nn.LSTM(4, 0), ValueError, r"hidden_size.*0"),
    ("lstm_layers_zero", lambda: nn.LSTM(4, 8, num_layers=0), ValueError, r"num_layers.*0"),
    ("lstm_float_input", lambda: nn.LSTM(4.5, 8), TypeError, r"input_size.*4\.5"),
    ("gru_float_layers", lambda: nn.GRU(4, 8, num_layers=1.5), TypeError, r"num_layers.*1\.5"),
    ("rnn_float_hidden", lambda: nn.RNN(4, 8.0), TypeError, r"hidden_size.*8\.0"),
    ("gru_dropout", lambda: nn.GRU(4, 8, dropout=1.5), ValueError, r"dropout.*1\.5"),
    ("dropout_p_high", lambda: nn.Dropout(1.5), ValueError, r"between 0 and 1.*1\.5"),
    ("dropout_p_str", lambda: nn.Dropout("a"), TypeError, r"'p'.*'a'"),
    ("dropout_p_none", lambda: nn.Dropout(None), TypeError, r"'p'.*None"),
    ("batchnorm_float", lambda: nn.BatchNorm1d(2.5), TypeError, r"'num_features'.*2\.5"),
    ("batchnorm2d_negative", lambda: nn.BatchNorm2d(-1), RuntimeError, r"'num_features'.*-1"),
    ("prelu_float", lambda: nn.PReLU(2.5), TypeError, r"'num_parameters'.*2\.5"),
    ("prelu_negative", lambda: nn.PReLU(-1), RuntimeError, r"'num_parameters'.*-1"),
    ("prelu_init_str", lambda: nn.PReLU(init="a"), TypeError, r"'init'.*'a'"),
    ("mse_reduction", lambda: nn.MSELoss(reduction="foo"), ValueError, r"reduction.*'foo'"),
    ("ce_reduction", lambda: nn.CrossEntropyLoss(reduction="foo"), ValueError, r"reduction.*'foo'"),
    ("lstmcell_float", lambda: nn.LSTMCell(4.5, 3), TypeError, r"input_size.*4\.5"),
    ("elu_alpha_str", lambda: nn.ELU("a"), TypeError, r"'alpha'.*'a'"),
    ("softplus_beta_str", lambda: nn.Softplus(beta="a"), TypeError, r"'beta'.*'a'"),
    ("softplus_threshold_none", lambda: nn.Softplus(threshold=None), TypeError, r"'threshold'.*None"),
    ("leaky_relu_slope_none", lambda: nn.LeakyReLU(None), TypeError, r"'negative_slope'.*None"),
    ("batchnorm_momentum_str", lambda: nn.BatchNorm1d(3, momentum="a"), TypeError, r"'momentum'.*'a'"),
    ("batchnorm_eps_str", lambda: nn.BatchNorm1d(3, eps="a"), TypeError, r"'eps'.*'a'"),
    ("batchnorm_eps_negative_training", lambda: nn.BatchNorm1d(3, eps=-1)(mg.ones(2, 3)), ValueError,
     r"eps.*-1"),
    ("unflatten_float_size", lambda: nn.Unflatten(1, 2.5), TypeError, r"unflattened_size.*2\.5"),
    ("unflatten_float_dim", lambda: nn.Unflatten(1.5, (3,)), TypeError, r"'dim'.*1\.5"),
    ("flatten_float_dim", lambda: nn.Flatten(1.5)(mg.ones(2, 3)), TypeError, r"dim.*float"),
    ("nll_reduction", lambda: nn.NLLLoss(reduction="foo"), ValueError, r"reduction.*'foo'"),
    ("l1_reduction_none", lambda: nn.L1Loss(reduction=None), ValueError, r"reduction.*None"),
    ("bce_reduction", lambda: nn.BCELoss(reduction="x"), ValueError, r"reduction.*'x'"),
    ("manual_seed_str", lambda: mg.manual_seed("a"), ValueError, r"seed.*'a'"),
    ("manual_seed_none", lambda: mg.manual_seed(None), TypeError, r"seed.*None"),
    ("manual_seed_overflow", lambda: mg.manual_seed(2 ** 64), ValueError, r"18446744073709551616"),
    # --- conv layers
    ("conv1d_stride_pair", lambda: nn.Conv1d(2, 2, 3, stride=(1, 2)), RuntimeError, r"stride.*\[1, 2\]"),
    ("conv1d_kernel_pair", lambda: nn.Conv1d(2, 2, (3, 3)), RuntimeError, r"kernel_size.*\[3, 3\]"),
    ("conv1d_padding_pair", lambda: nn.Conv1d(2, 2, 3, padding=(1, 1)), RuntimeError, r"padding.*\[1, 1\]"),
    ("conv2d_dilation_triple", lambda: nn.Conv2d(2, 2, 3, dilation=(1, 1, 1)), RuntimeError,
     r"dilation.*\[1, 1, 1\]"),
    ("conv2d_kernel_triple", lambda: nn.Conv2d(2, 2, (3, 3, 3)), RuntimeError, r"kernel_size.*\[3, 3, 3\]"),
    ("conv1d_kernel_zero", lambda: nn.Conv1d(2, 2, 0), RuntimeError, r"kernel size.*greater than zero.*\(0,\)"),
    ("conv2d_kernel_zero", lambda: nn.Conv2d(2, 2, (3, 0)), RuntimeError, r"kernel size.*\(3, 0\)"),
    ("conv2d_float_kernel", lambda: nn.Conv2d(1, 1, 2.0), TypeError, r"'kernel_size'.*2\.0"),
    ("conv2d_float_stride", lambda: nn.Conv2d(1, 1, 2, stride=2.0), TypeError, r"'stride'.*2\.0"),
    ("conv2d_float_channels", lambda: nn.Conv2d(2.5, 1, 2), TypeError, r"'in_channels'.*2\.5"),
    ("conv2d_stride_zero", lambda: nn.Conv2d(1, 1, 2, stride=0), RuntimeError, r"stride.*\(0, 0\)"),
    ("conv2d_groups_zero", lambda: nn.Conv2d(2, 2, 2, groups=0), ValueError, r"groups=0"),
    ("conv2d_padding_mode", lambda: nn.Conv2d(2, 2, 2, padding_mode="foo"), ValueError, r"padding_mode='foo'"),
    ("conv2d_padding_str", lambda: nn.Conv2d(2, 2, 2, padding="foo"), ValueError, r"padding string 'foo'"),
    ("conv2d_same_strided", lambda: nn.Conv2d(2, 2, 3, padding="same", stride=2), ValueError,
     r"'same'.*strided"),
    # --- pooling layers
    ("maxpool2d_float", lambda: nn.MaxPool2d(2.5), TypeError, r"'kernel_size'.*2\.5"),
    ("avgpool2d_float", lambda: nn.AvgPool2d(2.5), TypeError, r"'kernel_size'.*2\.5"),
    ("maxpool1d_float", lambda: nn.MaxPool1d(2.5), TypeError, r"'kernel_size'.*2\.5"),
    ("maxpool1d_pair", lambda: nn.MaxPool1d((2, 2)), RuntimeError, r"kernel_size.*\[2, 2\]"),
    ("avgpool1d_stride_pair", lambda: nn.AvgPool1d(2, (1, 1)), RuntimeError, r"stride.*\[1, 1\]"),
    ("maxpool2d_triple", lambda: nn.MaxPool2d((2, 2, 2)), RuntimeError, r"kernel_size.*\[2, 2, 2\]"),
    ("maxpool2d_str", lambda: nn.MaxPool2d("a"), TypeError, r"'kernel_size'.*'a'"),
    ("maxpool2d_none", lambda: nn.MaxPool2d(None), TypeError, r"'kernel_size'.*None"),
    ("avgpool2d_half_padding", lambda: nn.AvgPool2d(2, padding=2), ValueError, r"padding \(2, 2\).*half"),
    # --- conv functionals
    ("f_conv1d_stride_pair", lambda: F.conv1d(x1(), mg.randn(2, 2, 3), stride=(1, 2)), RuntimeError,
     r"stride.*\[1, 2\]"),
    ("f_conv1d_dilation_pair", lambda: F.conv1d(x1(), mg.randn(2, 2, 3), dilation=[1, 1]), RuntimeError,
     r"dilation.*\[1, 1\]"),
    ("f_conv2d_stride_triple", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 3), stride=(1, 2, 3)), RuntimeError,
     r"stride.*\[1, 2, 3\]"),
    ("f_conv2d_padding_triple", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 3), padding=(1, 1, 1)), RuntimeError,
     r"padding.*\[1, 1, 1\]"),
    ("f_conv2d_float_stride", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 3), stride=1.5), TypeError,
     r"'stride'.*1\.5"),
    ("f_conv2d_str_stride", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 3), stride="a"), TypeError, r"'stride'.*'a'"),
    ("f_conv2d_none_stride", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 3), stride=None), TypeError,
     r"'stride'.*None"),
    ("f_conv2d_float_groups", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 3), groups=1.5), TypeError,
     r"'groups'.*1\.5"),
    ("f_conv2d_groups_zero", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 3), groups=0), RuntimeError, r"groups=0"),
    ("f_conv2d_padding_str", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 3), padding="foo"), RuntimeError,
     r"padding string 'foo'"),
    ("f_conv1d_zero_kernel", lambda: F.conv1d(x1(), mg.randn(2, 2, 0)), RuntimeError,
     r"conv1d: kernel size should be greater than zero.*\(2, 2, 0\)"),
    ("f_conv2d_zero_kernel", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 0)), RuntimeError,
     r"kernel size should be greater than zero.*\(3, 0\)"),
    ("f_conv2d_padding_overflow", lambda: F.conv2d(x2(), mg.randn(2, 2, 3, 3), stride=10 ** 18, padding=2 ** 62),
     ValueError, r"padding \(4611686018427387904, 4611686018427387904\).*too large"),
    ("f_max_pool2d_overflow", lambda: F.max_pool2d(x2(), 2 ** 62, padding=2 ** 61), ValueError,
     r"kernel_size \(4611686018427387904, 4611686018427387904\).*too large"),
    # --- pooling functionals
    ("f_max_pool2d_float_stride", lambda: F.max_pool2d(x2(), 2, 1.5), TypeError, r"'stride'.*1\.5"),
    ("f_max_pool2d_float_kernel", lambda: F.max_pool2d(x2(), 2.5), TypeError, r"'kernel_size'.*2\.5"),
    ("f_max_pool2d_triple", lambda: F.max_pool2d(x2(), (2, 2, 2)), RuntimeError, r"kernel_size.*\[2, 2, 2\]"),
    ("f_max_pool2d_float_padding", lambda: F.max_pool2d(x2(), 2, 2, 0.5), TypeError, r"'padding'.*0\.5"),
    ("f_avg_pool2d_float_kernel", lambda: F.avg_pool2d(x2(), 2.0), TypeError, r"'kernel_size'.*2\.0"),
    ("f_avg_pool2d_triple", lambda: F.avg_pool2d(x2(), (2, 2, 2)), RuntimeError, r"kernel_size.*\[2, 2, 2\]"),
    ("f_max_pool1d_pair", lambda: F.max_pool1d(x1(), (2, 2)), RuntimeError, r"kernel_size.*\[2, 2\]"),
    ("f_max_pool1d_float", lambda: F.max_pool1d(x1(), 2.0), TypeError, r"'kernel_size'.*2\.0"),
    ("f_max_pool1d_stride_pair", lambda: F.max_pool1d(x1(), 2, (1, 1)), RuntimeError, r"stride.*\[1, 1\]"),
    ("f_avg_pool1d_pair", lambda: F.avg_pool1d(x1(), (2, 2)), RuntimeError, r"kernel_size.*\[2, 2\]"),
    ("f_avg_pool1d_float", lambda: F.avg_pool1d(x1(), 2.0), TypeError, r"'kernel_size'.*2\.0"),
    ("f_max_pool2d_dilation_float", lambda: F.max_pool2d(x2(), 2, dilation=1.5), TypeError, r"'dilation'.*1\.5"),
    ("f_leaky_relu_str", lambda: F.leaky_relu(mg.ones(3), "a"), TypeError, r"'negative_slope'.*'a'"),
    ("f_elu_none", lambda: F.elu(mg.ones(3), None), TypeError, r"'alpha'.*None"),
    ("f_softplus_str", lambda: F.softplus(mg.ones(3), "a"), TypeError, r"'beta'.*'a'"),
    ("f_one_hot_float", lambda: F.one_hot(mg.tensor([0, 1]), 1.5), TypeError, r"'num_classes'.*1\.5"),
    ("f_embedding_padding_idx_float", lambda: F.embedding(mg.tensor([0, 1]), mg.ones(3, 2), padding_idx=1.5),
     TypeError, r"'padding_idx'.*1\.5"),
    ("f_nll_ignore_index_float", lambda: F.nll_loss(mg.ones(2, 3), mg.tensor([0, 1]), ignore_index=1.5),
     TypeError, r"'ignore_index'.*1\.5"),
    ("f_mse_reduction_none", lambda: F.mse_loss(mg.ones(2), mg.ones(2), reduction=None), ValueError,
     r"reduction.*None"),
    # --- other functionals
    ("f_dropout_p_high", lambda: F.dropout(mg.ones(3), p=1.5), ValueError, r"between 0 and 1.*1\.5"),
    ("f_dropout_p_str", lambda: F.dropout(mg.ones(3), p="a"), TypeError, r"'p'.*'a'"),
    ("f_dropout_training_str", lambda: F.dropout(mg.ones(3), training="a"), TypeError, r"'training'.*'a'"),
    ("f_softmax_dim_float", lambda: F.softmax(mg.ones(3), dim=1.5), TypeError, r"dim.*float"),
    ("f_softmax_dim_range", lambda: F.softmax(mg.ones(3), dim=5), IndexError, r"dim 5"),
    ("f_ce_reduction", lambda: F.cross_entropy(mg.ones(2, 3), mg.tensor([0, 1]), reduction="foo"), ValueError,
     r"reduction.*'foo'"),
    ("f_ce_ignore_index_float", lambda: F.cross_entropy(mg.ones(2, 3), mg.tensor([0, 1]), ignore_index=1.5),
     TypeError, r"'ignore_index'.*1\.5"),
    ("f_ce_label_smoothing_str", lambda: F.cross_entropy(mg.ones(2, 3), mg.tensor([0, 1]), label_smoothing="a"),
     TypeError, r"'label_smoothing'.*'a'"),
]


@pytest.mark.parametrize("call, error, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_argument_is_refused_with_a_named_message(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


# The torch spelling of each case whose class we copy from PyTorch (a subset: the rest are
# minigrad-only limits or PyTorch accepts them at construction and fails at forward with the same class).
TORCH_CASES = {
    "linear_float": "nn.Linear(2.5, 3)", "linear_negative": "nn.Linear(2, -1)",
    "embedding_negative": "nn.Embedding(10, -1)", "lstm_hidden_zero": "nn.LSTM(4, 0)",
    "lstm_layers_zero": "nn.LSTM(4, 8, num_layers=0)", "lstm_float_input": "nn.LSTM(4.5, 8)",
    "dropout_p_high": "nn.Dropout(1.5)", "dropout_p_str": "nn.Dropout('a')",
    "conv2d_float_kernel": "nn.Conv2d(1, 1, 2.0)", "conv2d_groups_zero": "nn.Conv2d(2, 2, 2, groups=0)",
    "conv2d_padding_str": "nn.Conv2d(2, 2, 2, padding='foo')",
    "f_conv1d_stride_pair": "F.conv1d(torch.randn(1, 2, 5), torch.randn(2, 2, 3), stride=(1, 2))",
    "f_conv2d_float_stride": "F.conv2d(torch.randn(1, 2, 5, 5), torch.randn(2, 2, 3, 3), stride=1.5)",
    "f_conv1d_zero_kernel": "F.conv1d(torch.randn(1, 2, 5), torch.randn(2, 2, 0))",
    "f_max_pool2d_float_stride": "F.max_pool2d(torch.randn(1, 2, 5, 5), 2, 1.5)",
    "f_max_pool2d_triple": "F.max_pool2d(torch.randn(1, 2, 5, 5), (2, 2, 2))",
    "f_max_pool1d_pair": "F.max_pool1d(torch.randn(1, 2, 5), (2, 2))",
    "f_dropout_training_str": "F.dropout(torch.ones(3), training='a')",
    "f_softmax_dim_range": "F.softmax(torch.ones(3), dim=5)",
    "lstmcell_float": "nn.LSTMCell(4.5, 3)",
    "batchnorm_eps_negative_training": "nn.BatchNorm1d(3, eps=-1)(torch.ones(2, 3))",
    "unflatten_float_size": "nn.Unflatten(1, 2.5)",
    "manual_seed_str": "torch.manual_seed('a')", "manual_seed_overflow": "torch.manual_seed(2 ** 64)",
    "f_leaky_relu_str": "F.leaky_relu(torch.ones(3), 'a')", "f_one_hot_float": "F.one_hot(torch.tensor([0, 1]), 1.5)",
    "f_nll_ignore_index_float": "F.nll_loss(torch.ones(2, 3), torch.tensor([0, 1]), ignore_index=1.5)",
    "f_ce_ignore_index_float": "F.cross_entropy(torch.ones(2, 3), torch.tensor([0, 1]), ignore_index=1.5)",
}


@pytest.mark.parametrize("case_id", sorted(TORCH_CASES))
def test_the_exception_class_is_pytorchs(case_id):
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF
    error = {c[0]: c[2] for c in CASES}[case_id]
    with pytest.raises(error):
        eval(TORCH_CASES[case_id], {"torch": torch, "nn": torch.nn, "F": TF})


def test_public_factories_and_layers_are_in_the_table():
    """Every factory and layer constructor named in the table exists in the public API."""
    for name in ("zeros", "rand", "randint", "eye", "full", "tensor"):
        assert callable(getattr(mg, name))
    for name in ("Linear", "Embedding", "LSTM", "GRU", "RNN", "Dropout", "BatchNorm1d", "BatchNorm2d", "PReLU",
                 "MSELoss", "CrossEntropyLoss", "Conv1d", "Conv2d", "MaxPool1d", "MaxPool2d", "AvgPool1d",
                 "AvgPool2d"):
        assert name in nn.__all__
