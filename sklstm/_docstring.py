"""Parameter descriptions shared by the estimators' docstrings.

A class docstring names a shared parameter by a placeholder line such as
``    {verbose}``; :func:`_fill_doc` replaces it with the entry of
``_SHARED_PARAMETERS``, indented as the placeholder was. Only the names of
``_SHARED_PARAMETERS`` are replaced, so the braces of type specifications
(``{"torch", "gates"}``) stay as they are. The entries may use
``{samples}``, the estimator's word for its samples ("windows" for the
forecaster). The idea is imbalanced-learn's ``Substitution`` decorator.
"""

import re
import textwrap

_SHARED_PARAMETERS = {
    "hidden_size": """\
hidden_size : int, default=32
    Number of hidden units of each LSTM layer (per direction).""",
    "num_layers": """\
num_layers : int, default=1
    Number of stacked LSTM layers.""",
    "max_epochs": """\
max_epochs : int or "auto", default="auto"
    Number of passes over the training {samples} (fewer with early
    stopping). ``"auto"`` sizes the training by the number of training
    {samples} ``n``: 100 epochs up to ``n = 2048``, then fewer as the batches
    grow (67, 45 and 30 epochs with batches of 64, 128 and 256), and at
    most 1.6 million {sample} passes (a panel of 100,000 windows trains 16
    epochs). Beyond 1.6 million training {samples}, ``"auto"`` trains one
    epoch on a random sample of 1.6 million of them, drawn without
    replacement from the fit's own generator, so every {sample} is equally
    likely to be seen (a series weighs by its number of windows, as in a
    full epoch) and the training time stops growing with the data. An int
    trains on every {sample} in every epoch. ``n_epochs_`` holds the number
    trained; ``verbose=1`` prints the choice.""",
    "batch_size": """\
batch_size : int or "auto", default="auto"
    Number of {samples} per gradient step, also the (padded) size of the
    batches predictions are made in. ``"auto"``: 32 up to ``n = 2048``
    training {samples}, then doubled for every doubling of ``n``, up to 256
    (from ``n = 8193`` on). ``batch_size_`` holds the size used;
    ``verbose=1`` prints it.""",
    "optimizer": """\
optimizer : {{"adam", "adamw", "sgd", "rmsprop"}} or torch optimizer class, \
default="adam"
    Optimizer used for training.""",
    "weight_decay": """\
weight_decay : float, default=0.0
    L2 penalty passed to the optimizer.""",
    "n_iter_no_change": """\
n_iter_no_change : int, default=10
    Patience of early stopping, in epochs.""",
    "callbacks": """\
callbacks : list of skorch callbacks or (name, callback) tuples, default=None
    Extra skorch callbacks, passed through to the net (copied at fit time).""",
    "device": """\
device : str or torch.device, default="cpu"
    Device to train and predict on, e.g. ``"cuda"``. :meth:`fit` raises a
    ``ValueError`` for a device this machine cannot use. A model pickled
    on a GPU loads on a machine without CUDA onto the CPU, with a skorch
    ``DeviceWarning``.""",
    "n_threads": """\
n_threads : int, default=None
    Number of torch threads :meth:`fit` and :meth:`partial_fit` train with:
    torch's thread count is set to it for the duration of the call and
    restored afterwards. Predictions never change the thread count (other
    threads may be predicting): they run with the process's. None leaves
    torch's setting as it is; in parallel searches the workers of joblib's
    default ``loky`` backend and of Dask are already limited to ``n_cpus //
    n_jobs`` and one thread, respectively, so each parallel fit is bounded
    without it. See the scaling guide (``docs/scaling.rst``).""",
    "distributed": """\
distributed : bool, default=False
    Train one model on several processes, on one machine or many, with
    ``torch.distributed``: every process of the default process group (one
    started by ``torchrun``, on which the script has called
    ``torch.distributed.init_process_group``) calls :meth:`fit` with the
    same data and parameters, trains on its own part of each batch of
    {samples} and averages its gradients with the others' (torch's
    ``DistributedDataParallel``: gloo on CPUs, NCCL on GPUs). The batches
    are those of one process with the same ``batch_size``, and so are the
    steps, up to float rounding, without dropout (whose masks each process
    draws); every process ends with the same fitted model, which saves,
    loads and predicts like any other (save it on one process).
    :meth:`fit` raises a ``ValueError`` without a process group. See the
    scaling guide (``docs/scaling.rst``) for the ``torchrun`` commands.""",
    "verbose": """\
verbose : int, default=0
    0 prints nothing. 1 prints: when ``max_epochs`` or ``batch_size`` is
    ``"auto"``, a line at the start of every :meth:`fit` and
    :meth:`partial_fit` call with the number of training {samples} and the
    ``batch_size`` and ``max_epochs`` chosen; skorch's log after every
    epoch: the training (and, with early stopping, validation) loss, the
    epoch's duration ``dur`` in seconds and the estimated ``time_left`` of
    the call (``h:mm:ss``); with early stopping, a line when it stops
    training and one naming the epoch whose weights it restores. 2 also
    shows a progress bar of the batches of each epoch, on standard error.""",
    "random_state": """\
random_state : int, RandomState instance or None, default=None
    Seeds weight initialisation, dropout and shuffling. An int gives
    bit-identical refits, also across processes, on the same device and
    torch thread count; None draws a new seed from NumPy's global RNG, so
    every fit differs. Each fit draws from generators of its own, never
    from torch's global one, whose state it leaves unchanged: fits that
    run side by side in threads give the same models as one after the
    other.""",
}

_PLACEHOLDER = re.compile(
    r"^(?P<indent>[ \t]*)\{(?P<name>" + "|".join(_SHARED_PARAMETERS) + r")\}[ \t]*$",
    flags=re.MULTILINE,
)


def _fill_doc(samples="samples"):
    """Class decorator: fill the shared-parameter placeholders of the docstring.

    ``samples`` is the plural the texts use for the estimator's samples.
    """
    words = {"samples": samples, "sample": samples[:-1]}

    def fill(match):
        text = _SHARED_PARAMETERS[match["name"]].format(**words)
        return textwrap.indent(text, match["indent"])

    def decorate(cls):
        # Docstrings are None under ``python -OO``.
        if cls.__doc__:
            cls.__doc__ = _PLACEHOLDER.sub(fill, cls.__doc__)
        return cls

    return decorate
