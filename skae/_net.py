"""The skorch side: a small ``NeuralNet`` subclass and a fast batch data path."""

import math
import warnings

import numpy as np
import torch
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping
from skorch.utils import to_tensor

from ._loss import entry_entropies, entry_losses, observed_entries, row_means

# Data whose float32 copy fits in this many bytes is converted once, not batch
# by batch; larger data (a memmap, say) is never copied whole.
_CONVERT_ONCE_BYTES = 64 * 2**20


class ArrayDataset(torch.utils.data.Dataset):
    """Rows of one array, each sample its own target, served as float32 batches.

    A float32 C-contiguous array is shared with a tensor and batches are
    gathered with ``index_select``, the fastest path. Another array whose
    float32 copy takes at most 64 MiB is converted once; any larger one
    (float64, integers, a read-only ``np.memmap`` of uint8 ...) is converted
    batch by batch, so that no float32 copy of the whole data is made.

    Parameters
    ----------
    X : ndarray or torch.Tensor of shape (n_samples, n_features)
        The data; copied only as described above.

    indices : torch.Tensor of int64, default=None
        The rows of `X` that make up this dataset (e.g. a validation split),
        so that a split costs no copy of the data. None means all rows.
    """

    def __init__(self, X, indices=None):
        if (
            isinstance(X, np.ndarray)
            and not isinstance(X, np.memmap)
            and X.dtype != np.float32
            and X.size * 4 <= _CONVERT_ONCE_BYTES
        ):
            # Converting sklearn-sized data once costs less than every batch.
            X = np.ascontiguousarray(X, dtype=np.float32)
        if isinstance(X, np.ndarray) and X.dtype == np.float32 and X.flags.c_contiguous:
            X = as_tensor(X)
        self.X = X
        self.indices = indices

    def __len__(self):
        return len(self.X) if self.indices is None else len(self.indices)

    def __getitem__(self, index):
        # Only for the Dataset protocol: training goes through BatchIterator.
        indices = torch.as_tensor([index], device="cpu")
        if self.indices is not None:
            indices = self.indices[indices]
        row = self.rows(indices)[0]
        return row, row

    def rows(self, indices):
        """Return the rows at `indices` (a tensor of int64) as a float32 tensor."""
        if isinstance(self.X, torch.Tensor):
            # index_select gathers rows faster than X[indices] (Benchmarks page)
            return self.X.index_select(0, indices)
        return torch.from_numpy(self.X[indices.numpy()].astype(np.float32))

    def slice(self, start, stop):
        """Return rows ``start:stop`` as a float32 tensor (a view when possible)."""
        if isinstance(self.X, torch.Tensor):
            return self.X[start:stop]
        return torch.from_numpy(np.asarray(self.X[start:stop], dtype=np.float32))

    def split(self, n_valid, generator):
        """Split into a training and a validation dataset of `n_valid` random rows."""
        order = torch.randperm(len(self), generator=generator, device="cpu")
        if self.indices is not None:
            order = self.indices[order]
        return ArrayDataset(self.X, order[n_valid:]), ArrayDataset(
            self.X, order[:n_valid]
        )


def as_tensor(X):
    """Share the memory of a numpy array with a tensor, read-only arrays too.

    torch warns that it cannot protect a read-only array from writes; skae
    never writes to its input.
    """
    if X.flags.writeable:
        return torch.from_numpy(X)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not")
        return torch.from_numpy(X)


class BatchIterator:
    """Iterate over an :class:`ArrayDataset` in whole batches.

    skorch's default path indexes the dataset sample by sample and collates
    the results, which is several times slower than slicing one tensor.
    Each batch is ``(input, target)``: the target is the clean batch, the
    input is the same batch with noise added when `noise` is positive.

    Parameters
    ----------
    dataset : ArrayDataset
        The data to iterate over.

    batch_size : int
        Number of samples per batch; the last batch may be smaller.

    shuffle : bool, default=False
        Draw a new permutation of the samples at every pass.

    generator : torch.Generator, default=None
        Source of randomness for the permutations and the noise.

    noise : float, default=0.0
        Standard deviation of the Gaussian noise, or fraction of inputs set
        to zero with masking noise.

    noise_type : {'gaussian', 'masking'}, default='gaussian'
        Kind of noise added to the inputs.

    holes : bool, default=False
        Whether masking noise makes holes (NaN), as the data's own missing
        entries, instead of zeros: for a graph that sees holes.

    seed : int, default=None
        Draw the noise of every pass from a new generator seeded with it,
        so that each pass hides the same entries: a validation loss on
        hidden entries then compares epochs on one task. None draws from
        `generator`.
    """

    def __init__(
        self,
        dataset,
        batch_size,
        shuffle=False,
        generator=None,
        noise=0.0,
        noise_type="gaussian",
        holes=False,
        seed=None,
    ):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.noise = noise
        self.noise_type = noise_type
        self.holes = holes
        self.seed = seed

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        dataset, indices = self.dataset, self.dataset.indices
        generator = self.generator
        if self.seed is not None:
            generator = torch.Generator().manual_seed(self.seed)
        if self.shuffle:
            order = torch.randperm(len(dataset), generator=generator, device="cpu")
            indices = order if indices is None else indices[order]
        for start in range(0, len(dataset), self.batch_size):
            stop = start + self.batch_size
            if indices is None:
                batch = dataset.slice(start, stop)
            else:
                batch = dataset.rows(indices[start:stop])
            yield self._corrupt(batch, generator), batch

    def _corrupt(self, batch, generator):
        if self.noise == 0:
            return batch
        if self.noise_type == "masking":
            keep = torch.rand(
                batch.shape, generator=generator, dtype=batch.dtype, device="cpu"
            )
            keep = keep >= self.noise
            if self.holes:
                return batch.masked_fill(~keep, float("nan"))
            return batch * keep
        noise = torch.randn(
            batch.shape, generator=generator, dtype=batch.dtype, device="cpu"
        )
        return batch + self.noise * noise


