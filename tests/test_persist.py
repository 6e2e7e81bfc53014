"""sklstm.save / sklstm.load: round trips, refusals, and crafted or broken files."""

import io
import json
import os
import pickle
import re
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)
from skorch.callbacks import EpochTimer
from skorch.exceptions import DeviceWarning

import sklstm
from sklstm import (
    LSTMClassifier,
    LSTMForecaster,
    LSTMRegressor,
    SlidingWindowTransformer,
    make_windows,
)
from sklstm._persist import FORMAT_VERSION

FAST = dict(hidden_size=4, max_epochs=2, batch_size=16, random_state=0)


def _series(n=90):
    t = np.arange(n)
    return 10 + 0.05 * t + np.sin(2 * np.pi * t / 12)


def _regression(n=40, seq_len=6, n_features=2):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, seq_len, n_features))
    return X, X[:, -1, 0] + 0.5 * X[:, -2, -1]


def _round_trip(est, tmp_path):
    path = tmp_path / "model.sklstm"
    sklstm.save(est, path)
    return sklstm.load(path)


def _assert_same_fit(a, b):
    assert type(a) is type(b)
    assert repr(a.get_params()) == repr(b.get_params())
    fitted = sorted(k for k in vars(a) if k.endswith("_") and k != "net_")
    assert fitted == sorted(k for k in vars(b) if k.endswith("_") and k != "net_")
    for name in fitted:
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)
        else:
            assert x == y and type(x) is type(y), name


REGRESSORS = {
    "default": dict(),
    "sequences": dict(return_sequences=True),
    "gates-stacked-bidirectional": dict(cell="gates", num_layers=2, bidirectional=True),
    "two-networks": dict(n_estimators=2),
    "sgd-class-early-stopping": dict(
        optimizer=torch.optim.SGD, early_stopping=True, scale_y=False
    ),
}


@pytest.mark.parametrize("params", REGRESSORS.values(), ids=REGRESSORS.keys())
def test_regressor_round_trip_is_bit_identical(params, tmp_path):
    X, y = _regression()
    if params.get("return_sequences"):
        y = X[:, :, 0] * 2
    est = LSTMRegressor(**FAST, **params).fit(X, y)
    loaded = _round_trip(est, tmp_path)
    _assert_same_fit(est, loaded)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert list(loaded.net_.history) == list(est.net_.history)
    assert loaded.n_epochs_ == est.n_epochs_ == len(loaded.net_.history)
    assert type(loaded.net_) is type(est.net_)
    assert loaded.net_.criterion is est.net_.criterion is torch.nn.MSELoss


@pytest.mark.parametrize("n_estimators", [1, 2])
def test_classifier_round_trip_with_string_labels_and_class_weight(
    n_estimators, tmp_path
):
    X, y = _regression()
    labels = np.where(y > 0.3, "up", np.where(y < -0.3, "down", "flat"))
    est = LSTMClassifier(
        class_weight={"up": 2.0}, n_estimators=n_estimators, **FAST
    ).fit(X, labels)
    loaded = _round_trip(est, tmp_path)
    _assert_same_fit(est, loaded)
    assert loaded.net_.criterion is torch.nn.CrossEntropyLoss
    assert type(loaded.net_) is type(est.net_)
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    # The class weights of the loss are restored too: training goes on alike.
    est.partial_fit(X, labels)
    loaded.partial_fit(X, labels)
    np.testing.assert_array_equal(loaded.predict_proba(X), est.predict_proba(X))


FORECASTERS = {
    "direct": dict(horizon=3),
    "recursive-differenced": dict(horizon=3, strategy="recursive", difference=1),
    "levels-look-back": dict(horizon=2, normalize=None, look_back=8, difference=12),
    "level-errors-quantiles": dict(horizon=3, error_scale="level", quantiles=(0.2,)),
    "log-recursive": dict(horizon=3, strategy="recursive", target_transform="log"),
    "two-networks-quantiles": dict(horizon=3, n_estimators=2, quantiles=(0.2,)),
}


@pytest.mark.parametrize("params", FORECASTERS.values(), ids=FORECASTERS.keys())
def test_forecaster_round_trip_is_bit_identical(params, tmp_path):
    y = _series()
    X, Y = make_windows(y, look_back=14, horizon=params["horizon"])
    if params.get("difference") == 12:
        params = {**params, "look_back": 13}
    est = LSTMForecaster(**FAST, **params).fit(X, Y)
    loaded = _round_trip(est, tmp_path)
    _assert_same_fit(est, loaded)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    np.testing.assert_array_equal(loaded.forecast(y, 7), est.forecast(y, 7))


