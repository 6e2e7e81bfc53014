"""The forecaster's window preprocessing (sklstm._target): numpy rules, their
torch twin against them, and the "auto" choice that reads windows through
them."""

import numpy as np
import pytest
import torch

from sklstm import LSTMForecaster, make_windows
from sklstm._target import (
    _choose_target_transform,
    _TorchWindowTransform,
    _WindowTransform,
)


def _positive_windows(n=40, length=8, n_channels=2, seed=0, target_index=0):
    """Windows whose channel ``target_index`` is a positive series."""
    rng = np.random.default_rng(seed)
    series = 50 + 10 * np.sin(np.arange(n + length + 5) / 3.0)
    series = series + rng.standard_normal(len(series))
    X = np.stack([series[i : i + length] for i in range(n)])[:, :, None]
    if n_channels > 1:
        X = np.concatenate([X, rng.standard_normal((n, length, 1))], axis=2)
    y = np.stack([series[i + length : i + length + 4] for i in range(n)])
    if target_index == 1:
        X = X[:, :, ::-1].copy()
    return X, y


PREPS = [
    dict(transform=t, difference=d, normalize=z, target_index=i)
    for t in (None, "log", "log1p")
    for d in (None, 1, 3)
    for z in (True, False)
    for i in (0, 1)
]


def _name(params):
    return "-".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("params", PREPS, ids=_name)
def test_round_trip_is_exact(params):
    X, y = _positive_windows(target_index=params["target_index"])
    prep = _WindowTransform(**params)
    Xf, yf = prep.forward_target(X), prep.forward_values(y)
    Xt, context = prep.windows(Xf)
    assert Xt.shape == (len(X), 8 - (params["difference"] or 0), 2)
    back = prep.inverse(prep.targets(yf, Xf, context), Xf, context)
    np.testing.assert_allclose(prep.inverse_values(back), y, rtol=1e-12)
    # The other channel is passed through untouched (less the lag).
    other = 1 - params["target_index"]
    np.testing.assert_array_equal(
        Xt[:, :, other], X[:, len(X[0]) - len(Xt[0]) :, other]
    )


