"""Global scaling (sklstm._scaling): statistics read block by block equal
those of all rows at once; the torch twin scales as numpy does."""

import numpy as np
import pytest
import torch

from sklstm._scaling import _RunningStats, _Scaler, _TorchScaler


def _blocks(values, size):
    for start in range(0, len(values), size):
        yield values[start : start + size]


@pytest.mark.parametrize("size", [1, 7, 1000])
def test_blocks_give_the_statistics_of_all_rows(size):
    rng = np.random.default_rng(0)
    windows = 3 + 2 * rng.standard_normal((50, 6, 2))
    windows[4, 2] = np.nan  # a missing time step is skipped
    targets = 10 + rng.standard_normal((50, 3))
    scaler = _Scaler.fit(
        zip(_blocks(windows, size), _blocks(targets, size)),
        n_channels=2,
        scale_X=True,
        n_outputs=3,
    )
    rows = windows.reshape(-1, 2)
    np.testing.assert_allclose(scaler.x_mean, np.nanmean(rows, axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.x_scale, np.nanstd(rows, axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.y_mean, targets.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.y_scale, targets.std(axis=0), rtol=1e-12)


def test_scaling_off_and_constant_columns():
    blocks = [(np.ones((4, 3, 1)), np.full((4, 2), 5.0))]
    off = _Scaler.fit(blocks, n_channels=1, scale_X=False, n_outputs=2, scale_y=False)
    assert off.x_mean.tolist() == [0.0] and off.x_scale.tolist() == [1.0]
    assert off.y_mean.tolist() == [0.0, 0.0] and off.y_scale.tolist() == [1.0, 1.0]
    on = _Scaler.fit(blocks, n_channels=1, scale_X=True, n_outputs=2)
    assert on.x_scale.tolist() == [1.0] and on.y_scale.tolist() == [1.0, 1.0]
    assert on.y_mean.tolist() == [5.0, 5.0]
    assert _Scaler.fit(blocks, n_channels=1, scale_X=True).y_mean is None


def test_overflow_is_reported_not_clamped():
    huge = np.array([[1e300], [-1e300], [1e300]])
    with pytest.raises(ValueError, match="y has values so large.*overflows float64"):
        _Scaler.fit([(None, huge)], n_channels=1, scale_X=False, n_outputs=1)
    stats = _RunningStats()
    with np.errstate(over="ignore"):
        stats.update(huge)
    assert not np.isfinite(stats.result(True, 1)[1]).all()


def test_inverse_undoes_the_scaling():
    rng = np.random.default_rng(1)
    y = 100 + 20 * rng.standard_normal((30, 2))
    scaler = _Scaler.fit([(None, y)], n_channels=1, scale_X=False, n_outputs=2)
    back = scaler.unscale_y(scaler.scale_y(y).numpy())
    np.testing.assert_allclose(back, y, rtol=1e-6)
    heads = np.stack([scaler.scale_y(y).numpy()] * 3, axis=2)
    np.testing.assert_allclose(scaler.unscale_quantiles(heads)[:, :, 1], back)


def test_torch_twin_scales_as_numpy_does():
    rng = np.random.default_rng(2)
    X = 5 + 3 * rng.standard_normal((20, 4, 2))
    out = rng.standard_normal((20, 3)).astype(np.float32)
    scaler = _Scaler(
        np.array([5.0, 1.0]), np.array([3.0, 0.5]), np.array([1.0, 2, 3]), np.ones(3)
    )
    twin = _TorchScaler(scaler)
    np.testing.assert_array_equal(
        twin.scale_X(torch.from_numpy(X)).numpy(), scaler.scale_X(X).numpy()
    )
    np.testing.assert_array_equal(
        twin.unscale_y(torch.from_numpy(out)).numpy(), scaler.unscale_y(out)
    )


def test_estimator_attributes_round_trip():
    class Est:
        pass

    scaler = _Scaler(np.zeros(1), np.ones(1), np.full(2, 3.0), np.full(2, 4.0))
    est = Est()
    scaler.store(est)
    again = _Scaler.of(est)
    assert again.y_mean.tolist() == [3.0, 3.0] and again.x_scale.tolist() == [1.0]
