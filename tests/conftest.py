import os

import pytest
from process_state import changes, restore, snapshot

# scikit-learn's array API check (with NumPy input) only runs when SciPy's
# array API support is switched on, which must happen before SciPy is imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")


def _check_left_as_found(what):
    before = snapshot()
    yield
    after = snapshot()
    if leaks := changes(before, after):
        restore(before, after)
        pytest.fail(
            f"{what} left the test process changed (now restored):\n  "
            + "\n  ".join(leaks),
            pytrace=False,
        )


@pytest.fixture(autouse=True)
def _test_leaves_the_process_as_found():
    """Fail a test, with its function fixtures, that leaves the process changed."""
    yield from _check_left_as_found("This test")


@pytest.fixture(autouse=True, scope="module")
def _module_leaves_the_process_as_found():
    """Fail a module whose module-scoped fixtures leave the process changed."""
    yield from _check_left_as_found("This test module's fixtures")