@pytest.mark.parametrize("params", PREPS, ids=_name)
def test_torch_twin_computes_what_numpy_computes(params):
    X, _ = _positive_windows(target_index=params["target_index"])
    prep = _WindowTransform(**params)
    twin = _TorchWindowTransform(prep)
    Xf = prep.forward_target(X)
    Xt, (mean, std) = prep.windows(Xf)
    T = torch.from_numpy(X)
    Tf = twin.forward_target(T)
    Tt, (tmean, tstd) = twin.windows(Tf)
    np.testing.assert_allclose(Tf.numpy(), Xf, rtol=1e-12)
    np.testing.assert_allclose(Tt.numpy(), Xt, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(tstd.numpy(), std, rtol=1e-9)
    np.testing.assert_allclose(tmean.numpy(), mean, rtol=1e-9, atol=1e-12)
    pred = np.random.default_rng(1).standard_normal((len(X), 4))
    np.testing.assert_allclose(
        twin.inverse(torch.from_numpy(pred), Tf, (tmean, tstd)).numpy(),
        prep.inverse(pred, Xf, (mean, std)),
        rtol=1e-9,
    )


@pytest.mark.parametrize("params", PREPS[::3], ids=_name)
@pytest.mark.parametrize("block", [1, 3])
def test_rollouts_agree_past_one_block(params, block):
    # A stand-in network: the last normalised value of the target channel,
    # repeated over a block; 7 steps need several blocks fed back.
    X, _ = _positive_windows(n_channels=1)
    params = {**params, "target_index": 0}
    prep = _WindowTransform(**params)
    twin = _TorchWindowTransform(prep)

    def numpy_net(Xt):
        return np.repeat(0.9 * Xt[:, -1:, 0], block, axis=1)

    def torch_net(Xt):
        return (0.9 * Xt[:, -1:, 0]).repeat(1, block)

    want = prep.rollout(X, 7, numpy_net)
    got = twin.rollout(torch.from_numpy(X), 7, torch_net).numpy()
    assert want.shape == (len(X), 7)
    np.testing.assert_allclose(got, want, rtol=1e-9)
    # Each block after the first reads the forecasts fed back before it.
    first = prep.rollout(X, block, numpy_net)
    np.testing.assert_array_equal(want[:, :block], first)
    fed = prep.feed_back(prep.forward_target(X), prep.forward_values(first))
    np.testing.assert_allclose(
        want[:, block : 2 * block],
        prep.rollout(fed, block, numpy_net)
        if prep.transform is None
        else prep.inverse_values(
            _WindowTransform(**{**params, "transform": None}).rollout(
                fed, block, numpy_net
            )
        ),
        rtol=1e-12,
    )


def test_quantile_rollout_maps_every_head_and_rolls_on_the_median():
    X, _ = _positive_windows(n_channels=1)
    prep = _WindowTransform(transform="log1p", difference=1)

    def heads(Xt):
        last = Xt[:, -1:, 0]
        return np.stack([last - 0.5, last, last + 0.5], axis=2)  # (n, 1, 3)

    every = prep.rollout(X, 3, heads, median_index=1, quantiles=True)
    point = prep.rollout(X, 3, lambda Xt: heads(Xt)[:, :, 1])
    assert every.shape == (len(X), 3, 3)
    np.testing.assert_allclose(every[:, :, 1], point, rtol=1e-12)
    assert (np.diff(every, axis=2) > 0).all()  # the inverse keeps the order


def test_error_scale_level_weights():
    # unit / max(level, spread); a window of zeros counts as it is (weight 1).
    windows = np.array(
        [[9.0, 10.0, 11.0], [-1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [np.nan, 4.0, 4.0]]
    )[:, :, None]
    prep = _WindowTransform(error_scale="level")
    _, context = prep.windows(windows)
    weights = prep.error_weights(windows, context)
    spread = np.sqrt(2 / 3)
    np.testing.assert_allclose(weights[:, 0], [spread / 10, 1.0, 1.0, 1 / 4])
    # Without normalisation the unit is the global one for every window.
    plain = _WindowTransform(error_scale="level", normalize=False)
    _, context = plain.windows(windows)
    weights = plain.error_weights(windows, context)
    np.testing.assert_allclose(weights[:, 0], [0.1, 1 / spread, 1.0, 0.25])
    # In log units an absolute error is relative already: the unit alone.
    logs = _WindowTransform(error_scale="level", transform="log1p")
    _, _, weights = logs.transform_pairs(windows + 2, np.ones((4, 1)))
    assert weights[0, 0] == pytest.approx(np.std(np.log1p([11.0, 12.0, 13.0])))
    assert (
        _WindowTransform(error_scale="spread").error_weights(windows, context) is None
    )


def test_flat_windows_keep_unit_spread():
    windows = np.array([[5.0, 5.0, 5.0], [1.0, 2.0, 3.0]])[:, :, None]
    Xt, (mean, std) = _WindowTransform().windows(windows)
    assert std[0, 0] == 1.0 and mean[0, 0] == 5.0
    np.testing.assert_array_equal(Xt[0, :, 0], 0.0)
    np.testing.assert_allclose(_WindowTransform().spread(windows), std)
    np.testing.assert_array_equal(
        _WindowTransform(normalize=False).spread(windows), np.ones((2, 1))
    )


@pytest.mark.parametrize(
    "transform, values, match",
    [
        ("log", [[1.0, 0.0]], "target_transform='log' needs target values above 0"),
        ("log1p", [[1.0, -1.0]], "target_transform='log1p' needs .* above -1"),
    ],
)
def test_domain_errors_name_the_rows(transform, values, match):
    prep = _WindowTransform(transform=transform)
    with pytest.raises(ValueError, match=match + r".*\[7\]"):
        prep.check_domain(np.array(values), "y", offset=7)
    with pytest.raises(ValueError, match="chosen by target_transform='auto'"):
        prep.check_domain(np.array(values), "y", chosen=True)
    prep.check_domain(np.array([[np.nan, 2.0]]), "y")  # missing passes
    _WindowTransform().check_domain(np.array(values), "y")  # no transform


def test_auto_choice_reads_windows_as_the_forecaster_does():
    # Multiplicative seasonality on a growing level: log units forecast it
    # better; an additive one with the same level is kept as it is.
    t = np.arange(160)
    noise = np.exp(0.05 * np.random.default_rng(0).standard_normal(160))
    level = 20 * np.exp(0.012 * t)
    multiplicative = level * (1 + 0.9 * np.sin(2 * np.pi * t / 12)) * noise
    X, y = make_windows(multiplicative, 16, 3)
    assert _choose_target_transform(np.asarray(X), np.asarray(y)) == "log1p"
    additive = 50 + 10 * np.sin(2 * np.pi * t / 12) + 0.1 * t + noise
    X, y = make_windows(additive, 16, 3)
    assert _choose_target_transform(np.asarray(X), np.asarray(y)) is None
    fc = LSTMForecaster(horizon=3, hidden_size=4, max_epochs=1, random_state=0)
    X, y = make_windows(multiplicative, 16, 3)
    assert fc.fit(X, y).target_transform_ == "log1p"


def test_of_reads_the_estimator():
    fc = LSTMForecaster(difference=2, normalize=None, target_index=1)
    fc.target_transform_ = "log"
    prep = _WindowTransform.of(fc)
    assert (prep.transform, prep.difference, prep.normalize, prep.target_index) == (
        "log",
        2,
        False,
        1,
    )
    assert _WindowTransform.of(fc, None).transform is None
    # A model fitted before target_transform_ existed: "auto" transforms nothing.
    assert _WindowTransform.of(LSTMForecaster()).transform is None
