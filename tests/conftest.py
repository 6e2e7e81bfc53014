import matplotlib
import numpy as np
import pandas as pd
import pytest
import torch

matplotlib.use("Agg")


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    # Tiny networks train faster on one thread, and CI has only two cores.
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture
def member_outputs():
    """``f(est, X)``: the output of each network of a fitted ``n_estimators``
    estimator on 3-D ``X``, as ``LSTMNet.member_outputs`` gives them."""

    def outputs(est, X):
        module = est.net_.module_
        assert len(module.members) == est.n_estimators
        Xs = torch.as_tensor(((X - est.x_mean_) / est.x_scale_).astype(np.float32))
        module.eval()
        with torch.no_grad():
            return module.member_outputs(Xs)

    return outputs


@pytest.fixture
def monthly_series():
    """``f(index)``: ten years of a noisy monthly season around 10, as a
    pandas Series on ``index`` (120 dates or periods): the series the client
    libraries' tests (skforecast, sktime) forecast."""

    def series(index):
        rng = np.random.default_rng(0)
        t = np.arange(len(index))
        values = 10 + np.sin(2 * np.pi * t / 12) + 0.1 * rng.normal(size=len(t))
        return pd.Series(values, index=index, name="y")

    return series
