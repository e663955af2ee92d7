"""Checkpoints without pickle: ``mg.save`` / ``mg.load`` for state dicts, written atomically.

The file is a zip archive (stored, not compressed — the layout of NumPy's ``.npz``):

- ``manifest.json``: ``{"format": "minigrad-checkpoint", "version": 1, "root": <value>}``;
- ``arrays/<n>.npy``: one standard ``.npy`` file per array or Tensor, written by
  ``numpy.lib.format.write_array(..., allow_pickle=False)``; object arrays are refused.

A ``<value>`` in the manifest is JSON: ``null``, booleans, numbers, strings and lists stand for
themselves; everything else is an object with one ``$`` tag:
``{"$dict": [[key, value], ...]}`` (so int, float, bool, None and tuple keys keep their type —
an optimizer's state dict is keyed by int; any dict, e.g. an OrderedDict, loads as a plain dict), ``{"$tuple": [...]}``, ``{"$float": "nan"|"inf"|"-inf"}``,
``{"$array": "arrays/0.npy"}``, ``{"$scalar": "arrays/1.npy"}`` (a NumPy scalar, kept as its dtype)
and ``{"$tensor": "arrays/2.npy", "requires_grad": false}`` (loaded back as a ``Tensor``).

Loading never runs code: JSON is parsed as data and ``.npy`` headers by NumPy's header reader;
nothing is unpickled. Saving writes a temporary file in the target's folder, flushes and fsyncs
it, then renames it over the target (``os.replace``, atomic on POSIX and Windows), so a crash or
an error mid-save leaves the previous checkpoint intact and no temporary file behind. A path that
is a symbolic link is saved through: the temporary file goes beside the file it links to, which
is replaced, and the link stays.
"""
from __future__ import annotations

import errno
import io
import json
import math
import os
import stat
import tempfile
import zipfile

import numpy as np
from numpy.lib import format as npy_format

from .tensor import Tensor

FORMAT = "minigrad-checkpoint"
VERSION = 1
MANIFEST = "manifest.json"

__all__ = ["save", "load", "CheckpointError"]


class CheckpointError(ValueError):
    """A file that is not a readable minigrad checkpoint (truncated, corrupt or foreign)."""


