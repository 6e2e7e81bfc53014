"""A fitted sklstm pipeline through skops' ``dump`` and ``load``, for real.

skops refuses to load types it was not told to trust. The types a pipeline
with an LSTM needs are listed here, so that a change in them is noticed and
the documentation (docs/user_guide/persistence.rst) stays true.
"""

import numpy as np
import pytest
import skops.io as sio
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMClassifier, LSTMForecaster, LSTMRegressor, make_windows

FAST = dict(hidden_size=8, max_epochs=3, random_state=0)


def _windows():
    t = np.arange(200)
    series = np.sin(2 * np.pi * t / 12) + 0.01 * t
    return make_windows(series, look_back=12, horizon=2)


@pytest.mark.parametrize(
    "make, target",
    [
        (
            lambda: make_pipeline(StandardScaler(), LSTMRegressor(**FAST)),
            lambda X, y: y[:, 0],
        ),
        (lambda: LSTMForecaster(horizon=2, **FAST), lambda X, y: y),
        (
            lambda: make_pipeline(StandardScaler(), LSTMClassifier(**FAST)),
            lambda X, y: (y[:, 0] > X[:, -1]).astype(int),
        ),
    ],
    ids=["regressor pipeline", "forecaster", "classifier pipeline"],
)
def test_dump_and_load_give_the_same_predictions(make, target, tmp_path):
    X, y = _windows()
    model = make().fit(X, target(X, y))
    path = tmp_path / "model.skops"
    sio.dump(model, path)

    untrusted = sio.get_untrusted_types(file=path)
    # skops does not know sklstm, skorch or torch: the estimator, its skorch
    # net (whose state holds the torch module and optimizer as a pickle)
    # and the torch module need the user's trust.
    assert {"sklstm._net._Net", "sklstm._module.LSTMNet"} <= set(untrusted)
    assert any(name.startswith("torch.optim.") for name in untrusted)
    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.load(path)

    loaded = sio.load(path, trusted=untrusted)
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
