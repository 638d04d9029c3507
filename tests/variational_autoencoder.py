"""A graph with a loss term of its own, in one small file: a variational one.

What such a graph takes beyond ``tied_autoencoder.py``: its forward returns
the term as a third element while training, and the net adds it to the loss.
Its sampling draws from torch's global generator, which every fit seeds from
`random_state` and restores afterwards. Tested in ``test_module.py``,
``test_outlier.py`` and ``test_common.py``; a minimal linear one, not a
public estimator.
"""

import torch
from torch import nn

from skae import AutoencoderOutlierDetector
from skae._base import LOSS_CONSTRAINTS, LOSS_PARAMETERS
from skae._module import BaseAutoencoderModule
from skae._transformer import _BaseTransformer


class VariationalModule(BaseAutoencoderModule):
    """Linear variational autoencoder; the code is the posterior mean."""

    def __init__(self, n_features, n_components, generator=None):
        super().__init__()
        self.n_features = n_features
        self.n_components = n_components
        self.encoder = nn.Linear(n_features, n_components, device="meta")
        self.log_variance = nn.Linear(n_features, n_components, device="meta")
        self.decoder = nn.Linear(n_components, n_features, device="meta")
        self.to_empty(device="cpu")
        for layer in (self.encoder, self.log_variance, self.decoder):
            nn.init.xavier_uniform_(layer.weight, generator=generator)
            nn.init.zeros_(layer.bias)

    def forward(self, X):
        mean = self.encoder(X)
        if not self.training:
            return self.decoder(mean), mean
        log_variance = self.log_variance(X)
        sample = mean + torch.randn_like(mean) * (0.5 * log_variance).exp()
        # KL divergence to N(0, I), per input value like the reconstruction loss
        divergence = (mean.square() + log_variance.exp() - 1 - log_variance).sum(1)
        return self.decoder(sample), mean, 0.5 * divergence.mean() / self.n_features


class VariationalAutoencoderTransformer(_BaseTransformer):
    """AutoencoderTransformer on the variational graph: its loss only."""

    _module_class = VariationalModule
    _kind_parameters = LOSS_PARAMETERS
    _kind_constraints = LOSS_CONSTRAINTS


class VariationalTestOutlierDetector(AutoencoderOutlierDetector):
    """AutoencoderOutlierDetector on the variational graph."""

    _autoencoder_class = VariationalAutoencoderTransformer
    _ensemble_on_tables = False
