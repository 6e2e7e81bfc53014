"""Data-parallel training over ``torch.distributed`` (``distributed=True``).

Every process of the default process group fits the estimator on the same
data: each computes the same scaling and draws the same initial weights and
order of the windows, trains on its part of each batch (see
:class:`~sklstm._data._Shard`) and averages its gradients with the others'
through torch's ``DistributedDataParallel``. The processes therefore take
the steps one process would take on the whole batches, and all end with the
same network, an ordinary ``LSTMNet``: the ``DistributedDataParallel``
wrappers live for one training call only.

The weighting that makes the averaged gradients the whole batch's assumes a
loss that is a mean over the windows, as all of the estimators' losses are,
except the classifier's with ``class_weight``: torch's weighted
cross-entropy divides by the sum of the weights of the batch's labels, here
of each process's part, so those steps are close to one process's, not
equal.
"""

import numpy as np
import torch
import torch.distributed as dist
from skorch.utils import to_tensor
from torch.nn.parallel import DistributedDataParallel

from ._data import _Shard


def _check_process_group(est):
    """Raise the ``ValueError`` of ``distributed=True`` without a process group."""
    if not getattr(est, "distributed", False):
        return
    if not (dist.is_available() and dist.is_initialized()):
        raise ValueError(
            f"{type(est).__name__}(distributed=True) trains on every process of "
            "torch's default process group, but none is initialised in this "
            "process. Start the script with torchrun (e.g. `torchrun --standalone "
            "--nproc_per_node 2 train.py`) and call "
            "torch.distributed.init_process_group() before fit, or set "
            "distributed=False."
        )


class _DataParallel:
    """This process's part in a data-parallel training call.

    Built by :meth:`~sklstm._base._BaseLSTM._train` around the fit's network
    and dropped when the call ends. It checks that the processes train on as
    many windows as each other, wraps the network (each member of an
    ensemble, which trains on its own part of each batch) in
    ``DistributedDataParallel``, which starts every process from rank 0's
    weights, and runs the training step of :class:`~sklstm._net._Net`.

    Parameters
    ----------
    module : LSTMNet
        The network the estimator trains.
    budget : tuple of int
        ``(n_samples, batch_size, epochs)`` of this call, which every process
        must share.
    device : torch.device
        The device of the network.
    """

    def __init__(self, module, budget, device):
        self.rank = dist.get_rank()
        self.world = dist.get_world_size()
        self._check_same(budget, device)
        self.shard = _Shard(self.rank, self.world)
        members = module.members if module.n_members > 1 else [module]
        self.replicas = [DistributedDataParallel(member) for member in members]

    def _check_same(self, budget, device):
        local = torch.tensor(budget, dtype=torch.int64, device=device)
        gathered = [torch.empty_like(local) for _ in range(self.world)]
        dist.all_gather(gathered, local)
        budgets = [tuple(int(v) for v in b.tolist()) for b in gathered]
        if len(set(budgets)) > 1:
            described = ", ".join(
                f"rank {rank}: {n:,} samples, batch_size={b}, {e} epochs"
                for rank, (n, b, e) in enumerate(budgets)
            )
            raise ValueError(
                "distributed=True needs every process to fit the same data with "
                f"the same settings, but they differ ({described}). Pass the same "
                "X and y and the same parameters to fit on every process: each "
                "trains on its own part of every batch."
            )

    def dropout_generator(self, device, seed):
        """A generator of dropout masks of this process's own.

        The order of the windows is drawn from the fit's generator, the same
        on every process; the masks, drawn for different windows and in
        different numbers, come from another, seeded by ``seed`` and the rank.
        """
        state = np.random.SeedSequence([seed, self.rank]).generate_state(1)
        return torch.Generator(device=device).manual_seed(int(state[0]))

    def train_step(self, net, batch):
        """Forward and backward pass of this process's part of a batch.

        ``batch`` is ``(X, y, (weight, batch_size))`` (see
        :class:`~sklstm._data._BatchIterator`). The part's mean loss is
        weighted by its share of the batch, so that the gradients
        ``DistributedDataParallel`` averages over the processes (during the
        backward pass) are those of the whole batch's mean loss. The loss
        returned is the whole batch's, the same on every process, so every
        process records the same history and stops at the same point.
        """
        X, y, (weight, _) = batch
        net._set_training(True)
        X = to_tensor(X, device=net.device)
        n = len(self.replicas)
        outputs, losses = [], []
        for replica, x, target in zip(self.replicas, X.chunk(n), y.chunk(n)):
            out = replica(x)
            loss = weight * net.get_loss(out, target, X=x, training=True)
            loss.backward()
            outputs.append(out.detach())
            losses.append(loss.detach())
        loss = torch.stack(losses).mean()
        dist.all_reduce(loss)
        return {"loss": loss / self.world, "y_pred": torch.cat(outputs)}
