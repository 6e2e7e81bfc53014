"""The skorch net the estimators train, and its callbacks.

:class:`_Net` is skorch's ``NeuralNetRegressor`` with less Python work per
batch and randomness from a generator of each fit's own; the callbacks stop
diverging training, anneal the learning rate and report the time left.
"""

import datetime
import math

import torch
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback
from skorch.dataset import unpack_data
from skorch.history import History
from skorch.utils import to_tensor

from .exceptions import TrainingDivergedError

_OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}


def _divergence_message(what, epoch, lr):
    return (
        f"Training diverged: {what} in epoch {epoch}, so training was stopped. "
        f"Lower the learning rate (lr={lr!r}; try lr={lr / 10:g}), keep scaling "
        "on (scale_X=True, scale_y=True) or check X and y for extreme values."
    )


class _DivergenceCheck(Callback):
    """Stop training at the first non-finite loss instead of returning NaN."""

    def on_batch_end(self, net, batch=None, training=None, loss=None, **kwargs):
        if loss is None:
            return
        # skorch has just recorded the loss as a float: reading it back avoids
        # a second conversion (a device synchronisation on a GPU) per batch.
        phase = "train" if training else "valid"
        value = list.__getitem__(net.history, -1)["batches"][-1].get(f"{phase}_loss")
        if value is None:
            value = loss.item()
        if not math.isfinite(value):
            phase = "training" if training else "validation"
            raise TrainingDivergedError(
                _divergence_message(
                    f"the {phase} loss became {value}", len(net.history), net.lr
                )
            )


_PER_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_grad_computed")
# Optimizers whose ``step`` evaluates a closure at most once (see _Net).
_CLOSURE_FREE = tuple(_OPTIMIZERS.values())


class _History(History):
    """skorch's ``History``, recording per-batch values without copying it.

    ``History.__getitem__`` copies the list of epochs on every access, and
    skorch records three values per batch through it (``new_batch`` and two
    ``record_batch``). Reading the last epoch directly stores the same
    values.
    """

    def new_batch(self):
        list.__getitem__(self, -1)["batches"].append({})

    def record_batch(self, attr, value):
        list.__getitem__(self, -1)["batches"][-1][attr] = value


