"""one_hot, CharVocab (the course's hihello) and WordVocab."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.data import CharVocab, WordVocab, one_hot


def test_one_hot_like_pytorch():
    out = one_hot([0, 2, 1], 4)
    assert out.dtype == mg.int64
    np.testing.assert_array_equal(out.numpy(), [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]])
    assert one_hot(mg.tensor([[1, 3]])).shape == (1, 2, 4)          # num_classes = max + 1
    assert one_hot([1], 2, dtype=mg.float32).dtype == mg.float32
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        one_hot([2], 2)
    with pytest.raises(TypeError, match="integers"):
        one_hot([0.5], 2)


def test_char_vocab_hihello():
    vocab = CharVocab("hihello")
    assert vocab.itos == ["h", "i", "e", "l", "o"] and len(vocab) == 5     # H, I, E, L, O (p.51)
    assert vocab.encode("hihell") == [0, 1, 0, 2, 3, 3]
    assert vocab.decode([1, 0, 2, 3, 3, 4]) == "ihello"
    assert vocab.decode(mg.tensor(vocab.encode("hihello"))) == "hihello"
    x = vocab.one_hot("hihell")
    assert x.shape == (6, 5) and x.dtype == mg.float32
    np.testing.assert_array_equal(x.numpy()[3], [0, 0, 1, 0, 0])            # E
    with pytest.raises(KeyError, match="'z'"):
        vocab.encode("hz")


def test_word_vocab_round_trip_and_padding():
    sentences = ["곰 세마리가 한 집에 있어", "아빠곰 엄마곰 애기곰"]
    vocab = WordVocab(sentences)
    assert vocab.itos[:3] == ["<pad>", "<unk>", "곰"] and len(vocab) == 10
    for sentence in sentences:
        assert vocab.decode(vocab.encode(sentence)) == sentence
    assert vocab.encode("아빠곰 호랑이") == [vocab.stoi["아빠곰"], vocab.unk_index]
    batch = vocab.encode_batch(["곰 한", "아빠곰 엄마곰 애기곰"])
    assert batch.dtype == mg.int64 and batch.shape == (2, 3)
    assert batch.numpy()[0, 2] == vocab.pad_index
    assert vocab.decode(batch.numpy()[0]) == "곰 한"
    assert vocab.encode_batch(["곰 한 집에"], length=2).shape == (1, 2)


def test_word_vocab_min_freq():
    vocab = WordVocab(["a b a", "a c"], min_freq=2)
    assert vocab.itos == ["<pad>", "<unk>", "a"]
    assert vocab.encode("a b") == [2, 1]
