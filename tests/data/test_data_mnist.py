"""The MNIST IDX reader: tiny files written here (gzip and raw) read back exactly; corrupt ones raise clearly."""
import gzip
import struct

import numpy as np
import pytest

from minigrad.data import load_mnist, read_idx


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    """An IDX file: two zero bytes, the type code, the number of dims, each dim big-endian, the data."""
    header = struct.pack(">BBBB", 0, 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, payload: bytes, compress: bool) -> None:
    path.write_bytes(gzip.compress(payload) if compress else payload)


@pytest.fixture
def digits():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8), rng.integers(0, 10, size=5, dtype=np.uint8)


@pytest.mark.parametrize("compress", [False, True], ids=["raw", "gz"])
def test_load_mnist_reads_back_what_was_written(tmp_path, digits, compress):
    images, labels = digits
    suffix = ".gz" if compress else ""
    for stem, images_, labels_ in (("train", images, labels), ("t10k", images[:3], labels[:3])):
        write(tmp_path / f"{stem}-images-idx3-ubyte{suffix}", idx_bytes(images_), compress)
        write(tmp_path / f"{stem}-labels-idx1-ubyte{suffix}", idx_bytes(labels_), compress)

    train = load_mnist(tmp_path)
    assert train.X.shape == (5, 784) and train.X.dtype == np.float32 and train.y.dtype == np.int64
    np.testing.assert_array_equal(train.X.reshape(5, 28, 28), images)
    np.testing.assert_array_equal(train.y, labels)
    test = load_mnist(tmp_path, train=False, as_images=True)
    assert test.X.shape == (3, 1, 28, 28)
    np.testing.assert_array_equal(test.X[:, 0], images[:3])


def test_read_idx_other_types(tmp_path):
    values = np.arange(6, dtype=np.int32).reshape(2, 3) - 3
    path = tmp_path / "values.idx"
    write(path, idx_bytes(values, code=0x0C), compress=True)
    read = read_idx(path)
    assert read.dtype == np.int32 and read.dtype.isnative
    np.testing.assert_array_equal(read, values)
    read[0, 0] = 7  # a writable array, not a view of the file's bytes


def test_torchvision_layout_and_dotted_names(tmp_path, digits):
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    write(raw / "t10k-images.idx3-ubyte", idx_bytes(digits[0]), compress=False)
    write(raw / "t10k-labels.idx1-ubyte.gz", idx_bytes(digits[1]), compress=True)
    np.testing.assert_array_equal(load_mnist(tmp_path, train=False).y, digits[1])


@pytest.mark.parametrize("corrupt, message", [
    (lambda good: b"\x01\x02" + good[2:], "is not an IDX file: magic number 0x0102"),
    (lambda good: good[:2] + b"\x07" + good[3:], "is not an IDX file"),
    (lambda good: good[:6], "truncated: magic 0x00000803 announces 3 dimensions"),
    (lambda good: good[:-1], "needs 3920 (truncated)"),
    (lambda good: good + b"\x00", "(extra bytes at the end)"),
    (lambda good: b"\x00\x00", "too short for an IDX header"),
], ids=["magic", "type code", "short header", "short data", "extra data", "two bytes"])
def test_corrupt_header_or_size_is_a_clear_error(tmp_path, digits, corrupt, message):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(corrupt(idx_bytes(digits[0])))
    with pytest.raises(ValueError, match="read_idx: .*train-images-idx3-ubyte") as info:
        read_idx(path)
    assert message in str(info.value)


def test_load_mnist_checks_magic_numbers_and_counts(tmp_path, digits):
    images, labels = digits
    # images and labels swapped: each file is a valid IDX file, of the wrong kind
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(labels), compress=False)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(images), compress=False)
    with pytest.raises(ValueError, match=r"should hold MNIST images \(magic 0x00000803 = 2051: 3-D unsigned bytes\), "
                                         r"but its magic number is 0x00000801 = 2049"):
        load_mnist(tmp_path)
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(images), compress=False)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(labels[:4]), compress=False)
    with pytest.raises(ValueError, match="has 5 images but .* has 4 labels"):
        load_mnist(tmp_path)


def test_gzip_that_is_damaged_and_missing_files(tmp_path, digits):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(idx_bytes(digits[0]))[:100])
    with pytest.raises(ValueError, match="damaged gzip file"):
        read_idx(path)
    with pytest.raises(FileNotFoundError, match="found no t10k-images-idx3-ubyte"):
        load_mnist(tmp_path, train=False)
