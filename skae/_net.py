"""The skorch side: a small ``NeuralNet`` subclass and a fast batch data path."""

import torch
from skorch import NeuralNet
from skorch.utils import to_tensor


class ArrayDataset(torch.utils.data.Dataset):
    """A float tensor of samples, each its own target.

    Parameters
    ----------
    X : torch.Tensor of shape (n_samples, n_features)
        The training data; it is never copied.
    """

    def __init__(self, X):
        self.X = X

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.X[index], self.X[index]

    def __getitems__(self, indices):
        batch = self.X.index_select(0, torch.as_tensor(indices))
        return batch, batch


class BatchIterator:
    """Iterate over an :class:`ArrayDataset` in whole batches.

    skorch's default path indexes the dataset sample by sample and collates
    the results, which is several times slower than slicing one tensor.
    Each batch is ``(X_batch, X_batch)``: input and reconstruction target.

    Parameters
    ----------
    dataset : ArrayDataset
        The data to iterate over.

    batch_size : int
        Number of samples per batch; the last batch may be smaller.

    shuffle : bool, default=False
        Draw a new permutation of the samples at every pass.

    generator : torch.Generator, default=None
        Source of randomness for the permutations.
    """

    def __init__(self, dataset, batch_size, shuffle=False, generator=None):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def __iter__(self):
        X = self.dataset.X
        n_samples = len(X)
        if self.shuffle:
            order = torch.randperm(n_samples, generator=self.generator)
            for start in range(0, n_samples, self.batch_size):
                # index_select gathers rows ~2.5x faster than X[indices]
                batch = X.index_select(0, order[start : start + self.batch_size])
                yield batch, batch
        else:
            for start in range(0, n_samples, self.batch_size):
                batch = X[start : start + self.batch_size]
                yield batch, batch


class AutoencoderNet(NeuralNet):
    """skorch net whose module returns ``(reconstruction, code)``.

    The loss compares the reconstruction with the clean batch.
    """

    def run_single_epoch(self, iterator, training, prefix, step_fn, **fit_params):
        # skorch switches the train/eval mode before every batch, which costs
        # about 5% of an epoch of the seed network; once per pass is enough.
        self.module_.train(training)
        self.criterion_.train(training)
        super().run_single_epoch(iterator, training, prefix, step_fn, **fit_params)

    def train_step_single(self, batch, **fit_params):
        Xi, yi = batch
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def get_loss(self, y_pred, y_true, X=None, training=False):
        reconstruction, _ = y_pred
        y_true = to_tensor(y_true, device=self.device)
        return self.criterion_(reconstruction, y_true)
