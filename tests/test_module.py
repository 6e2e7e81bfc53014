import warnings

import pytest
import torch
from torch import nn

from sklstm import GateLSTM, LSTMNet
from sklstm._module import _Dropout, _TorchLSTM, _use_generator


def _pair(input_size=3, hidden_size=4, num_layers=1, bidirectional=False):
    torch.manual_seed(0)
    ref = nn.LSTM(
        input_size,
        hidden_size,
        num_layers=num_layers,
        batch_first=True,
        bidirectional=bidirectional,
    ).double()
    gate = GateLSTM(
        input_size, hidden_size, num_layers=num_layers, bidirectional=bidirectional
    ).double()
    gate.load_state_dict(ref.state_dict())
    return ref, gate


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("with_hx", [False, True])
def test_gate_lstm_matches_torch_outputs_and_gradients(
    num_layers, bidirectional, with_hx
):
    ref, gate = _pair(num_layers=num_layers, bidirectional=bidirectional)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(5, 7, 3, generator=gen, dtype=torch.double)
    hx = None
    if with_hx:
        shape = (num_layers * (2 if bidirectional else 1), 5, 4)
        hx = (
            torch.randn(shape, generator=gen, dtype=torch.double),
            torch.randn(shape, generator=gen, dtype=torch.double),
        )
    x_ref, x_gate = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_ref, (h_ref, c_ref) = ref(x_ref, hx)
    out_gate, (h_gate, c_gate) = gate(x_gate, hx)
    torch.testing.assert_close(out_gate, out_ref)
    torch.testing.assert_close(h_gate, h_ref)
    torch.testing.assert_close(c_gate, c_ref)

    weights = torch.randn(out_ref.shape, generator=gen, dtype=torch.double)
    ((out_ref * weights).sum() + h_ref.sum() + c_ref.sum()).backward()
    ((out_gate * weights).sum() + h_gate.sum() + c_gate.sum()).backward()
    torch.testing.assert_close(x_gate.grad, x_ref.grad)
    grads_ref = dict(ref.named_parameters())
    for name, param in gate.named_parameters():
        torch.testing.assert_close(param.grad, grads_ref[name].grad, msg=name)


def test_state_dicts_interchange_and_same_seed_same_weights():
    torch.manual_seed(3)
    ref = nn.LSTM(2, 5, num_layers=2, batch_first=True, bidirectional=True)
    torch.manual_seed(3)
    gate = GateLSTM(2, 5, num_layers=2, bidirectional=True)
    assert list(gate.state_dict()) == list(ref.state_dict())
    for key, value in ref.state_dict().items():
        torch.testing.assert_close(gate.state_dict()[key], value, rtol=0, atol=0)
    other = nn.LSTM(2, 5, num_layers=2, batch_first=True, bidirectional=True)
    other.load_state_dict(gate.state_dict())
    with pytest.raises(ValueError, match="batch_first"):
        GateLSTM(2, 5, batch_first=False)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_mask_equals_running_without_the_missing_steps(bidirectional):
    _, gate = _pair(num_layers=2, bidirectional=bidirectional)
    x = torch.randn(1, 8, 3, dtype=torch.double)
    mask = torch.tensor([[False, False, True, True, False, True, True, True]])
    out, (h, c) = gate(x, mask=mask)
    out_trim, (h_trim, c_trim) = gate(x[:, mask[0]])
    torch.testing.assert_close(out[:, mask[0]], out_trim)
    torch.testing.assert_close(h, h_trim)
    torch.testing.assert_close(c, c_trim)
    assert torch.all(out[:, ~mask[0]] == 0)


def _copy_weights(src, dst):
    dst.load_state_dict(src.state_dict())
    return dst


