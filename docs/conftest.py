"""pytest setup for the doctests of the documentation pages (``*.rst``)."""

import pytest
import torch

# conf.py and the inventory script are not test modules.
collect_ignore = ["conf.py", "_intersphinx"]


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    # As in tests/conftest.py: tiny networks train faster on one thread.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
