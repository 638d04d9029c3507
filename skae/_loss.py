"""The training loss, entry by entry, and its reduction to rows.

One contract for every role: a loss per entry, ``(n_samples, n_features)``,
reduced once: the mean over each row's observed entries (a hole, NaN in the
target, counts for nothing), then trimming over rows where a role asks for
it, then the graph's own penalty. The fused criterion of torch serves the
common case of no holes and no trimming, with the same value.
"""

import torch
import torch.nn.functional as F


def observed_entries(target):
    """Return ``(filled, observed)``: `target` with its holes at 0, and where it is not.

    ``observed`` is None where `target` has no hole, so that the common case
    costs one check.
    """
    holes = torch.isnan(target)
    if not holes.any():
        return target, None
    return target.masked_fill(holes, 0.0), ~holes


def entry_losses(output, target, bce):
    """Return each entry's loss: the cross-entropy of a logit, or the squared error."""
    if bce:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    return (output - target).square()


def entry_entropies(target):
    """Return the binary entropy of each entry in [0, 1] (0 log 0 = 0).

    The cross-entropy less it is the Kullback-Leibler divergence, which
    ranks rows without favouring bright images.
    """
    return -(_x_log_x(target) + _x_log_x(1 - target))


def row_means(entries, observed=None):
    """Return the mean of each row's `entries` over its observed ones.

    A row with no observed entry has a mean of 0: it carries no loss.
    """
    if observed is None:
        return entries.mean(dim=1)
    counts = observed.sum(dim=1).clamp_min(1)
    return (entries * observed).sum(dim=1) / counts


def _x_log_x(x):
    """``x log x``, 0 at 0 (the log of 0 is taken as that of 1e-12)."""
    return x * x.clamp_min(1e-12).log()
