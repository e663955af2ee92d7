"""MNIST from its standard IDX files (gzip-compressed or not), read with NumPy; nothing is downloaded.

An IDX file is a 4-byte magic number — two zero bytes, a type code (0x08 = unsigned byte) and the
number of dimensions — then each dimension as a big-endian uint32, then the values, big-endian,
row-major.  MNIST's images are 0x00000803 (2051: unsigned bytes, 3-D [N, 28, 28]) and its labels
0x00000801 (2049: unsigned bytes, 1-D [N]).  Every check below raises with the file and the numbers.
"""
from __future__ import annotations

import gzip
import math
import os

import numpy as np

from .datasets import LabeledArrays

# IDX type code -> big-endian NumPy dtype
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801
MNIST_FILES = {True: ("train-images", "train-labels"), False: ("t10k-images", "t10k-labels")}


def _read_bytes(path) -> bytes:
    with open(path, "rb") as file:
        raw = file.read()
    if raw[:2] == b"\x1f\x8b":  # gzip's own magic: decide by content, not by the file name
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"read_idx: {path} is a damaged gzip file ({exc})") from None
    return raw


def read_idx_with_magic(path) -> tuple[int, np.ndarray]:
    """(magic number, array) of one IDX file; the array has the file's dtype and shape."""
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"read_idx: {path} has {len(raw)} bytes, too short for an IDX header (4 bytes at least)")
    magic = int.from_bytes(raw[:4], "big")
    zeros, code, ndim = raw[0:2], raw[2], raw[3]
    if zeros != b"\x00\x00" or code not in IDX_TYPES:
        raise ValueError(f"read_idx: {path} is not an IDX file: magic number 0x{magic:08X}; an IDX magic number is "
                         f"0x0000TTDD with type code TT in {sorted(f'0x{c:02X}' for c in IDX_TYPES)} "
                         f"(MNIST images 0x{IMAGES_MAGIC:08X}, labels 0x{LABELS_MAGIC:08X})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"read_idx: {path} is truncated: magic 0x{magic:08X} announces {ndim} dimensions "
                         f"({header} header bytes), but the file has only {len(raw)} bytes")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[code])
    expected = math.prod(shape) * dtype.itemsize  # Python ints: a corrupt header cannot overflow this
    if len(raw) - header != expected:
        problem = "truncated" if len(raw) - header < expected else "extra bytes at the end"
        raise ValueError(f"read_idx: {path} has {len(raw) - header} data bytes after its header, but its shape "
                         f"{shape} of {dtype.name} needs {expected} ({problem})")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return magic, data.astype(dtype.newbyteorder("="))  # native byte order, and a writable copy


def read_idx(path) -> np.ndarray:
    """The array stored in an IDX file (``.gz`` or not), e.g. uint8 [60000, 28, 28] for MNIST's images."""
    return read_idx_with_magic(path)[1]


def find_mnist_file(root, stem: str, kind: str) -> str:
    """``root/stem-<kind>`` with ``-`` or ``.`` before the kind, ``.gz`` or not, in root, root/raw or
    root/MNIST/raw (torchvision's layout)."""
    folders = (root, os.path.join(root, "raw"), os.path.join(root, "MNIST", "raw"))
    for folder in folders:
        for name in (f"{stem}-{kind}", f"{stem}.{kind}"):
            for suffix in ("", ".gz"):
                path = os.path.join(folder, name + suffix)
                if os.path.isfile(path):
                    return path
    raise FileNotFoundError(f"load_mnist: found no {stem}-{kind} (nor {stem}.{kind}, nor either with .gz) in "
                            + ", ".join(folders))


def _check(path, magic: int, data: np.ndarray, expected_magic: int, what: str) -> None:
    if magic != expected_magic:
        ndim = expected_magic & 0xFF
        raise ValueError(f"load_mnist: {path} should hold MNIST {what} (magic 0x{expected_magic:08X} = "
                         f"{expected_magic}: {ndim}-D unsigned bytes), but its magic number is 0x{magic:08X} = "
                         f"{magic} (shape {data.shape})")


def load_mnist(root, train: bool = True, as_images: bool = False) -> LabeledArrays:
    """MNIST's training (60000) or test (10000) digits from the IDX files in ``root``: X float32 pixel
    values 0..255 as [N, 784], or [N, 1, 28, 28] (N, C, H, W) with ``as_images=True``; y int64 in 0..9."""
    image_stem, label_stem = MNIST_FILES[bool(train)]
    image_path = find_mnist_file(os.fspath(root), image_stem, "idx3-ubyte")
    label_path = find_mnist_file(os.fspath(root), label_stem, "idx1-ubyte")
    magic, images = read_idx_with_magic(image_path)
    _check(image_path, magic, images, IMAGES_MAGIC, "images")
    magic, labels = read_idx_with_magic(label_path)
    _check(label_path, magic, labels, LABELS_MAGIC, "labels")
    if len(images) != len(labels):
        raise ValueError(f"load_mnist: {image_path} has {len(images)} images but {label_path} has "
                         f"{len(labels)} labels")
    if labels.size and labels.max() > 9:
        raise ValueError(f"load_mnist: {label_path} has label {int(labels.max())}; MNIST labels are 0..9")
    X = images.astype(np.float32)
    X = X[:, None] if as_images else X.reshape(len(X), -1)
    pixels = [f"pixel_{i}" for i in range(math.prod(images.shape[1:]))]
    return LabeledArrays(X, labels.astype(np.int64), pixels, [str(d) for d in range(10)],
                         "mnist" if train else "mnist_test")
