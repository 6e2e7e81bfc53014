"""Pure PyTorch modules: the network the estimators train, and a gate-level LSTM.

Nothing here depends on scikit-learn or skorch.
"""

import math

import torch
from torch import nn

__all__ = ["GateLSTM", "LSTMNet"]


class _Dropout(nn.Dropout):
    """``nn.Dropout`` that draws its masks from ``generator`` when one is set.

    ``nn.Dropout`` draws from torch's global generator, which every thread of
    the process shares: fits running side by side in threads would take each
    other's random numbers. The estimators give each fit a generator of its
    own (see :func:`_use_generator`); None draws from the global one, as
    ``nn.Dropout`` does.
    """

    generator = None

    def forward(self, x):
        if not self.training or not self.p or self.generator is None:
            return super().forward(x)
        if self.p >= 1:
            return x * 0
        keep = torch.empty_like(x).bernoulli_(1 - self.p, generator=self.generator)
        return x * keep / (1 - self.p)


def _use_generator(module, generator):
    """Draw the dropout masks of every part of ``module`` from ``generator``.

    ``generator`` must live on the module's device; None returns to torch's
    global generator.
    """
    for part in module.modules():
        if isinstance(part, _Dropout):
            part.generator = generator


def _uniform_(tensor, bound, generator):
    """Fill ``tensor`` from U(-bound, bound) drawn on the CPU from ``generator``.

    Drawing on the CPU gives the same weights on every device for a seed.
    """
    values = torch.empty(tensor.shape).uniform_(-bound, bound, generator=generator)
    with torch.no_grad():
        tensor.copy_(values)


class _TorchLSTM(nn.LSTM):
    """``nn.LSTM`` whose dropout between stacked layers is a :class:`_Dropout`.

    The fused kernel draws its dropout masks from torch's global generator;
    in training with dropout and several layers, the layers run one at a time
    with a :class:`_Dropout` between them instead. Otherwise (one layer, no
    dropout, evaluation, ONNX export) this is ``nn.LSTM``'s own forward. The
    parameters, their names and the state dict are ``nn.LSTM``'s.
    """

    def __init__(self, *args, dropout=0.0, **kwargs):
        super().__init__(*args, dropout=0.0, **kwargs)
        self.layer_dropout = _Dropout(dropout)

    def forward(self, x, hx=None):
        if not (self.training and self.layer_dropout.p and self.num_layers > 1):
            return super().forward(x, hx)
        directions = 2 if self.bidirectional else 1
        if hx is None:
            zeros = x.new_zeros(self.num_layers * directions, len(x), self.hidden_size)
            hx = (zeros, zeros)
        per_layer = len(self._flat_weights) // self.num_layers
        h_n, c_n = [], []
        out = x
        for layer in range(self.num_layers):
            if layer:
                out = self.layer_dropout(out)
            rows = slice(layer * directions, (layer + 1) * directions)
            out, h, c = torch._VF.lstm(
                out,
                (hx[0][rows], hx[1][rows]),
                self._flat_weights[layer * per_layer : (layer + 1) * per_layer],
                self.bias,
                1,
                0.0,
                True,
                self.bidirectional,
                self.batch_first,
            )
            h_n.append(h)
            c_n.append(c)
        return out, (torch.cat(h_n), torch.cat(c_n))


