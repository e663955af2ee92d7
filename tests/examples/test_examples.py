"""Every course example runs in --quick mode and reaches its target."""
import pytest

from minigrad.course import list_examples, run_example

EXAMPLES = [module for _, module, _ in list_examples()]


@pytest.mark.parametrize("module", EXAMPLES)
def test_example_reaches_its_target_in_quick_mode(module, tmp_path):
    result = run_example(module, ["--quick", "--out", str(tmp_path)])
    assert result.passed, f"{module}: {result.line()} details={result.details}"
    for plot in result.plots:
        assert (tmp_path / plot).exists() or __import__("os").path.exists(plot), f"{module}: plot {plot} was not written"


def test_examples_are_numbered_in_course_order():
    numbers = [int(number) for number, _, _ in list_examples()]
    assert numbers == sorted(set(numbers))
