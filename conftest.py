"""pytest setup shared by every test path (tests/, the docstrings, docs/*.rst).

It lives at the root, not in docs/: with ``--doctest-modules`` two
``conftest.py`` files under the test paths would both be imported as a module
named ``conftest`` and clash.
"""

import pytest
import torch

# Sphinx's configuration and the inventory script are not test modules.
collect_ignore = ["docs/conf.py", "docs/_intersphinx"]


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread_everywhere():
    # As in tests/conftest.py, for the doctests too: tiny networks train
    # faster on one thread.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
