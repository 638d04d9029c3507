"""A second graph in one small file: the autoencoder with tied weights.

What a new graph takes, tested in ``test_module.py`` and ``test_common.py``:
a :class:`~skae._module.BaseAutoencoderModule` with an ``encoder`` and a
``decoder``, and an estimator that names it and declares its parameters.
Training, inference in both dtypes, persistence and the estimator checks
come from the base.
"""

import torch
from sklearn.utils._param_validation import StrOptions
from torch import nn
from torch.nn import functional as F

from skae._base import LOSS_CONSTRAINTS, LOSS_PARAMETERS
from skae._module import ACTIVATIONS, BaseAutoencoderModule
from skae._transformer import _BaseTransformer


class TransposedLinear(nn.Module):
    """A linear layer's transpose, with a bias of its own: the tied decoder."""

    def __init__(self, linear):
        super().__init__()
        self.linear = linear
        self.bias = nn.Parameter(torch.zeros(linear.in_features))

    def forward(self, code):
        return F.linear(code, self.linear.weight.t(), self.bias)


class TiedModule(BaseAutoencoderModule):
    """One-layer autoencoder whose decoder is its encoder's weights transposed."""

    def __init__(self, n_features, n_components, activation="relu", generator=None):
        super().__init__()
        self.n_features = n_features
        self.n_components = n_components
        self.activation = activation
        # On the meta device, so that building it draws no random numbers.
        linear = nn.Linear(n_features, n_components, device="meta")
        self.encoder = nn.Sequential(linear, ACTIVATIONS[activation]())
        self.decoder = TransposedLinear(linear)
        self.to_empty(device="cpu")
        nn.init.xavier_uniform_(linear.weight, generator=generator)
        nn.init.zeros_(linear.bias)
        nn.init.zeros_(self.decoder.bias)


class TiedAutoencoderTransformer(_BaseTransformer):
    """AutoencoderTransformer on the tied graph: its activation and loss only."""

    _module_class = TiedModule
    _kind_parameters = {"activation": "relu", **LOSS_PARAMETERS}
    _kind_constraints = {
        "activation": [StrOptions(set(ACTIVATIONS))],
        **LOSS_CONSTRAINTS,
    }