# -- encoding ------------------------------------------------------------------------------
def _encode(value, arrays: list, where: str):
    """The JSON form of ``value``; arrays are appended to ``arrays`` and referred to by name."""
    if isinstance(value, Tensor):
        return {"$tensor": _add_array(value.data, arrays, where), "requires_grad": value.requires_grad}
    if isinstance(value, np.ndarray):
        return {"$array": _add_array(value, arrays, where)}
    if isinstance(value, np.generic):  # before float: np.float64 is a subclass of float
        return {"$scalar": _add_array(np.asarray(value), arrays, where)}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, dict):
        pairs = []
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool, tuple)) and key is not None:
                raise TypeError(f"mg.save: cannot save the dict key {key!r} at {where} (of type "
                                f"{type(key).__name__}); keys must be str, int, float, bool, None or tuples")
            pairs.append([_encode(key, arrays, where), _encode(item, arrays, f"{where}[{key!r}]")])
        return {"$dict": pairs}
    if isinstance(value, list):
        return [_encode(item, arrays, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, tuple):
        return {"$tuple": [_encode(item, arrays, f"{where}[{i}]") for i, item in enumerate(value)]}
    raise TypeError(f"mg.save: cannot save {type(value).__name__} at {where}; a checkpoint holds "
                    "dicts, lists, tuples, NumPy arrays, Tensors, numbers, strings, bools and None "
                    "(no pickle, so no arbitrary objects)")


def _add_array(array: np.ndarray, arrays: list, where: str) -> str:
    if array.dtype.hasobject:
        raise TypeError(f"mg.save: the array at {where} has dtype {array.dtype}, which holds Python "
                        "objects and would need pickle; convert it to a numeric array")
    arrays.append(array)
    return f"arrays/{len(arrays) - 1}.npy"


# -- saving --------------------------------------------------------------------------------
def save(obj, path) -> None:
    """Save ``obj`` (e.g. ``model.state_dict()``, ``optimizer.state_dict()`` or a dict of both)
    to ``path`` atomically: either the whole new file is there afterwards, or the old one is."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"mg.save needs a file path (it writes a temporary file beside it and renames "
                        f"it), got {type(path).__name__}")
    path = _through_links(os.fspath(path))
    arrays: list = []
    manifest = {"format": FORMAT, "version": VERSION, "root": _encode(obj, arrays, "obj")}
    manifest_bytes = json.dumps(manifest, allow_nan=False).encode("utf-8")

    directory = os.path.dirname(os.path.abspath(path))
    mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
                archive.writestr(MANIFEST, manifest_bytes)
                for i, array in enumerate(arrays):
                    with archive.open(f"arrays/{i}.npy", "w", force_zip64=True) as member:
                        npy_format.write_array(member, array, allow_pickle=False)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _through_links(path: str) -> str:
    """The file a save to ``path`` must replace: a symbolic link is followed (to the end of a
    chain of them), so the linked-to checkpoint is updated and the link kept, as ``open(path, "w")``
    would; the target need not exist yet. A link loop raises OSError (ELOOP)."""
    chain = [path]
    while os.path.islink(path):
        if len(chain) > 40:  # Linux's own limit on links followed in one lookup
            break
        target = os.readlink(path)
        path = os.path.join(os.path.dirname(path), target)  # a relative target is relative to the link
        if os.path.normpath(os.path.abspath(path)) in {os.path.normpath(os.path.abspath(p)) for p in chain}:
            chain.append(path)
            break
        chain.append(path)
    else:
        return path
    raise OSError(errno.ELOOP, f"mg.save: cannot save to {chain[0]}: it is a loop of symbolic links "
                               f"({' -> '.join(chain)}); point the link at a file, or remove it",
                  chain[0])


def _file_mode(path: str) -> int:
    """Permissions for the new file: the old file's, or the usual 0o666 minus the umask
    (mkstemp creates 0o600)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        pass
    try:  # Linux reports the umask without changing it
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); not possible, nor needed, everywhere."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# -- loading -------------------------------------------------------------------------------
def load(path):
    """Load what ``save`` wrote: dicts, lists, tuples, arrays (writable), Tensors, numbers,
    strings, bools and None. A truncated, corrupt or foreign file raises ``CheckpointError``
    (a ``ValueError``) that names the path; nothing in the file is ever executed."""
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"mg.load needs a file path, got {type(path).__name__}")
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(8)
    if not head.startswith(b"PK\x03\x04"):
        raise CheckpointError(f"{path}: not a minigrad checkpoint ({_describe(head)})")
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if MANIFEST not in names:
                hint = (" — it looks like a PyTorch checkpoint (torch.save), which needs pickle; load "
                        "it with torch and convert the tensors to NumPy arrays"
                        if any(n.endswith("data.pkl") for n in names) else "")
                raise CheckpointError(f"{path}: not a minigrad checkpoint: a zip archive without "
                                      f"{MANIFEST}{hint}")
            manifest = json.loads(archive.read(MANIFEST).decode("utf-8"), parse_constant=_reject_constant)
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise CheckpointError(f"{path}: not a minigrad checkpoint (its {MANIFEST} does not "
                                      f"declare format {FORMAT!r})")
            if manifest.get("version") != VERSION:
                raise CheckpointError(f"{path}: checkpoint format version {manifest.get('version')!r} "
                                      f"is not supported (this minigrad reads version {VERSION})")
            if "root" not in manifest:
                raise CheckpointError(f"{path}: the manifest has no 'root' entry")
            return _Decoder(archive, names).decode(manifest["root"])
    except CheckpointError:
        raise
    except _Corrupt as exc:
        raise CheckpointError(f"{path}: corrupt minigrad checkpoint: {exc}") from None
    except zipfile.BadZipFile as exc:
        if "not a zip file" in str(exc):  # the directory at the end of every zip is missing
            raise CheckpointError(f"{path}: truncated or damaged minigrad checkpoint: the zip directory "
                                  "at its end is missing (cut short by an interrupted copy or download?)") from None
        raise CheckpointError(f"{path}: corrupt minigrad checkpoint ({exc})") from None
    except (zipfile.LargeZipFile, EOFError, UnicodeDecodeError, RecursionError,
            ValueError, KeyError) as exc:  # JSONDecodeError is a ValueError
        raise CheckpointError(f"{path}: truncated or corrupt minigrad checkpoint "
                              f"({type(exc).__name__}: {exc})") from exc