class _Net(NeuralNetRegressor):
    """skorch's ``NeuralNetRegressor`` doing less Python work per batch.

    The training loop is skorch's; the arithmetic is unchanged, so results
    are bit-identical. Profiling the small networks these estimators train
    showed skorch's bookkeeping next to the arithmetic of every batch; three
    pieces of it are trimmed here:

    - per-batch hooks (``on_batch_begin``, ``on_batch_end``,
      ``on_grad_computed``) are called only on the callbacks that define
      them, not on every callback's empty default (the net's own hooks are
      always called);
    - train/eval mode is set only when it changes, instead of walking the
      modules for every batch (a callback that switches the mode of the
      whole module is still followed; one that changes a submodule only is
      left alone);
    - the history records batch values without copying itself
      (:class:`_History`).

    Its randomness comes from ``rng_``, a CPU ``torch.Generator`` that the
    estimator sets for the duration of a training call: the initial weights
    and the order of the windows are drawn from it, never from torch's global
    generator, so fits running side by side in threads cannot take each
    other's random numbers.

    In data-parallel training (``distributed=True``), ``parallel_``, a
    :class:`~sklstm._parallel._DataParallel` set for the duration of a
    training call, shards the training batches and runs the training step.
    """

    rng_ = None
    parallel_ = None

    def initialize_module(self):
        # Built on the meta device, the layers draw no initial weights from
        # torch's global generator; they are drawn from the fit's own.
        with torch.device("meta"):
            module = self.module(**self.get_params_for("module"))
        module = module.to_empty(device="cpu")
        generator = self.rng_
        if generator is None:  # rebuilt to load saved weights into
            generator = torch.Generator().manual_seed(0)
        module.reset_parameters(generator)
        self.module_ = module
        return self

    def get_iterator(self, dataset, training=False):
        iterator = super().get_iterator(dataset, training)
        if training:
            iterator.generator = self.rng_
            if self.parallel_ is not None:
                iterator.shard = self.parallel_.shard
        return iterator

    def initialize_history(self):
        if self.history_ is None:
            self.history_ = _History()
        else:
            self.history_.clear()
        return self

    def initialize_callbacks(self):
        super().initialize_callbacks()
        self.batch_hooks_ = {}
        return self

    def notify(self, method_name, **cb_kwargs):
        if method_name not in _PER_BATCH_HOOKS:
            return super().notify(method_name, **cb_kwargs)
        for hook in self._hooks(method_name):
            hook(self, **cb_kwargs)

    def train_step(self, batch, **fit_params):
        # skorch hands the optimizer a closure that zeroes the gradients,
        # runs the step and notifies ``on_grad_computed`` through a generator
        # of all parameters, for optimizers such as LBFGS that re-evaluate
        # the loss. The built-in optimizers call it exactly once, so without
        # an ``on_grad_computed`` callback the same three calls run directly.
        optimizer = getattr(self, "optimizer_", None)
        if (
            fit_params
            or len(self._optimizers) != 1
            or type(optimizer) not in _CLOSURE_FREE
            or self._hooks("on_grad_computed")[1:]
        ):
            return super().train_step(batch, **fit_params)
        optimizer.zero_grad()
        step = self.train_step_single(batch)
        optimizer.step()
        return step

    def train_step_single(self, batch, **fit_params):
        if self.parallel_ is not None:
            return self.parallel_.train_step(self, batch)
        module = self.module_
        members = getattr(module, "n_members", 1)
        if members == 1:
            return super().train_step_single(batch, **fit_params)
        # An ensemble (LSTMNet's n_members): the batch stacks one chunk of
        # windows per member (_BatchIterator), each member reads its own and
        # is trained on its own loss, as it would be alone. Each loss is
        # backpropagated before the next member runs: the gradients are those
        # of the sum, and only one member's activations are held at a time
        # (holding all of them made a step of two members take 3 times as
        # long as one member's, from cache misses). The recorded loss is the
        # members' mean.
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        Xi = to_tensor(Xi, device=self.device)
        if len(Xi) % members:
            raise RuntimeError(
                f"A training batch of {len(Xi)} rows cannot be split among "
                f"{members} networks; it must stack one chunk per network."
            )
        chunks = zip(module.members, Xi.chunk(members), yi.chunk(members))
        outputs, losses = [], []
        for member, x, y in chunks:
            out = member(x)
            loss = self.get_loss(out, y, X=x, training=True)
            loss.backward()
            outputs.append(out.detach())
            losses.append(loss.detach())
        return {"loss": torch.stack(losses).mean(), "y_pred": torch.cat(outputs)}

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if training and self.parallel_ is not None:
            # skorch recorded the size of this process's part of the batch;
            # the epoch's training loss weighs the batches (whose losses are
            # the whole batches', see _DataParallel) by their whole size, so
            # that every process records the same.
            self.history.record_batch("train_batch_size", batch[2][1])

    def _hooks(self, method_name):
        """The net's own hook and the callbacks' that override the default."""
        hooks = getattr(self, "batch_hooks_", None)
        if hooks is None:
            hooks = self.batch_hooks_ = {}
        if method_name not in hooks:
            default = getattr(Callback, method_name)
            hooks[method_name] = [getattr(self, method_name)] + [
                getattr(cb, method_name)
                for _, cb in self.callbacks_
                if getattr(getattr(cb, method_name), "__func__", None) is not default
            ]
        return hooks[method_name]

    def _set_training(self, training=True):
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module) and module.training != training:
                module.train(training)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("batch_hooks_", None)  # bound methods, rebuilt on demand
        # The data-parallel wrappers of a training call (should a callback
        # pickle the net during one) belong to that call's processes.
        state.pop("parallel_", None)
        return state


class _TimeLeft(Callback):
    """Record the estimated time left of the current call in the history.

    skorch's ``PrintLog`` prints every history key, so with ``verbose=1`` each
    epoch's line shows ``time_left`` (``h:mm:ss``) next to the losses and the
    epoch duration ``dur``: the mean duration of the epochs of this call times
    the epochs still to run. With early stopping it is an upper bound.
    """

    def __init__(self, epochs=1):
        self.epochs = epochs

    def on_train_begin(self, net, **kwargs):
        self.done_, self.elapsed_ = 0, 0.0

    def on_epoch_end(self, net, **kwargs):
        self.done_ += 1
        self.elapsed_ += net.history[-1, "dur"]
        left = self.elapsed_ / self.done_ * max(self.epochs - self.done_, 0)
        net.history.record("time_left", str(datetime.timedelta(seconds=round(left))))


class _CosineLR(Callback):
    """Anneal the learning rate over the epochs of each training call.

    Epoch ``k`` of ``epochs`` trains at ``lr * (1 + cos(pi * k / epochs)) / 2``:
    ``lr`` first, close to zero last. Each call (``fit``, a warm-started
    ``fit``, ``partial_fit``) starts again at ``lr``, so one-epoch calls
    train at ``lr``.
    """

    def __init__(self, epochs=1):
        self.epochs = epochs

    def on_train_begin(self, net, **kwargs):
        self.done_ = 0

    def on_epoch_begin(self, net, **kwargs):
        lr = net.lr * 0.5 * (1.0 + math.cos(math.pi * self.done_ / self.epochs))
        for group in net.optimizer_.param_groups:
            group["lr"] = lr

    def on_epoch_end(self, net, **kwargs):
        self.done_ += 1


def _check_finite_weights(net):
    """Catch a last update that made the weights non-finite.

    The loss is computed before each update, so the batch losses cannot see
    what the very last optimizer step did.
    """
    for name, param in net.module_.named_parameters():
        if not torch.isfinite(param).all():
            raise TrainingDivergedError(
                _divergence_message(
                    f"the weights {name} became non-finite",
                    len(net.history),
                    net.lr,
                )
            )