class GateLSTM(nn.Module):
    r"""Multi-layer LSTM written out gate by gate, a drop-in for ``nn.LSTM``.

    For each time step :math:`t`, with input :math:`x_t`, previous hidden state
    :math:`h_{t-1}` and previous cell state :math:`c_{t-1}`:

    .. math::

        i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi})
            && \text{input gate} \\
        f_t &= \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})
            && \text{forget gate} \\
        g_t &= \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg})
            && \text{candidate} \\
        o_t &= \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})
            && \text{output gate} \\
        c_t &= f_t \odot c_{t-1} + i_t \odot g_t && \text{cell state} \\
        h_t &= o_t \odot \tanh(c_t) && \text{hidden state}

    The parameters have :class:`torch.nn.LSTM`'s names, shapes, gate order
    (i, f, g, o stacked in ``weight_ih_l{k}``, ``weight_hh_l{k}``,
    ``bias_ih_l{k}``, ``bias_hh_l{k}``, with a ``_reverse`` suffix for the
    backward direction), registration order and initialisation, so state
    dicts load either way and the same seed gives the same weights.

    Parameters
    ----------
    input_size : int
        Number of features of each time step.
    hidden_size : int
        Number of hidden units per direction.
    num_layers : int, default=1
        Number of stacked layers.
    bias : bool, default=True
        Whether the gates have bias terms.
    batch_first : bool, default=True
        Only ``True`` is supported: inputs are ``(batch, seq_len, features)``.
    dropout : float, default=0.0
        Dropout on the outputs of every layer but the last, in training.
    bidirectional : bool, default=False
        Whether each layer also reads the sequence backwards.

    See Also
    --------
    torch.nn.LSTM : The fused implementation this one reproduces.
    LSTMNet : The network of the estimators, which uses this class with
        ``cell="gates"``.

    Examples
    --------
    >>> import torch
    >>> from sklstm import GateLSTM
    >>> lstm = GateLSTM(input_size=3, hidden_size=5, bidirectional=True)
    >>> output, (h_n, c_n) = lstm(torch.randn(2, 7, 3))
    >>> tuple(output.shape), tuple(h_n.shape)
    ((2, 7, 10), (2, 2, 5))
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=True,
        dropout=0.0,
        bidirectional=False,
    ):
        super().__init__()
        if not batch_first:
            raise ValueError("GateLSTM supports batch_first=True only.")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.layer_dropout = _Dropout(self.dropout)
        directions = 2 if bidirectional else 1
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ["", "_reverse"][:directions]:
                name = f"l{layer}{suffix}"
                self.register_parameter(
                    f"weight_ih_{name}",
                    nn.Parameter(torch.empty(4 * hidden_size, layer_input)),
                )
                self.register_parameter(
                    f"weight_hh_{name}",
                    nn.Parameter(torch.empty(4 * hidden_size, hidden_size)),
                )
                if bias:
                    self.register_parameter(
                        f"bias_ih_{name}", nn.Parameter(torch.empty(4 * hidden_size))
                    )
                    self.register_parameter(
                        f"bias_hh_{name}", nn.Parameter(torch.empty(4 * hidden_size))
                    )
        self.reset_parameters()

    def reset_parameters(self, generator=None):
        """Draw every weight from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

        Parameters
        ----------
        generator : torch.Generator, default=None
            A CPU generator to draw from; torch's global generator when None.
        """
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            if generator is None:
                nn.init.uniform_(weight, -bound, bound)
            else:
                _uniform_(weight, bound, generator)

    def _direction(self, gates_x, h, c, weight_hh, bias_hh, mask, reverse):
        """Run the recurrence of one layer in one direction.

        ``gates_x`` holds the input projections of every step, computed in one
        matrix product; only the hidden-state part is sequential.
        """
        seq_len = gates_x.shape[1]
        outputs = [None] * seq_len
        steps = range(seq_len - 1, -1, -1) if reverse else range(seq_len)
        for t in steps:
            gates = gates_x[:, t] + h @ weight_hh.T
            if bias_hh is not None:
                gates = gates + bias_hh
            i, f, g, o = gates.chunk(4, dim=1)
            i, f, g, o = (
                torch.sigmoid(i),
                torch.sigmoid(f),
                torch.tanh(g),
                torch.sigmoid(o),
            )
            c_new = f * c + i * g
            h_new = o * torch.tanh(c_new)
            if mask is not None:
                # A missing step leaves the state as it was: the sequence is
                # read as if the step were not there.
                present = mask[:, t, None]
                c = torch.where(present, c_new, c)
                h = torch.where(present, h_new, h)
                outputs[t] = torch.where(present, h_new, torch.zeros_like(h_new))
            else:
                c, h = c_new, h_new
                outputs[t] = h
        return torch.stack(outputs, dim=1), h, c

    def forward(self, x, hx=None, mask=None):
        """Run the LSTM over a batch of sequences.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, seq_len, input_size)
            Input sequences.
        hx : tuple of torch.Tensor, default=None
            Initial ``(h_0, c_0)``, each ``(num_layers * directions, batch,
            hidden_size)``; zeros when None.
        mask : torch.Tensor of bool, shape (batch, seq_len), default=None
            True where a time step is present. At a missing step the state is
            carried over unchanged and the output is zero.

        Returns
        -------
        output : torch.Tensor of shape (batch, seq_len, directions * hidden_size)
            Hidden states of the last layer at every step.
        (h_n, c_n) : tuple of torch.Tensor
            Final hidden and cell states, ``(num_layers * directions, batch,
            hidden_size)`` each.
        """
        directions = 2 if self.bidirectional else 1
        batch = x.shape[0]
        if hx is None:
            zeros = x.new_zeros(self.num_layers * directions, batch, self.hidden_size)
            hx = (zeros, zeros)
        h0, c0 = hx
        h_n, c_n = [], []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(["", "_reverse"][:directions]):
                name = f"l{layer}{suffix}"
                weight_ih = getattr(self, f"weight_ih_{name}")
                gates_x = layer_input @ weight_ih.T
                if self.bias:
                    gates_x = gates_x + getattr(self, f"bias_ih_{name}")
                bias_hh = getattr(self, f"bias_hh_{name}") if self.bias else None
                k = layer * directions + d
                out, h, c = self._direction(
                    gates_x,
                    h0[k],
                    c0[k],
                    getattr(self, f"weight_hh_{name}"),
                    bias_hh,
                    mask,
                    reverse=d == 1,
                )
                outputs.append(out)
                h_n.append(h)
                c_n.append(c)
            layer_input = torch.cat(outputs, dim=2) if directions == 2 else outputs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = self.layer_dropout(layer_input)
        return layer_input, (torch.stack(h_n), torch.stack(c_n))


class LSTMNet(nn.Module):
    """LSTM layers followed by a linear head: the network the estimators train.

    The LSTM reads each sequence; the head maps the output at the last time
    step (or at every step) to ``output_size`` values. The estimators build it
    through skorch; it can also be trained in any PyTorch loop, on scaled data.

    Parameters
    ----------
    n_features : int
        Number of input channels per time step.
    output_size : int
        Number of outputs per sequence (or per time step).
    hidden_size : int, default=32
        Hidden units per layer and direction.
    num_layers : int, default=1
        Number of stacked LSTM layers.
    bidirectional : bool, default=False
        Whether the layers also read the sequences backwards.
    dropout : float, default=0.0
        Dropout between stacked layers and on the LSTM output before the head
        (so it acts with one layer too).
    return_sequences : bool, default=False
        If False, the head reads the output of the last time step and the
        result is ``(batch, output_size)``; if True, it is applied at every
        step, giving ``(batch, seq_len, output_size)``.
    cell : {"torch", "gates"}, default="torch"
        ``"torch"`` uses :class:`torch.nn.LSTM` (cuDNN on GPU), ``"gates"``
        uses :class:`GateLSTM`.
    n_quantiles : int, default=None
        If set, the head predicts ``n_quantiles`` increasing quantiles of
        each output and the result gains a last dimension of that size. The
        first quantile is a free output; each next one adds a positive
        (softplus) increment, so the quantiles never cross.
    n_members : int, default=1
        Number of networks, each with its own LSTM layers and head (and its
        own random initial weights), held side by side in ``members``:
        ``forward`` combines their outputs (see ``combine``),
        :meth:`member_outputs` gives each one's. Trained each on its own loss
        (as the estimators do with ``n_estimators``, each member on its own
        batches), they are a seed ensemble.
    combine : {"mean", "probability"}, default="mean"
        How ``forward`` combines the members' outputs: ``"mean"`` averages
        them; ``"probability"`` reads them as class scores (logits along the
        last axis) and returns the logarithm of the mean of the members'
        softmax probabilities: scores whose softmax is that mean, as a soft
        vote of classifiers averages probabilities. Ignored with one member.
    skip_length : int, default=None
        If set, a linear layer ``skip`` (zero at initialisation) maps the last
        ``skip_length`` steps of the input, flattened, to the outputs and is
        added to the head's; missing values enter it as zeros. With
        ``n_quantiles`` it gives one value per output, added to every
        quantile: it moves them together and leaves their spread to the
        LSTM. Needs ``return_sequences=False``.
    future_steps : int, default=0
        If set, the last ``future_steps`` time steps of each sequence are not
        read by the LSTM: they hold inputs known ahead for the steps being
        forecast, one step per output (``output_size`` must equal it), in
        the channels ``future_channels``. A decoder shared by the steps adds
        to each step's output ``future_head(tanh(future_state(h) +
        future_inputs(x_k) + future_step[k]))``, from the LSTM's last output
        ``h``, the step's known inputs ``x_k`` and a learned embedding of the
        step: the forecast of a step can depend on its own known inputs and
        on their interaction with the past. ``future_head`` starts at zero,
        so training begins at the LSTM alone; with ``skip_length`` a linear
        term in each step's known inputs (shared by the steps, also starting
        at zero) joins the skip path. Needs ``return_sequences=False``.
    future_channels : sequence of int, default=None
        The channels of the last ``future_steps`` steps that are known ahead;
        the other channels of those steps are ignored (NaN, say).

    See Also
    --------
    GateLSTM : The gate-by-gate LSTM used with ``cell="gates"``.
    LSTMRegressor : Trains this network with a scikit-learn API.

    Notes
    -----
    Time steps whose features are all NaN are missing: the network reads each
    sequence as if they were not there (a left-padded window is read as the
    shorter window). Every sequence needs at least one present step; callers
    are expected to have checked that, and that no other NaN occurs.

    Examples
    --------
    >>> import torch
    >>> from sklstm import LSTMNet
    >>> net = LSTMNet(n_features=2, output_size=3, hidden_size=8)
    >>> tuple(net(torch.randn(4, 10, 2)).shape)
    (4, 3)
    >>> pair = LSTMNet(n_features=2, output_size=3, hidden_size=8, n_members=2)
    >>> [tuple(out.shape) for out in pair.member_outputs(torch.randn(4, 10, 2))]
    [(4, 3), (4, 3)]
    """

    def __init__(
        self,
        n_features,
        output_size,
        hidden_size=32,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        return_sequences=False,
        cell="torch",
        n_quantiles=None,
        n_members=1,
        combine="mean",
        skip_length=None,
        future_steps=0,
        future_channels=None,
    ):
        super().__init__()
        if cell not in ("torch", "gates"):
            raise ValueError(f"cell must be 'torch' or 'gates', got {cell!r}.")
        if int(n_members) < 1:
            raise ValueError(f"n_members must be at least 1, got {n_members!r}.")
        if combine not in ("mean", "probability"):
            raise ValueError(
                f"combine must be 'mean' or 'probability', got {combine!r}."
            )
        self.n_quantiles = n_quantiles
        self.return_sequences = return_sequences
        self.cell = cell
        self.n_members = int(n_members)
        self.combine = combine
        self.skip_length = skip_length or None
        if self.skip_length and return_sequences:
            raise ValueError("skip_length needs return_sequences=False.")
        self.future_steps = int(future_steps or 0)
        self.future_channels = tuple(future_channels or ())
        if self.future_steps and (
            return_sequences
            or not self.future_channels
            or output_size != self.future_steps
        ):
            raise ValueError(
                "future_steps needs return_sequences=False, future_channels and "
                f"one output per step ahead (output_size={output_size}, "
                f"future_steps={self.future_steps})."
            )
        if self.n_members > 1:
            # Members are whole one-member networks; a single network keeps
            # its layers at the top level, so its state_dict keys (and saved
            # models) are those of every earlier version.
            self.members = nn.ModuleList(
                LSTMNet(
                    n_features,
                    output_size,
                    hidden_size=hidden_size,
                    num_layers=num_layers,
                    bidirectional=bidirectional,
                    dropout=dropout,
                    return_sequences=return_sequences,
                    cell=cell,
                    n_quantiles=n_quantiles,
                    skip_length=skip_length,
                    future_steps=future_steps,
                    future_channels=future_channels,
                )
                for _ in range(self.n_members)
            )
            return
        lstm = _TorchLSTM if cell == "torch" else GateLSTM
        self.lstm = lstm(
            n_features,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            # nn.LSTM warns about dropout with a single layer.
            dropout=dropout if num_layers > 1 else 0.0,
            bidirectional=bidirectional,
        )
        self.dropout = _Dropout(dropout)
        width = hidden_size * (2 if bidirectional else 1)
        self.head = nn.Linear(width, output_size * (n_quantiles or 1))
        if self.future_steps:
            n_known = len(self.future_channels)
            self.future_state = nn.Linear(width, width)
            self.future_inputs = nn.Linear(n_known, width, bias=False)
            self.future_step = nn.Parameter(torch.zeros(self.future_steps, width))
            self.future_head = nn.Linear(width, n_quantiles or 1)
            if self.skip_length:
                self.skip_future = nn.Linear(n_known, 1, bias=False)
        if self.skip_length:
            # One value per output: with quantiles it moves all of them
            # alike (a location), and the LSTM alone shapes their spread.
            self.skip = nn.Linear(self.skip_length * n_features, output_size)
            nn.init.zeros_(self.skip.weight)
            nn.init.zeros_(self.skip.bias)

    def reset_parameters(self, generator=None):
        """Draw new initial weights, as torch initialises its layers.

        Every LSTM weight and bias from U(-1/sqrt(hidden_size),
        1/sqrt(hidden_size)), the head's from U(-1/sqrt(fan_in),
        1/sqrt(fan_in)) (``nn.Linear``'s default), member after member.

        Parameters
        ----------
        generator : torch.Generator, default=None
            A CPU generator to draw from (the same weights on every device for
            a seed); torch's global generator when None.
        """
        if self.n_members > 1:
            for member in self.members:
                member.reset_parameters(generator)
            return
        if self.skip_length:
            # The linear path starts at zero: training begins at the LSTM's.
            nn.init.zeros_(self.skip.weight)
            nn.init.zeros_(self.skip.bias)
        if self.future_steps:
            # So does the decoder of the steps ahead.
            nn.init.zeros_(self.future_head.weight)
            nn.init.zeros_(self.future_head.bias)
            if self.skip_length:
                nn.init.zeros_(self.skip_future.weight)
        if generator is None:
            self.lstm.reset_parameters()
            self.head.reset_parameters()
            if self.future_steps:
                self.future_state.reset_parameters()
                self.future_inputs.reset_parameters()
                nn.init.uniform_(self.future_step, -0.1, 0.1)
            return
        bound = 1.0 / math.sqrt(self.lstm.hidden_size)
        for weight in self.lstm.parameters():
            _uniform_(weight, bound, generator)
        bound = 1.0 / math.sqrt(self.head.in_features)
        for weight in self.head.parameters():
            _uniform_(weight, bound, generator)
        if self.future_steps:  # drawn last: networks without it are unchanged
            for layer in (self.future_state, self.future_inputs):
                bound = 1.0 / math.sqrt(layer.in_features)
                for weight in layer.parameters():
                    _uniform_(weight, bound, generator)
            _uniform_(self.future_step, 0.1, generator)

    def _run_with_missing(self, X, present):
        """Run the LSTM skipping missing steps; outputs are zero at them.

        The present steps of each sequence are moved to the front (stable, so
        in order); the sequences with the same number of present steps then
        run as one dense batch, padded with zeros to the full batch size. Every
        run has the shape of the batch whatever else it holds, so a sequence's
        output does not depend on the other sequences of its batch (packing
        would change the batch size step by step, and with it the float32
        kernels and their last bits).
        """
        X = torch.nan_to_num(X, nan=0.0)
        if self.cell == "gates":
            return self.lstm(X, mask=present)[0]
        batch, seq_len, n_features = X.shape
        order = torch.argsort((~present).to(torch.int8), dim=1, stable=True)
        lengths = present.sum(dim=1)
        compact = torch.gather(X, 1, order[:, :, None].expand_as(X))
        out = None
        for length in torch.unique(lengths).tolist():
            rows = torch.nonzero(lengths == length).squeeze(1)
            part = compact[rows, :length]
            pad = part.new_zeros((batch - len(rows), length, n_features))
            run = self.lstm(torch.cat([part, pad]))[0][: len(rows)]
            run = nn.functional.pad(run, (0, 0, 0, seq_len - length))
            if out is None:
                out = run.new_zeros((batch, seq_len, run.shape[2]))
            out = out.index_put((rows,), run)
        # Scatter the outputs back to the original positions of their steps.
        restored = torch.zeros_like(out)
        restored.scatter_(1, order[:, :, None].expand_as(out), out)
        return restored

    def __setstate__(self, state):
        super().__setstate__(state)
        # Networks pickled before these attributes existed read none ahead.
        self.__dict__.setdefault("future_steps", 0)
        self.__dict__.setdefault("future_channels", ())

    def _skip(self, X, future=None):
        """The linear part: weights times the last ``skip_length`` steps, plus
        a weighted sum of each step's inputs known ahead.

        A product and a sum per row rather than a matrix product: float32
        matrix kernels treat a row differently by its position in the batch
        (for some widths), and a row's forecast must not depend on the rows
        beside it. The cost is a few multiplications per input.
        """
        window = torch.nan_to_num(X[:, -self.skip_length :], nan=0.0).flatten(1)
        if future is not None:
            ahead = (future * self.skip_future.weight[0]).sum(-1)
            return self._skip_past(window) + ahead
        return self._skip_past(window)

    def _skip_past(self, window):
        return (window[:, None, :] * self.skip.weight).sum(-1) + self.skip.bias

    def forward(self, X):
        """Map sequences to outputs.

        Parameters
        ----------
        X : torch.Tensor of shape (batch, seq_len, n_features)
            Input sequences; all-NaN time steps are treated as missing.

        Returns
        -------
        y : torch.Tensor
            ``(batch, output_size)``, or ``(batch, seq_len, output_size)``
            with ``return_sequences=True``; with ``n_quantiles``, one more
            last dimension of that size, increasing along it. With
            ``n_members``, the members' outputs combined as ``combine`` says.
        """
        if self.n_members > 1:
            outputs = torch.stack(self.member_outputs(X))
            if self.combine == "mean":
                return outputs.mean(dim=0)
            # log(mean_k softmax(z_k)), computed stably in log space.
            log_proba = torch.log_softmax(outputs, dim=-1)
            return torch.logsumexp(log_proba, dim=0) - math.log(self.n_members)
        future = None
        if self.future_steps:
            future = X[:, -self.future_steps :][:, :, list(self.future_channels)]
            X = X[:, : -self.future_steps]
        nan = torch.isnan(X)
        if nan.any():
            present = ~nan.all(dim=2)
            out = self._run_with_missing(X, present)
            if not self.return_sequences:
                # The last present step of each sequence.
                out = out[torch.arange(len(out), device=out.device), _last(present)]
        else:
            out = self.lstm(X)[0]
            if not self.return_sequences:
                out = out[:, -1]
        out = self.dropout(out)
        if future is not None:
            state = self.future_state(out)[:, None, :]
            z = torch.tanh(state + self.future_inputs(future) + self.future_step)
            ahead = self.future_head(z).flatten(1)  # (batch, steps * n_quantiles)
            out = self.head(out) + ahead
        else:
            out = self.head(out)
        if self.n_quantiles:
            out = _non_crossing(out.unflatten(-1, (-1, self.n_quantiles)))
        if self.skip_length:
            skip = self._skip(X, future)
            out = out + (skip[..., None] if self.n_quantiles else skip)
        return out

    def member_outputs(self, X):
        """The outputs of every member, as a list (one item for one member).

        Parameters
        ----------
        X : torch.Tensor of shape (batch, seq_len, n_features)
            Input sequences, as for :meth:`forward`.

        Returns
        -------
        outputs : list of torch.Tensor
            ``n_members`` tensors of the shape :meth:`forward` returns.
        """
        if self.n_members == 1:
            return [self(X)]
        return [member(X) for member in self.members]


def _non_crossing(raw):
    """Increasing quantiles: the first, then softplus increments added on."""
    if raw.shape[-1] == 1:
        return raw
    steps = nn.functional.softplus(raw[..., 1:])
    return torch.cat([raw[..., :1], raw[..., :1] + steps.cumsum(-1)], dim=-1)


class PinballLoss(nn.Module):
    """Mean pinball (quantile) loss of increasing quantile predictions.

    For a quantile level :math:`q` and the error :math:`e = y - \\hat y_q`,
    the loss is :math:`\\max(q e, (q - 1) e)`; its minimiser is the
    :math:`q`-quantile of :math:`y`. ``forward(pred, target)`` takes
    predictions with one more last dimension (the quantiles) than the target
    and averages over everything.

    Parameters
    ----------
    quantiles : sequence of float
        The quantile levels, in the order of the last dimension of the
        predictions.
    reduction : {"mean", "none"}, default="mean"
        ``"none"`` returns the loss of every prediction, like torch's losses.
    """

    def __init__(self, quantiles, reduction="mean"):
        super().__init__()
        self.register_buffer(
            "quantiles", torch.as_tensor(quantiles, dtype=torch.float32)
        )
        self.reduction = reduction

    def forward(self, pred, target):
        """Mean pinball loss of ``pred`` (``target.shape + (n_quantiles,)``)."""
        error = target.unsqueeze(-1) - pred
        q = self.quantiles.to(pred.device)
        loss = torch.maximum(q * error, (q - 1) * error)
        return loss if self.reduction == "none" else loss.mean()


# The losses LSTMForecaster's ``loss`` names.
LOSSES = {
    "squared_error": nn.MSELoss,
    "absolute_error": nn.L1Loss,
    "huber": nn.HuberLoss,
}


class _RowWeightedLoss(nn.Module):
    """A loss in which every row (window) counts by its own weight.

    The weights travel as the last column of the target, so they follow the
    windows through batching and the early-stopping split. ``forward(pred,
    target)`` reads ``target[:, :-1]`` as the targets and ``target[:, -1]``
    as the weights, and averages the weighted losses of all predictions.

    Parameters
    ----------
    loss : {"absolute_error", "squared_error", "huber"}, default="absolute_error"
        The loss of each prediction; ignored with ``quantiles``.
    quantiles : sequence of float, default=None
        Quantile levels: the pinball loss of each quantile prediction.
    """

    def __init__(self, loss="absolute_error", quantiles=None):
        super().__init__()
        if quantiles is None:
            self.loss = LOSSES[loss](reduction="none")
        else:
            self.loss = PinballLoss(quantiles, reduction="none")

    def forward(self, pred, target):
        weight = target[:, -1]
        losses = self.loss(pred, target[:, :-1])
        return (losses * weight.view(-1, *[1] * (losses.dim() - 1))).mean()


def _last(present):
    """Index of the last present step of each sequence."""
    positions = torch.arange(present.shape[1], device=present.device)
    return torch.where(present, positions, -1).argmax(dim=1)