class _Corrupt(Exception):
    """Raised while decoding a manifest that does not follow the format."""


def _reject_constant(name: str):
    raise _Corrupt(f"the manifest contains the non-JSON constant {name}")


def _describe(head: bytes) -> str:
    """A guess at what a foreign file is, from its first bytes."""
    if not head:
        return "the file is empty"
    if head[:1] == b"\x80" or head[:1] in (b"(", b"]", b"}"):
        return "it looks like a pickle file; minigrad never unpickles, as that can run arbitrary code"
    if head.startswith(b"\x93NUMPY"):
        return "it is a single .npy array; use numpy.load(path, allow_pickle=False)"
    if b"PK\x03\x04".startswith(head):
        return f"the file is truncated: only {len(head)} bytes"
    return f"it starts with {head!r}, not a zip archive's b'PK\\x03\\x04'"


class _Decoder:
    def __init__(self, archive: zipfile.ZipFile, names: set):
        self.archive, self.names = archive, names

    def decode(self, value):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.decode(item) for item in value]
        if not isinstance(value, dict) or len(value) == 0:
            raise _Corrupt(f"unexpected manifest entry {value!r:.80}")
        tag = next(iter(value))
        body = value[tag]
        if tag == "$dict" and len(value) == 1 and isinstance(body, list):
            result = {}
            for pair in body:
                if not (isinstance(pair, list) and len(pair) == 2):
                    raise _Corrupt(f"a $dict entry is not a [key, value] pair: {pair!r:.80}")
                key = self.decode(pair[0])
                if isinstance(key, (list, dict, np.ndarray, Tensor)):
                    raise _Corrupt(f"unhashable dict key {pair[0]!r:.80}")
                result[key] = self.decode(pair[1])
            return result
        if tag == "$tuple" and len(value) == 1 and isinstance(body, list):
            return tuple(self.decode(item) for item in body)
        if tag == "$float" and len(value) == 1 and body in ("nan", "inf", "-inf"):
            return float(body)
        if tag == "$array" and len(value) == 1:
            return self.array(body)
        if tag == "$scalar" and len(value) == 1:
            array = self.array(body)
            if array.ndim != 0:
                raise _Corrupt(f"{body} should hold a scalar but has shape {array.shape}")
            return array[()]
        if tag == "$tensor" and set(value) == {"$tensor", "requires_grad"}:
            array = self.array(body)
            tensor = Tensor._wrap(array)
            if value["requires_grad"] is True:
                tensor.requires_grad_(True)
            return tensor
        raise _Corrupt(f"unknown manifest entry {value!r:.80}")

    def array(self, name) -> np.ndarray:
        if not isinstance(name, str) or name not in self.names:
            raise _Corrupt(f"the manifest refers to a missing array member {name!r}")
        raw = self.archive.read(name)  # checks the member's CRC
        return _read_npy(raw, name)


def _read_npy(raw: bytes, name: str) -> np.ndarray:
    """Parse one .npy member into a writable array; only plain (non-object) dtypes are accepted."""
    stream = io.BytesIO(raw)
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_2_0(stream)
        else:
            raise _Corrupt(f"{name}: unsupported .npy version {version}")
    except ValueError as exc:
        raise _Corrupt(f"{name}: bad .npy header ({exc})") from None
    if dtype.hasobject:
        raise _Corrupt(f"{name}: dtype {dtype} holds Python objects (it would need pickle)")
    count = math.prod(shape)
    offset = stream.tell()
    if len(raw) - offset != count * dtype.itemsize:
        raise _Corrupt(f"{name}: {count * dtype.itemsize} bytes of data expected for shape {shape} "
                       f"and dtype {dtype}, found {len(raw) - offset}")
    data = bytearray(memoryview(raw)[offset:])  # a bytearray, so the array is writable
    array = np.frombuffer(data, dtype=dtype, count=count)
    return array.reshape(shape, order="F" if fortran_order else "C")
