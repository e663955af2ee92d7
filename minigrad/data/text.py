"""Text as numbers: one-hot vectors, a character vocabulary and a word vocabulary."""
from __future__ import annotations

from collections import Counter

import numpy as np

from ..dtypes import int64
from ..tensor import Tensor, _as_dtype


def one_hot(indices, num_classes: int = -1, dtype=int64) -> Tensor:
    """``[..., num_classes]`` one-hot rows for integer ``indices``, as ``torch.nn.functional.one_hot``.

    ``num_classes=-1`` means ``max(indices) + 1``.  The result is int64 like PyTorch's; pass
    ``dtype=mg.float32`` (or call ``.float()``) to feed it to a layer.
    """
    values = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if values.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got {values.dtype}")
    if num_classes == -1:
        num_classes = int(values.max()) + 1 if values.size else 0
    if values.size and (values.min() < 0 or values.max() >= num_classes):
        raise ValueError(f"one_hot: indices must lie in [0, {num_classes}), got values from "
                         f"{values.min()} to {values.max()}")
    return Tensor._wrap(np.eye(num_classes, dtype=_as_dtype(dtype))[values])


class CharVocab:
    """Characters of a text numbered in order of first appearance.

    ``CharVocab("hihello")`` numbers h, i, e, l, o as 0..4 — the course's H, I, E, L, O (p.51) —
    so ``encode("hihell") == [0, 1, 0, 2, 3, 3]`` and ``decode([1, 0, 2, 3, 3, 4]) == "ihello"``.
    """

    def __init__(self, text: str):
        self.itos: list[str] = list(dict.fromkeys(text))
        self.stoi: dict[str, int] = {ch: i for i, ch in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, char: str) -> bool:
        return char in self.stoi

    def encode(self, text: str) -> list[int]:
        missing = sorted({ch for ch in text if ch not in self.stoi})
        if missing:
            raise KeyError(f"CharVocab.encode: characters {missing} are not in the vocabulary {self.itos}")
        return [self.stoi[ch] for ch in text]

    def decode(self, indices) -> str:
        values = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
        return "".join(self.itos[int(i)] for i in values.reshape(-1))

    def one_hot(self, text: str, dtype=np.float32) -> Tensor:
        """``[len(text), len(vocab)]`` one-hot rows (float32: ready to feed a layer)."""
        return one_hot(np.asarray(self.encode(text), dtype=np.int64), len(self), dtype=dtype)

    def __repr__(self) -> str:
        return f"CharVocab({''.join(self.itos)!r})"


class WordVocab:
    """Words of a list of sentences, specials first, then in order of first appearance.

    Sentences are split on whitespace (or by ``tokenizer``); words seen fewer than ``min_freq``
    times, and words never seen, encode as ``<unk>``.  ``encode_batch`` pads with ``<pad>`` (id 0).
    """

    PAD, UNK = "<pad>", "<unk>"

    def __init__(self, sentences, min_freq: int = 1, tokenizer=str.split):
        self.tokenizer = tokenizer
        counts = Counter(word for sentence in sentences for word in tokenizer(sentence))
        words = [w for w in counts if counts[w] >= min_freq and w not in (self.PAD, self.UNK)]
        self.itos: list[str] = [self.PAD, self.UNK] + words
        self.stoi: dict[str, int] = {w: i for i, w in enumerate(self.itos)}
        self.pad_index, self.unk_index = 0, 1

    def __len__(self) -> int:
        return len(self.itos)

    def __contains__(self, word: str) -> bool:
        return word in self.stoi

    def tokens(self, sentence: str) -> list[str]:
        return self.tokenizer(sentence)

    def encode(self, sentence: str) -> list[int]:
        return [self.stoi.get(word, self.unk_index) for word in self.tokenizer(sentence)]

    def decode(self, indices, skip_pad: bool = True) -> str:
        values = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
        return " ".join(self.itos[int(i)] for i in values.reshape(-1)
                        if not (skip_pad and int(i) == self.pad_index))

    def encode_batch(self, sentences, length: int | None = None) -> Tensor:
        """int64 ``[len(sentences), length]`` ids, right-padded with ``<pad>`` (or cut to ``length``)."""
        encoded = [self.encode(s) for s in sentences]
        length = max((len(e) for e in encoded), default=0) if length is None else int(length)
        batch = np.full((len(encoded), length), self.pad_index, dtype=np.int64)
        for row, ids in zip(batch, encoded):
            ids = ids[:length]
            row[:len(ids)] = ids
        return Tensor._wrap(batch)

    def __repr__(self) -> str:
        preview = " ".join(self.itos[2:12]) + (" ..." if len(self) > 12 else "")
        return f"WordVocab({len(self)} words: {preview})"