def test_pandas_names_random_state_and_file_objects(tmp_path):
    # Feature names (an object array), a RandomState parameter, a date index
    # in forecast, and saving to an open binary file instead of a path.
    y = pd.Series(_series(), index=pd.period_range("2000-01", periods=90, freq="M"))
    frame = pd.DataFrame({"y": y, "month": y.index.month})
    sw = SlidingWindowTransformer(look_back=6).set_output(transform="pandas")
    Xw = sw.fit_transform(frame).iloc[5:-1]
    target = y.shift(-1).iloc[5:-1]
    est = LSTMForecaster(
        n_features=2, **{**FAST, "random_state": np.random.RandomState(3)}
    ).fit(Xw, target)
    buffer = io.BytesIO()
    sklstm.save(est, buffer)
    loaded = sklstm.load(io.BytesIO(buffer.getvalue()))
    assert list(loaded.feature_names_in_) == list(Xw.columns)
    assert loaded.feature_names_in_.dtype == object
    assert loaded.random_state.get_state()[1].tolist() == (
        est.random_state.get_state()[1].tolist()
    )
    np.testing.assert_array_equal(loaded.predict(Xw), est.predict(Xw))
    pd.testing.assert_series_equal(loaded.forecast(frame), est.forecast(frame))
    sw_loaded = _round_trip(sw, tmp_path)
    pd.testing.assert_frame_equal(sw_loaded.transform(frame), sw.transform(frame))


def test_continued_training_after_load_matches(tmp_path):
    # The optimizer state and the history are stored too: continuing to train
    # the loaded model gives exactly what continuing the original gives.
    X, y = _regression()
    est = LSTMRegressor(**FAST).fit(X, y)
    loaded = _round_trip(est, tmp_path)
    est.partial_fit(X, y)
    loaded.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert loaded.n_epochs_ == est.n_epochs_ == 3


def test_load_leaves_the_global_rng_alone(tmp_path):
    X, y = _regression()
    est = LSTMRegressor(**FAST).fit(X, y)
    path = tmp_path / "m.sklstm"
    sklstm.save(est, path)
    state = torch.get_rng_state()
    sklstm.load(path)
    assert torch.equal(torch.get_rng_state(), state)


def test_unfitted_estimator_and_pipeline_round_trip(tmp_path):
    unfitted = _round_trip(LSTMForecaster(horizon=4, hidden_size=7), tmp_path)
    assert (
        unfitted.get_params() == LSTMForecaster(horizon=4, hidden_size=7).get_params()
    )
    with pytest.raises(NotFittedError):
        unfitted.predict(np.zeros((1, 5)))

    X, y = _regression(seq_len=5, n_features=1)
    X2 = X[:, :, 0] * 3 + 1
    X2[3, 2] = np.nan  # for the imputer
    steps = [
        SimpleImputer(),
        StandardScaler(),
        RobustScaler(),
        MaxAbsScaler(),
        MinMaxScaler(),
        LSTMRegressor(**FAST),
    ]
    pipe = make_pipeline(*steps).fit(X2, y)
    loaded = _round_trip(pipe, tmp_path)
    assert [type(s) for s in loaded.named_steps.values()] == [type(s) for s in steps]
    np.testing.assert_array_equal(loaded.predict(X2), pipe.predict(X2))


def test_refuses_what_it_cannot_store_safely(tmp_path):
    X, y = _regression()
    path = tmp_path / "m.sklstm"

    with_callback = LSTMRegressor(callbacks=[EpochTimer()], **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"callbacks.*set_params\(callbacks=None\)"):
        sklstm.save(with_callback, path)
    # The fix the message names works, and the network is unchanged.
    with_callback.set_params(callbacks=None)
    np.testing.assert_array_equal(
        _round_trip(with_callback, tmp_path).predict(X), with_callback.predict(X)
    )

    class MyAdam(torch.optim.Adam):
        pass

    custom = LSTMRegressor(optimizer=MyAdam, **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"LSTMRegressor\.optimizer: type is not"):
        sklstm.save(custom, path)

    ridge = make_pipeline(StandardScaler(), Ridge()).fit(X[:, :, 0], y)
    with pytest.raises(ValueError, match=r"Pipeline\.steps\[1\]\[1\], a Ridge"):
        sklstm.save(ridge, path)
    search = GridSearchCV(LSTMRegressor(), {"hidden_size": [2]})
    with pytest.raises(ValueError, match="cannot store GridSearchCV"):
        sklstm.save(search, path)
    with pytest.raises(ValueError, match="saves estimators; got dict"):
        sklstm.save({"a": 1}, path)
    # Nothing is left behind by a refused save.
    assert sorted(os.listdir(tmp_path)) == ["model.sklstm"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_a_model_saved_on_a_gpu_loads_on_the_cpu(tmp_path):
    X, y = _regression()
    est = LSTMRegressor(**FAST).fit(X, y)
    expected = est.predict(X)
    # What a GPU machine writes: device="cuda" in the parameters and tensors
    # that lived on the GPU (the arrays themselves are device-free).
    est.set_params(device="cuda")
    path = tmp_path / "gpu.sklstm"
    sklstm.save(est, path)
    manifest = _read(path, "manifest.json").decode()
    assert '"device": "cpu"' in manifest
    _rewrite(path, "manifest.json", manifest.replace('"cpu"', '"cuda:0"').encode())
    with pytest.warns(DeviceWarning, match="loaded onto the CPU"):
        loaded = sklstm.load(path)
    assert loaded.device == "cuda"
    assert loaded.net_.device == "cpu"
    assert next(loaded.net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), expected)


