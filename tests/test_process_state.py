"""The guard of conftest.py: a test that leaves the process changed fails."""

import os
from pathlib import Path

import pytest
import sklearn
import torch
from process_state import changes, restore, snapshot

pytest_plugins = ["pytester"]

HERE = Path(__file__).parent


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda: os.environ.update(OMP_NUM_THREADS="1"), "OMP_NUM_THREADS"),
        (lambda: torch.set_num_threads(torch.get_num_threads() + 1), "torch threads"),
        (lambda: torch.set_default_dtype(torch.float64), "torch default dtype"),
        (lambda: sklearn.set_config(assume_finite=True), "assume_finite"),
    ],
)
def test_a_change_is_named_and_restored(change, expected):
    before = snapshot()
    change()
    after = snapshot()
    lines = changes(before, after)
    restore(before, after)
    assert any(expected in line for line in lines)
    assert changes(before, snapshot()) == []


def test_a_leaking_test_fails_and_the_next_one_finds_the_process_restored(pytester):
    pytester.makeconftest((HERE / "conftest.py").read_text())
    pytester.makepyfile(process_state=(HERE / "process_state.py").read_text())
    pytester.makepyfile(
        test_leaks="""
        import os

        def test_leaks():
            os.environ["SKAE_LEAK"] = "1"

        def test_runs_after():
            assert "SKAE_LEAK" not in os.environ
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(
        ["This test left the test process changed*", "*SKAE_LEAK*'(unset)' -> '1'"]
    )