@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_lstmnet_shapes_and_cells_agree(return_sequences, bidirectional, num_layers):
    kwargs = dict(
        n_features=2,
        output_size=3,
        hidden_size=6,
        num_layers=num_layers,
        bidirectional=bidirectional,
        return_sequences=return_sequences,
    )
    torch.manual_seed(0)
    net_torch = LSTMNet(cell="torch", **kwargs).eval()
    net_gates = _copy_weights(net_torch, LSTMNet(cell="gates", **kwargs).eval())
    X = torch.randn(4, 9, 2)
    expected = (4, 9, 3) if return_sequences else (4, 3)
    assert net_torch(X).shape == expected
    torch.testing.assert_close(net_gates(X), net_torch(X), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cell", ["torch", "gates"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_missing_steps_read_as_the_shorter_sequence(cell, bidirectional):
    torch.manual_seed(0)
    net = LSTMNet(2, 1, hidden_size=5, num_layers=2, bidirectional=bidirectional)
    net = net.eval()
    if cell == "gates":
        net = _copy_weights(
            net, LSTMNet(2, 1, 5, 2, bidirectional, cell="gates").eval()
        )
    X = torch.randn(4, 8, 2)
    present = torch.ones(4, 8, dtype=torch.bool)
    present[0, :3] = False  # leading padding
    present[1, :7] = False  # only the last step
    present[2, 4] = False  # a gap
    Xn = X.masked_fill(~present[:, :, None], float("nan"))
    out = net(Xn)
    assert torch.isfinite(out).all()
    for i in range(4):
        trimmed = X[i : i + 1, present[i]]
        torch.testing.assert_close(out[i : i + 1], net(trimmed), rtol=1e-5, atol=1e-5)


def test_cells_agree_on_missing_steps_with_sequences_output():
    torch.manual_seed(0)
    net_t = LSTMNet(1, 2, 4, bidirectional=True, return_sequences=True).eval()
    net_g = _copy_weights(
        net_t, LSTMNet(1, 2, 4, bidirectional=True, return_sequences=True, cell="gates")
    ).eval()
    X = torch.randn(3, 6, 1)
    X[0, :2] = float("nan")
    X[2, 3] = float("nan")
    torch.testing.assert_close(net_g(X), net_t(X), rtol=1e-5, atol=1e-5)


def test_invalid_cell_and_dropout_behaviour():
    with pytest.raises(ValueError, match="cell"):
        LSTMNet(1, 1, cell="gru")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net = LSTMNet(1, 1, hidden_size=16, dropout=0.5)
    X = torch.randn(8, 5, 1)
    torch.manual_seed(0)
    net.train()
    assert not torch.equal(net(X), net(X))  # dropout acts with one layer
    net.eval()
    assert torch.equal(net(X), net(X))


@pytest.mark.parametrize("cell", ["torch", "gates"])
def test_training_steps_reduce_the_loss(cell):
    torch.manual_seed(0)
    net = LSTMNet(1, 1, hidden_size=8, cell=cell)
    X = torch.randn(32, 6, 1)
    y = X[:, -2:, 0].sum(dim=1, keepdim=True)
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss = nn.functional.mse_loss(net(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.3 * losses[0]


def test_members_combine_as_mean_or_as_probabilities():
    torch.manual_seed(0)
    X = torch.randn(5, 4, 2)
    for combine in ("mean", "probability"):
        torch.manual_seed(1)
        net = LSTMNet(n_features=2, output_size=3, hidden_size=4, n_members=3,
                      combine=combine)  # fmt: skip
        outputs = torch.stack(net.member_outputs(X))
        if combine == "mean":
            expected = outputs.mean(0)
        else:
            expected = torch.log(torch.softmax(outputs, -1).mean(0))
        torch.testing.assert_close(net(X), expected)
    # The scores of "probability" are log-probabilities: their softmax is
    # themselves, exponentiated.
    torch.testing.assert_close(torch.softmax(net(X), -1), net(X).exp())
    with pytest.raises(ValueError, match="combine must be 'mean' or 'probability'"):
        LSTMNet(n_features=2, output_size=3, combine="vote")


# ------------------------------------------- randomness of the fit's own
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("with_hx", [False, True])
def test_torch_lstm_layer_by_layer_matches_the_fused_kernel(bidirectional, with_hx):
    """In training with dropout between layers, _TorchLSTM runs the layers one
    at a time; with a dropout that keeps every unit, that is nn.LSTM."""
    torch.manual_seed(0)
    ref = nn.LSTM(3, 4, num_layers=3, batch_first=True, bidirectional=bidirectional)
    ours = _TorchLSTM(
        3, 4, num_layers=3, batch_first=True, bidirectional=bidirectional, dropout=0.5
    )
    ours.load_state_dict(ref.state_dict())
    assert list(ours.state_dict()) == list(ref.state_dict())
    kept = []
    # Dropout keeps everything (p=0 would skip the layer-by-layer path).
    ours.layer_dropout.forward = lambda x: kept.append(x.shape) or x
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(5, 7, 3, generator=gen)
    hx = None
    if with_hx:
        shape = (3 * (2 if bidirectional else 1), 5, 4)
        hx = (torch.randn(shape, generator=gen), torch.randn(shape, generator=gen))
    out_ref, (h_ref, c_ref) = ref.train()(x, hx)
    out, (h, c) = ours.train()(x, hx)
    assert len(kept) == 2  # between the three layers
    torch.testing.assert_close(out, out_ref)
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(c, c_ref)


@pytest.mark.parametrize("cell", ["torch", "gates"])
def test_dropout_draws_from_the_given_generator(cell):
    net = LSTMNet(2, 3, hidden_size=6, num_layers=2, dropout=0.5, cell=cell).train()
    x = torch.randn(8, 5, 2)

    def run(seed):
        _use_generator(net, torch.Generator().manual_seed(seed))
        torch.manual_seed(seed + 100)  # the global generator plays no part
        return net(x)

    torch.testing.assert_close(run(0), run(0), rtol=0, atol=0)
    assert not torch.equal(run(0), run(1))
    _use_generator(net, None)
    assert all(
        part.generator is None for part in net.modules() if isinstance(part, _Dropout)
    )
    # Two dropout layers (between the LSTM layers and before the head).
    assert sum(isinstance(part, _Dropout) and part.p > 0 for part in net.modules()) == 2


def test_reset_parameters_draws_from_the_generator_only():
    torch.manual_seed(0)
    state = torch.get_rng_state()
    nets = {}
    for cell in ("torch", "gates"):
        net = LSTMNet(2, 3, hidden_size=5, num_layers=2, cell=cell, n_members=2)
        torch.set_rng_state(state)
        net.reset_parameters(torch.Generator().manual_seed(7))
        nets[cell] = net
    assert torch.equal(torch.get_rng_state(), state)
    torch_weights, gate_weights = (nets[c].state_dict() for c in ("torch", "gates"))
    assert list(torch_weights) == list(gate_weights)
    for key, value in torch_weights.items():
        torch.testing.assert_close(gate_weights[key], value, rtol=0, atol=0)
    members = nets["torch"].members
    assert not torch.equal(members[0].head.weight, members[1].head.weight)
    # torch's default bounds: 1/sqrt(hidden_size) and 1/sqrt(fan_in) of the head.
    assert members[0].lstm.weight_hh_l0.abs().max() <= 5**-0.5
    assert members[0].head.weight.abs().max() <= 5**-0.5
    other = LSTMNet(2, 3, hidden_size=5, num_layers=2, n_members=2)
    other.reset_parameters(torch.Generator().manual_seed(8))
    assert not torch.equal(other.members[0].head.weight, members[0].head.weight)


def test_linear_skip_adds_a_linear_function_of_the_window():
    torch.manual_seed(0)
    X = torch.randn(5, 6, 2)
    net = LSTMNet(n_features=2, output_size=3, hidden_size=4, skip_length=4).eval()
    plain = LSTMNet(n_features=2, output_size=3, hidden_size=4).eval()
    plain.load_state_dict(
        {k: v for k, v in net.state_dict().items() if not k.startswith("skip.")}
    )
    # Zero at initialisation (and after reset_parameters): the LSTM alone.
    torch.testing.assert_close(net(X), plain(X))
    with torch.no_grad():
        net.skip.weight.normal_()
        net.skip.bias.normal_()
    expected = plain(X) + X[:, -4:].flatten(1) @ net.skip.weight.T + net.skip.bias
    torch.testing.assert_close(net(X), expected)
    net.reset_parameters(torch.Generator().manual_seed(0))
    assert not net.skip.weight.any() and not net.skip.bias.any()
    # A missing step enters the linear part as zero.
    X[0, -1, 1] = float("nan")
    with torch.no_grad():
        net.skip.weight.normal_()
    plain.load_state_dict(
        {k: v for k, v in net.state_dict().items() if not k.startswith("skip.")}
    )
    out = net(X)
    assert torch.isfinite(out).all()
    filled = torch.nan_to_num(X[:1, -4:], nan=0.0).flatten(1)
    torch.testing.assert_close(
        out[:1] - plain(X[:1]), filled @ net.skip.weight.T + net.skip.bias
    )
    members = LSTMNet(n_features=2, output_size=3, skip_length=4, n_members=2)
    assert all(m.skip.in_features == 8 for m in members.members)
    # With quantiles the linear part is one value per output, added to every
    # quantile: it moves them together and leaves their spread to the LSTM.
    kw = dict(n_features=2, output_size=3, hidden_size=4, n_quantiles=3)
    net = LSTMNet(skip_length=4, **kw).eval()
    plain = LSTMNet(**kw).eval()
    plain.load_state_dict(
        {k: v for k, v in net.state_dict().items() if not k.startswith("skip.")}
    )
    assert net.skip.out_features == 3
    with torch.no_grad():
        net.skip.weight.normal_()
        net.skip.bias.normal_()
    X = torch.randn(5, 6, 2)
    linear = X[:, -4:].flatten(1) @ net.skip.weight.T + net.skip.bias
    torch.testing.assert_close(net(X), plain(X) + linear[..., None])
    spread = net(X).diff(dim=-1)
    torch.testing.assert_close(spread, plain(X).diff(dim=-1))
    assert (spread > 0).all()
    with pytest.raises(ValueError, match="skip_length needs return_sequences=False"):
        LSTMNet(n_features=2, output_size=3, skip_length=4, return_sequences=True)
