"""The minigrad command: list, run, course (one table, failures reported and counted), kernels."""
import importlib.machinery
import importlib.util
import os
import subprocess
import sys
import types

import pytest

from minigrad import cli
from minigrad.course import Result

HEADER = ["example", "what it shows", "metric", "value", "target", "seconds", "result"]


def test_list_prints_the_examples(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "00_demo" in out and "logistic regression" in out


def test_run_demo_quick(tmp_path, capsys):
    assert cli.main(["run", "00_demo", "--quick", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "-> PASS" in out
    assert all(column in out for column in HEADER)
    assert os.path.exists(tmp_path / "00_demo" / "learning_curve.png")


def test_unknown_example_is_a_clear_error(capsys):
    assert cli.main(["run", "no_such_example"]) == 2
    err = capsys.readouterr().err
    assert "no example named 'no_such_example'" in err and "00_demo" in err
    assert cli.main(["course", "--only", "0,99"]) == 2
    assert "'99'" in capsys.readouterr().err


def test_course_quick_only_demo(tmp_path, capsys):
    assert cli.main(["course", "--quick", "--only", "0", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("example"))
    assert header.split() == "example what it shows metric value target seconds result".split()
    assert "1 passed, 0 failed of 1 examples" in out


def test_course_reports_a_raising_example_and_goes_on(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "list_examples", lambda: [("01", "01_broken", "raises"), ("02", "02_fine", "passes")])

    def fake_run(module, argv):
        if module == "01_broken":
            raise ValueError("shapes (2, 3) and (4, 5) cannot be multiplied")
        assert argv[:2] == ["--out", os.path.join(str(tmp_path), "02_fine")] and "--quick" in argv
        return Result(metric="accuracy", value=0.99, target=">= 0.9", passed=True)

    monkeypatch.setattr(cli, "run_example", fake_run)
    assert cli.main(["course", "--quick", "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    rows = {line.split()[0]: line for line in captured.out.splitlines() if line.startswith(("01_", "02_"))}
    assert "FAIL" in rows["01_broken"] and "ValueError: shapes (2, 3)" in rows["01_broken"]
    assert "PASS" in rows["02_fine"] and "0.99" in rows["02_fine"]
    assert "Traceback" in captured.err and "1 passed, 1 failed of 2 examples" in captured.out


def test_kernels_slot(monkeypatch, capsys):
    if importlib.util.find_spec("minigrad.kernel_report") is None:
        assert cli.main(["kernels"]) == 1
        assert "not available yet" in capsys.readouterr().err
    calls = []
    fake = types.ModuleType("minigrad.kernel_report")
    fake.__spec__ = importlib.machinery.ModuleSpec("minigrad.kernel_report", None)
    fake.main = lambda argv: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "minigrad.kernel_report", fake)
    assert cli.main(["kernels", "--quick", "--backend", "numpy"]) == 0
    assert calls == [["--quick", "--backend", "numpy"]]


def test_python_dash_m(tmp_path):
    done = subprocess.run([sys.executable, "-m", "minigrad", "list"], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert done.returncode == 0 and "00_demo" in done.stdout


def test_no_command_prints_usage(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main([])
    assert info.value.code == 2 and "usage: minigrad" in capsys.readouterr().err