# ------------------------------------------------------------ file handling
def _read(path, member):
    with zipfile.ZipFile(path) as archive:
        return archive.read(member)


def _rewrite(path, member, data):
    """Replace one member of a model file, keeping the others."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members[member] = data
    with zipfile.ZipFile(path, "w") as archive:
        for name, value in members.items():
            archive.writestr(name, value)


def _edit_manifest(path, edit):
    manifest = json.loads(_read(path, "manifest.json"))
    edit(manifest)
    _rewrite(path, "manifest.json", json.dumps(manifest).encode())


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    X, y = _regression()
    est = LSTMRegressor(**FAST).fit(X, y)
    path = tmp_path_factory.mktemp("saved") / "model.sklstm"
    sklstm.save(est, path)
    return path, est, X


@pytest.fixture
def copy(saved, tmp_path):
    path = tmp_path / "copy.sklstm"
    path.write_bytes(saved[0].read_bytes())
    return path


def test_a_file_holds_json_and_plain_arrays_only(saved):
    with zipfile.ZipFile(saved[0]) as archive:
        names = archive.namelist()
        assert names[0] == "manifest.json"
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format"] == "sklstm-model"
        assert manifest["sklstm_version"] == sklstm.__version__
        assert all(re.fullmatch(r"arrays/\d+\.npy", n) for n in names[1:])
        for name in names[1:]:
            values = np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
            assert values.dtype != object


def test_other_sklstm_version_loads_newer_format_is_refused(saved, copy):
    _, est, X = saved

    def older(manifest):
        manifest["sklstm_version"] = "0.0.1"

    _edit_manifest(copy, older)
    np.testing.assert_array_equal(sklstm.load(copy).predict(X), est.predict(X))

    def newer(manifest):
        manifest["sklstm_version"] = "9.0"
        manifest["format_version"] = FORMAT_VERSION + 1

    _edit_manifest(copy, newer)
    with pytest.raises(
        ValueError, match=r"sklstm 9\.0 in model file format 2.*Upgrade"
    ):
        sklstm.load(copy)


def test_unknown_parameter_names_a_newer_sklstm(copy):
    def future(manifest):
        manifest["object"]["params"]["future_option"] = 1

    _edit_manifest(copy, future)
    with pytest.raises(ValueError, match=r"\['future_option'\].*newer sklstm"):
        sklstm.load(copy)


def test_classes_come_from_the_allowlist_only(saved, copy):
    def evil(manifest):
        manifest["object"]["class"] = "os.system"

    _edit_manifest(copy, evil)
    with pytest.raises(ValueError, match="names the class 'os.system', which is not"):
        sklstm.load(copy)

    for key in ["module", "net_class", "criterion"]:
        copy.write_bytes(saved[0].read_bytes())

        def evil_net(manifest, key=key):
            manifest["object"]["net"][key] = "builtins.eval"

        _edit_manifest(copy, evil_net)
        with pytest.raises(ValueError, match="unknown network.*'builtins.eval'"):
            sklstm.load(copy)


def test_attributes_cannot_replace_methods(copy):
    def evil(manifest):
        manifest["object"]["attributes"]["predict"] = "not a method"

    _edit_manifest(copy, evil)
    with pytest.raises(ValueError, match="sets the attribute 'predict'"):
        sklstm.load(copy)


def test_invalid_parameter_values_are_refused(copy):
    def bad(manifest):
        manifest["object"]["params"]["hidden_size"] = -3

    _edit_manifest(copy, bad)
    with pytest.raises(ValueError, match="hidden_size"):
        sklstm.load(copy)


class _Marker:
    """Unpickling this creates the file ``path``: a stand-in for malicious code."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_the_crafted_pickle_really_creates_its_marker(tmp_path):
    # Without this, the tests below could pass because the payload is inert.
    marker = tmp_path / "marker"
    pickle.loads(pickle.dumps(_Marker(marker))).close()
    assert marker.exists()


