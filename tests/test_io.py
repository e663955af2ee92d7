"""mg.save / mg.load: round trips, no pickle anywhere, atomic writes, clear errors on bad files."""
import collections
import errno
import json
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest

import minigrad as mg
import minigrad.io as mio
from minigrad.io import CheckpointError


def sample():
    rng = np.random.default_rng(0)
    return {
        "model": collections.OrderedDict([
            ("fc1.weight", mg.tensor(rng.normal(size=(4, 3)).astype(np.float32))),
            ("fc1.bias", mg.tensor(rng.normal(size=4), dtype=mg.float64, requires_grad=True)),
        ]),
        "arrays": {
            "f32": rng.normal(size=(2, 3)).astype(np.float32),
            "f64": rng.normal(size=(3,)),
            "i64": np.arange(-5, 5, dtype=np.int64),
            "u8": np.arange(256, dtype=np.uint8).reshape(16, 16),
            "bool": np.array([True, False]),
            "c128": np.array([1 + 2j, -3j]),
            "zero_d": np.array(2.5),
            "empty": np.zeros((0, 4), dtype=np.float32),
            "fortran": np.asfortranarray(rng.normal(size=(3, 5))),
            "strided": np.arange(20.0)[::3],
            "big_endian": np.arange(4, dtype=">f8"),
        },
        "optimizer": {"state": {0: {"step": 7, "exp_avg": rng.normal(size=3)}, 1: {"momentum_buffer": None}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "nesterov": False,
                                        "params": [0, 1]}]},
        "numbers": [0, -1, 2 ** 70, 1.5, 1e-300, float("inf"), float("-inf"), True, False, None],
        "numpy_scalars": [np.float32(1.25), np.int64(-3), np.bool_(True)],
        "strings": ["", "stock SP500", "미 레 도", 'quote " and \\ backslash'],
        "keys": {1: "int", 2.5: "float", False: "bool", None: "none", (1, "a"): "tuple", "1": "str"},
        "empty": {"dict": {}, "list": [], "tuple": ()},
    }