class AutoencoderNet(NeuralNet):
    """skorch net whose module returns ``(reconstruction, code[, penalty])``.

    The loss compares the reconstruction with the clean batch and adds
    ``activity_regularization`` times the L1 norm of the code (summed over
    components, averaged over samples, as Keras' ``activity_regularizer``),
    and the graph's own penalty where its forward returns one.

    Parameters
    ----------
    *args, **kwargs
        As :class:`skorch.NeuralNet`.

    activity_regularization : float, default=0.0
        Weight of the L1 penalty on the code.

    support_fraction : float, default=1.0
        Fraction of each training batch that the reconstruction loss is
        averaged over: its best-reconstructed rows (a trimmed loss). Below 1,
        the worst-reconstructed rows of each batch do not train the network.

    warm_up_epochs : int, default=0
        Epochs (counted in the history) trained on every row before the loss
        is trimmed, so that rows are ranked by a network that has learnt
        something.

    masked : bool, default=False
        Whether the data holds holes (NaN): the graph then sees them as 0
        (or as NaN, if its ``sees_holes`` is true) and the loss leaves them
        out, each row's loss the mean over its observed entries (see
        :mod:`skae._loss`).
    """

    def __init__(
        self,
        *args,
        activity_regularization=0.0,
        support_fraction=1.0,
        warm_up_epochs=0,
        masked=False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.activity_regularization = activity_regularization
        self.support_fraction = support_fraction
        self.warm_up_epochs = warm_up_epochs
        self.masked = masked

    def infer(self, x, **fit_params):
        # A hole is fed to the graph as 0: the mean, in the units the imputer
        # standardizes to, as masking noise zeroes an input.
        if self.masked and not getattr(self.module_, "sees_holes", False):
            x = torch.nan_to_num(x, nan=0.0)
        return super().infer(x, **fit_params)

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # skorch's loop notifies every callback of every batch and switches the
        # train/eval mode before each; on a small fit that bookkeeping costs as
        # much as the arithmetic. Here the mode is set once per pass and
        # callbacks hear of batches only if one of them listens. The history
        # records the same per-batch loss and size as skorch's loop.
        if iterator is None:
            return
        self.module_.train(training)
        self.criterion_.train(training)
        notify = bool(self._heard & {"on_batch_begin", "on_batch_end"})
        batches = list.__getitem__(self.history, -1)["batches"]
        batch_count = 0
        for batch in iterator:
            if notify:
                self.notify("on_batch_begin", batch=batch, training=training)
            else:
                batches.append({})
            step = step_fn(batch, **fit_params)
            batches[-1][prefix + "_loss"] = step["loss"].item()
            batches[-1][prefix + "_batch_size"] = len(batch[1])
            if notify:
                self.notify("on_batch_end", batch=batch, training=training, **step)
            batch_count += 1
        self.history.record(prefix + "_batch_count", batch_count)

    def train_step(self, batch, **fit_params):
        # skorch wraps each step in a closure for optimizers that need one
        # (LBFGS) and notifies on_grad_computed; Adam needs no closure, so
        # the closure runs only when a callback listens to gradients.
        if "on_grad_computed" in self._heard:
            return super().train_step(batch, **fit_params)
        self._zero_grad_optimizer()
        step = self.train_step_single(batch, **fit_params)
        self._step_optimizer(None)
        return step

    def initialize_callbacks(self):
        # Which batch-level hooks some callback overrides, found once here
        # (skorch calls this whenever the callbacks change), not per batch.
        super().initialize_callbacks()
        self._heard = {
            hook
            for hook in ("on_batch_begin", "on_batch_end", "on_grad_computed")
            for _, callback in self.callbacks_
            if getattr(type(callback), hook) is not getattr(Callback, hook)
        }
        return self

    def train_step_single(self, batch, **fit_params):
        Xi, yi = batch
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        value = loss.item()  # cheaper than torch.isfinite on every batch
        if not math.isfinite(value):
            raise ValueError(
                f"Training diverged: the loss became {value} in epoch "
                f"{len(self.history)}. Use a smaller learning_rate_init (now "
                f"{self.lr:g}) or scale X, e.g. with sklearn.preprocessing."
                "StandardScaler."
            )
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """Reduce the loss of each entry once: rows, trimming, penalties.

        Each row's loss is the mean of its entries' (over the observed ones
        with ``masked``), plus the graph's penalty; the batch's is their mean,
        over the `support_fraction` best-reconstructed rows when trimmed,
        plus the code's L1 penalty.
        """
        reconstruction, code, *penalty = y_pred
        y_true = to_tensor(y_true, device=self.device)
        observed = None
        if self.masked:
            y_true, observed = observed_entries(y_true)
        trimmed = (
            training
            and self.support_fraction < 1
            and len(self.history) > self.warm_up_epochs
        )
        graph = isinstance(self.criterion_, GraphLikelihood)
        if observed is None and not (trimmed or graph):
            # Every entry's mean, as torch's fused criterion computes it, so
            # that training matches a hand-written loop bit for bit.
            loss = self.criterion_(reconstruction, y_true)
            if penalty:
                loss = loss + penalty[0].mean()
        else:
            rows, rank = self._row_losses(reconstruction, y_true, observed, trimmed)
            if penalty:
                rows = rows + penalty[0]
                if trimmed:
                    rank = rank + penalty[0].detach()
            loss = self._trim(rows, rank) if trimmed else rows.mean()
        if self.activity_regularization:
            loss = loss + self.activity_regularization * code.abs().sum(dim=1).mean()
        return loss

    def _row_losses(self, reconstruction, y_true, observed, ranked):
        """Return each row's loss and, where `ranked`, what trimming ranks it by.

        The graph's own likelihood where it has one, the criterion's
        otherwise. Rows are ranked as the outlier detector scores them: by
        the binary Kullback-Leibler divergence for the cross-entropy (the
        cross-entropy less the row's own entropy, which training cannot
        change), so that bright images are not left out for their
        brightness, and by the loss otherwise.
        """
        if not isinstance(self.criterion_, GraphLikelihood):
            bce = isinstance(self.criterion_, torch.nn.BCEWithLogitsLoss)
            rows = row_means(entry_losses(reconstruction, y_true, bce), observed)
        elif observed is None:
            rows = self.module_.negative_log_likelihood(reconstruction, y_true)
        else:
            entries = self.module_.entry_negative_log_likelihood(reconstruction, y_true)
            rows = row_means(entries, observed)
        rank = rows.detach() if ranked else None
        if ranked and isinstance(self.criterion_, torch.nn.BCEWithLogitsLoss):
            with torch.no_grad():
                rank = rank - row_means(entry_entropies(y_true), observed)
        return rows, rank

    def _trim(self, errors, rank):
        """Average `errors` over the `support_fraction` rows of lowest `rank`."""
        n_kept = max(1, math.ceil(self.support_fraction * len(errors)))
        kept = torch.topk(rank, n_kept, largest=False, sorted=False).indices
        return errors[kept].mean()


class GraphLikelihood(torch.nn.Module):
    """The criterion of a graph that has a likelihood of its own.

    :meth:`AutoencoderNet.get_loss` then takes each row's loss from the
    graph's ``negative_log_likelihood`` (and the divergence its forward
    returns); this criterion only marks that, and holds nothing.
    """


class InitialValidationLoss(Callback):
    """Record the validation loss of the network before any training step.

    skorch's history starts after the first epoch; a role whose untrained
    graph is already a model (the imputer's, which starts at the Gaussian's
    conditional means) compares the trained network with it. The loss is
    computed as skorch computes ``valid_loss``: the mean over batches,
    weighted by their sizes. ``loss_`` is None without validation data.
    """

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.loss_ = None
        _, validation = net.get_split_datasets(X, y)
        if validation is None:
            return
        total, count = 0.0, 0
        net.module_.train(False)
        with torch.no_grad():
            for batch in net.get_iterator(validation, training=False):
                output = net.infer(batch[0])
                loss = net.get_loss(output, batch[1], X=batch[0], training=False)
                total += loss.item() * len(batch[1])
                count += len(batch[1])
        self.loss_ = total / max(count, 1)


class BestWeightsEarlyStopping(EarlyStopping):
    """skorch's ``EarlyStopping`` that skips epochs without a validation pass.

    skorch's raises ``KeyError: 'valid_loss'`` on such an epoch, e.g. in
    ``partial_fit``, which never holds data out.
    """

    def on_epoch_end(self, net, **kwargs):
        if self.monitor in net.history[-1]:
            super().on_epoch_end(net, **kwargs)