def _weights_member(path):
    manifest = json.loads(_read(path, "manifest.json"))
    state = manifest["object"]["net"]["state"]["items"]
    name, node = state[0]
    assert name == "lstm.weight_ih_l0" and node["type"] == "tensor"
    return node["path"]


@pytest.mark.parametrize(
    "where", ["manifest", "weights", "weights-object-npy", "whole-file", "torch-save"]
)
def test_crafted_pickles_are_refused_and_never_run(where, copy, tmp_path):
    marker = tmp_path / "marker"
    payload = pickle.dumps(_Marker(marker))
    if where == "manifest":
        _rewrite(copy, "manifest.json", payload)
        match = "manifest.json is not JSON"
    elif where == "weights":
        _rewrite(copy, _weights_member(copy), payload)
        match = "is not a plain numpy array"
    elif where == "weights-object-npy":
        # A valid .npy header whose object array is a pickle.
        buffer = io.BytesIO()
        np.save(buffer, np.array([_Marker(marker)], dtype=object), allow_pickle=True)
        _rewrite(copy, _weights_member(copy), buffer.getvalue())
        match = "pickled data is never loaded"
    elif where == "whole-file":
        copy.write_bytes(payload)
        match = "not a readable zip archive"
    else:
        # torch.save writes a zip too, with the pickle in data.pkl.
        torch.save({"state": _Marker(marker)}, copy)
        match = "has no manifest.json"
    with pytest.raises(ValueError, match=match):
        sklstm.load(copy)
    assert not marker.exists()


def test_truncated_files_are_refused(saved, copy):
    data = saved[0].read_bytes()
    for size in [0, 10, len(data) // 3, len(data) // 2, len(data) - 30]:
        copy.write_bytes(data[:size])
        with pytest.raises(ValueError, match="truncated or corrupted"):
            sklstm.load(copy)


def test_corrupted_members_are_refused(saved, copy):
    # Flip one byte in the middle of the stored data of every member: the
    # checksums catch it before anything is built.
    data = saved[0].read_bytes()
    with zipfile.ZipFile(saved[0]) as archive:
        infos = archive.infolist()
    assert len(infos) > 5
    for info in infos:
        start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        position = start + info.compress_size // 2
        broken = bytearray(data)
        broken[position] ^= 0xFF
        copy.write_bytes(bytes(broken))
        with pytest.raises(ValueError, match=r"corrupted|not an sklstm model"):
            sklstm.load(copy)


def test_inconsistent_weights_are_refused(copy):
    # A well-formed file whose weights do not fit the network it describes.
    def shrink(manifest):
        params = manifest["object"]["net"]["net_params"]["items"]
        for item in params:
            if item[0] == "module__hidden_size":
                item[1] = 3

    _edit_manifest(copy, shrink)
    with pytest.raises(ValueError, match="size mismatch"):
        sklstm.load(copy)


def test_save_does_not_change_the_estimator(saved, tmp_path):
    _, est, X = saved
    before = est.predict(X)
    params = clone(est).get_params()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sklstm.save(est, tmp_path / "again.sklstm")
    assert clone(est).get_params() == params
    np.testing.assert_array_equal(est.predict(X), before)


def test_a_forecaster_saved_before_linear_skip_loads_without_it(tmp_path):
    X, y = make_windows(_series(), 12, 3)
    est = LSTMForecaster(horizon=3, linear_skip=False, **FAST).fit(X, y)
    path = tmp_path / "old.sklstm"
    sklstm.save(est, path)

    def before(manifest):
        # Files written before the option have neither the parameter nor
        # the network's skip_length.
        del manifest["object"]["params"]["linear_skip"]
        items = manifest["object"]["net"]["net_params"]["items"]
        assert ["module__skip_length", None] in items
        items.remove(["module__skip_length", None])

    _edit_manifest(path, before)
    loaded = sklstm.load(path)
    assert loaded.linear_skip is False and not hasattr(loaded.net_.module_, "skip")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    # The default keeps its skip layer through a round trip.
    new = LSTMForecaster(horizon=3, **FAST).fit(X, y)
    again = _round_trip(new, tmp_path)
    assert again.linear_skip == "auto" and again.net_.module_.skip.in_features == 12
    np.testing.assert_array_equal(again.predict(X), new.predict(X))


def test_every_network_build_argument_is_read_from_files():
    # load() rebuilds a network through _BUILD_ARGUMENTS, not through
    # _build_net's signature: an argument missing from the table would be
    # silently left at its default when loading.
    import inspect

    from sklstm._base import _BaseLSTM
    from sklstm._persist import _BUILD_ARGUMENTS

    arguments = set(inspect.signature(_BaseLSTM._build_net).parameters)
    assert arguments - {"self", "criterion", "net_params"} == set(
        _BUILD_ARGUMENTS.values()
    )