def assert_same(a, b, where="obj"):
    assert type(a) is type(b) or (isinstance(a, dict) and isinstance(b, dict)), \
        f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, mg.Tensor):
        assert a.dtype == b.dtype and a.requires_grad == b.requires_grad, where
        np.testing.assert_array_equal(a.data, b.data, err_msg=where)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        assert [type(k) for k in a] == [type(k) for k in b], where
        for key in a:
            assert_same(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b and type(a) is type(b), where


# -- round trips ---------------------------------------------------------------------------
def test_round_trip(tmp_path):
    obj = sample()
    path = tmp_path / "checkpoint.mgz"
    mg.save(obj, path)
    loaded = mg.load(path)
    assert_same(obj, loaded)
    assert isinstance(loaded["model"]["fc1.weight"], mg.Tensor)
    assert loaded["optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert list(loaded["optimizer"]["state"]) == [0, 1]  # int keys stay ints
    assert np.isnan(mg.load(_save(tmp_path, float("nan"))))


def test_loaded_arrays_are_writable_and_independent(tmp_path):
    mg.save({"a": np.zeros(3), "t": mg.zeros(2)}, tmp_path / "c")
    loaded = mg.load(tmp_path / "c")
    loaded["a"] += 1
    loaded["t"].data[0] = 5
    assert loaded["a"].flags.writeable and loaded["a"].tolist() == [1, 1, 1]


def test_saving_overwrites_and_accepts_str_paths(tmp_path):
    path = str(tmp_path / "c")
    mg.save({"v": 1}, path)
    mg.save({"v": 2}, path)
    assert mg.load(path) == {"v": 2}
    assert os.listdir(tmp_path) == ["c"]


def test_unsupported_values_raise_before_touching_the_file(tmp_path):
    path = tmp_path / "c"
    mg.save({"v": 1}, path)
    for bad in ({"x": np.array([1, "a"], dtype=object)}, {"x": {1, 2}}, {"x": lambda: 0},
                {"x": object()}, {frozenset(): 1}):
        with pytest.raises(TypeError, match="cannot save|Python objects"):
            mg.save(bad, path)
    assert mg.load(path) == {"v": 1}
    assert os.listdir(tmp_path) == ["c"]


def test_file_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        mg.save({"v": 1}, tmp_path / "new")
        assert os.stat(tmp_path / "new").st_mode & 0o777 == 0o644  # not mkstemp's 0o600
        os.chmod(tmp_path / "new", 0o640)
        mg.save({"v": 2}, tmp_path / "new")
        assert os.stat(tmp_path / "new").st_mode & 0o777 == 0o640  # an existing file's mode is kept
    finally:
        os.umask(umask)


# -- symbolic links ------------------------------------------------------------------------
symlinks = pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32",
                              reason="needs POSIX symbolic links")


@symlinks
@pytest.mark.parametrize("link_target", ["absolute", "relative", "chain"])
def test_save_through_a_symlink_updates_its_target_and_keeps_the_link(tmp_path, link_target):
    real = tmp_path / "checkpoints" / "real.ckpt"
    real.parent.mkdir()
    mg.save({"v": 1}, real)
    os.chmod(real, 0o640)
    link = tmp_path / "latest.ckpt"
    if link_target == "absolute":
        os.symlink(real, link)
    elif link_target == "relative":
        os.symlink(os.path.join("checkpoints", "real.ckpt"), link)
    else:
        os.symlink("real.ckpt", tmp_path / "checkpoints" / "middle.ckpt")
        os.symlink(os.path.join("checkpoints", "middle.ckpt"), link)
    mg.save({"v": 2}, link)
    assert os.path.islink(link)
    assert mg.load(real) == {"v": 2} and mg.load(link) == {"v": 2}
    assert os.stat(real).st_mode & 0o777 == 0o640  # the target's mode is kept
    assert sorted(os.listdir(tmp_path)) == ["checkpoints", "latest.ckpt"]  # no temp file anywhere
    assert sorted(os.listdir(real.parent)) == sorted(["real.ckpt"] + (["middle.ckpt"] if link_target == "chain" else []))


@symlinks
def test_save_through_a_dangling_symlink_creates_its_target(tmp_path):
    os.symlink("new.ckpt", tmp_path / "link")
    mg.save({"v": 3}, tmp_path / "link")
    assert os.path.islink(tmp_path / "link") and mg.load(tmp_path / "new.ckpt") == {"v": 3}


@symlinks
def test_failed_save_through_a_symlink_keeps_the_target(tmp_path, monkeypatch):
    mg.save({"v": 1}, tmp_path / "real")
    os.symlink("real", tmp_path / "link")

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(mio.npy_format, "write_array", broken)
    with pytest.raises(OSError, match="disk full"):
        mg.save({"v": np.zeros(3)}, tmp_path / "link")
    assert mg.load(tmp_path / "real") == {"v": 1}
    assert sorted(os.listdir(tmp_path)) == ["link", "real"]


@symlinks
@pytest.mark.parametrize("links", [["self"], ["a", "b"], ["a", "b", "c"]])
def test_save_to_a_symlink_loop_is_refused(tmp_path, links):
    for name, target in zip(links, links[1:] + links[:1]):
        os.symlink(target, tmp_path / name)
    with pytest.raises(OSError, match=r"loop of symbolic links") as info:
        mg.save({"v": 1}, tmp_path / links[0])
    assert info.value.errno == errno.ELOOP
    assert sorted(os.listdir(tmp_path)) == sorted(set(links))  # nothing written, no temp file


# -- no pickle -----------------------------------------------------------------------------
def test_file_is_a_zip_of_json_and_plain_npy_members(tmp_path):
    obj = sample()
    path = tmp_path / "c.mgz"
    mg.save(obj, path)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert names[0] == "manifest.json"
        assert all(n.startswith("arrays/") and n.endswith(".npy") for n in names[1:])
        manifest = json.loads(archive.read("manifest.json"))  # strict JSON (no NaN/Infinity)
        assert manifest["format"] == "minigrad-checkpoint" and manifest["version"] == 1
        for name in names[1:]:
            with archive.open(name) as member:
                np.load(member, allow_pickle=False)  # raises if a member needed pickle
    with np.load(path, allow_pickle=False) as npz:  # also readable as an .npz by NumPy alone
        np.testing.assert_array_equal(npz["arrays/0"], obj["model"]["fc1.weight"].data)
    raw = path.read_bytes()
    assert b"data.pkl" not in raw and b"cnumpy" not in raw  # no pickled objects or globals


# -- atomicity / fault injection -----------------------------------------------------------
def _save(folder, obj, name="c"):
    path = folder / name
    mg.save(obj, path)
    return path


@pytest.mark.parametrize("where", ["write_array", "fsync", "replace"])
def test_failed_write_keeps_previous_file_and_leaves_no_temp_file(tmp_path, monkeypatch, where):
    path = _save(tmp_path, {"old": np.arange(3.0)})
    before = path.read_bytes()

    class Boom(Exception):
        pass

    if where == "write_array":
        real = mio.npy_format.write_array
        calls = []

        def failing(fp, array, **kwargs):
            calls.append(1)
            if len(calls) == 2:  # the second array: half of it written, then the disk "fails"
                fp.write(b"\x00" * 64)
                raise Boom("disk full")
            return real(fp, array, **kwargs)
        monkeypatch.setattr(np.lib.format, "write_array", failing)
    elif where == "fsync":
        monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(Boom("I/O error")))
    else:
        monkeypatch.setattr(os, "replace", lambda a, b: (_ for _ in ()).throw(Boom("rename failed")))

    with pytest.raises(Boom):
        mg.save({"new": np.ones(1000), "more": np.ones(1000), "third": np.ones(5)}, path)
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["c"]  # no temporary file left behind
    assert path.read_bytes() == before
    np.testing.assert_array_equal(mg.load(path)["old"], np.arange(3.0))


