"""predict: a model's outputs for a whole dataset, in eval mode and without gradients."""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .autograd.grad_mode import no_grad
from .tensor import Tensor


@contextmanager
def evaluating(model):
    """Eval mode and no_grad, then back to whatever mode the model was in."""
    was_training = getattr(model, "training", None)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            yield
    finally:
        if was_training is not None:
            model.train(was_training)


def predict(model, data, batch_size: int | None = None) -> Tensor:
    """The model's outputs for a Tensor/array (in chunks of ``batch_size`` if given) or for every
    batch of a loader (a batch of several fields is ``(inputs..., target)``; the target is
    ignored), concatenated along the first axis.  Eval mode, no_grad, mode restored afterwards."""
    if isinstance(data, (Tensor, np.ndarray)):
        x = data if isinstance(data, Tensor) else Tensor(data)
        step = batch_size or max(len(x), 1)
        batches = [(Tensor._wrap(x.data[i:i + step]),) for i in range(0, len(x), step)]
    else:
        batches = data
    outputs = []
    with evaluating(model):
        for batch in batches:
            if isinstance(batch, (tuple, list)):
                inputs = tuple(batch[:-1]) if len(batch) > 1 else tuple(batch)
            else:
                inputs = (batch,)
            out = model(*inputs)
            if not isinstance(out, Tensor):
                raise TypeError(f"predict: the model returned {type(out).__name__}, not a Tensor; wrap it "
                                "in a Module whose forward returns the prediction")
            outputs.append(out.data)
    if not outputs:
        raise ValueError("predict: no data")
    return Tensor._wrap(np.concatenate(outputs))