def test_keyboard_interrupt_mid_write_also_cleans_up(tmp_path, monkeypatch):
    path = _save(tmp_path, {"old": 1})

    def interrupted(fp, array, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(np.lib.format, "write_array", interrupted)
    with pytest.raises(KeyboardInterrupt):
        mg.save({"new": np.ones(3)}, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["c"] and mg.load(path) == {"old": 1}


def test_process_killed_mid_write_leaves_previous_file_intact(tmp_path):
    """A real crash: the process dies (os._exit) halfway through writing. Cleanup cannot run, so
    the temporary file stays, but the checkpoint itself is the complete old one."""
    path = _save(tmp_path, {"epoch": 3, "w": np.arange(5.0)})
    script = (
        "import os, numpy as np, minigrad as mg\n"
        "real = np.lib.format.write_array\n"
        "def dying(fp, array, **kw):\n"
        "    fp.write(b'partial')\n"
        "    os._exit(17)\n"
        "np.lib.format.write_array = dying\n"
        f"mg.save({{'epoch': 4, 'w': np.zeros(100000)}}, {str(path)!r})\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert result.returncode == 17, result.stderr.decode()
    loaded = mg.load(path)
    assert loaded["epoch"] == 3
    np.testing.assert_array_equal(loaded["w"], np.arange(5.0))
    leftovers = [n for n in os.listdir(tmp_path) if n != "c"]
    assert len(leftovers) == 1 and leftovers[0].startswith(".c.") and leftovers[0].endswith(".tmp")


# -- bad files -----------------------------------------------------------------------------
@pytest.mark.parametrize("keep", [0, 3, 30, 0.5, -1])
def test_truncated_file_raises_naming_the_path(tmp_path, keep):
    path = _save(tmp_path, sample())
    raw = path.read_bytes()
    n = {0.5: len(raw) // 2, -1: len(raw) - 1}.get(keep, keep)
    path.write_bytes(raw[:n])
    with pytest.raises(CheckpointError, match="checkpoint|empty") as info:
        mg.load(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


def test_corrupted_byte_raises(tmp_path):
    path = _save(tmp_path, {"w": np.zeros(1000)})
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # inside the array data: the zip CRC catches it
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="corrupt") as info:
        mg.load(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("prefix", [b"", b"PK\x03\x04"])
def test_random_bytes_raise(tmp_path, prefix):
    path = tmp_path / "random.bin"
    path.write_bytes(prefix + np.random.default_rng(0).bytes(4096))
    with pytest.raises(CheckpointError, match="checkpoint") as info:
        mg.load(path)
    assert str(path) in str(info.value)


def test_foreign_files_raise(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("epoch,loss\n1,0.5\n")
    npy = tmp_path / "a.npy"
    np.save(npy, np.arange(3))
    npz = tmp_path / "a.npz"
    np.savez(npz, a=np.arange(3))
    for path, hint in [(text, "not a minigrad checkpoint"), (npy, "single .npy"), (npz, "without manifest")]:
        with pytest.raises(CheckpointError, match=hint) as info:
            mg.load(path)
        assert str(path) in str(info.value)


def test_torch_checkpoint_raises_with_a_hint(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, path)
    with pytest.raises(CheckpointError, match="PyTorch checkpoint"):
        mg.load(path)


class _Payload:
    """Unpickling this calls os.mkdir(marker): proof that a pickle ran code."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


@pytest.mark.parametrize("protocol", [0, 2, pickle.HIGHEST_PROTOCOL])
def test_pickle_file_raises_without_executing_it(tmp_path, protocol):
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Payload(probe), protocol=protocol))
    assert probe.exists()  # the payload does run when unpickled ...

    marker = tmp_path / "marker"
    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps({"state": _Payload(marker)}, protocol=protocol))
    with pytest.raises(CheckpointError, match="pickle") as info:
        mg.load(path)
    assert str(path) in str(info.value)
    assert not marker.exists()  # ... but mg.load never unpickles it


def test_pickle_hidden_in_a_zip_member_is_not_run(tmp_path):
    """A crafted checkpoint whose array member is an object-dtype .npy (pickled payload)."""
    marker = tmp_path / "marker"
    path = tmp_path / "evil.mgz"
    array = np.empty(1, dtype=object)
    array[0] = _Payload(marker)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps(
            {"format": "minigrad-checkpoint", "version": 1, "root": {"$array": "arrays/0.npy"}}))
        with archive.open("arrays/0.npy", "w") as member:
            np.lib.format.write_array(member, array, allow_pickle=True)
    with pytest.raises(CheckpointError, match="Python objects") as info:
        mg.load(path)
    assert str(path) in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize("root, message", [
    ({"$array": "arrays/9.npy"}, "missing array"),
    ({"$eval": "os.system('x')"}, "unknown manifest entry"),
    ({"$dict": [[[1, 2], 3]]}, "unhashable"),
    ({"$dict": [[1]]}, "pair"),
])
def test_malformed_manifest_raises(tmp_path, root, message):
    path = tmp_path / "bad.mgz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "minigrad-checkpoint", "version": 1,
                                                      "root": root}))
    with pytest.raises(CheckpointError, match=message):
        mg.load(path)


def test_newer_format_version_is_refused(tmp_path):
    path = tmp_path / "future.mgz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"format": "minigrad-checkpoint", "version": 2,
                                                      "root": None}))
    with pytest.raises(CheckpointError, match="version 2"):
        mg.load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "nope")
