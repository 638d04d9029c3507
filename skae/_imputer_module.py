"""The imputer's torch graph: a Gaussian's conditional means, refined by a network.

Each hole (NaN in the input) is first filled by its mean given the row's
observed entries under a Gaussian fitted with the holes (see
:mod:`skae._gaussian`), or by the feature's mean on wide data; a dense
network fed the filled row and where its holes are then adds a correction
to the holes. Its last layer starts at zero, so that the untrained graph is
the Gaussian imputer, and training can only start from there.
"""

import torch
from torch import nn

from ._module import BaseAutoencoderModule, _dense_stack


class ImputerModule(BaseAutoencoderModule):
    """Fill the holes of each row: a linear-Gaussian guess plus a learnt correction.

    The forward takes rows with holes (NaN) and returns ``(reconstruction,
    code)``: the reconstruction keeps the observed entries as they are and
    fills each hole, so that a loss over the observed entries of the clean
    target learns only from the entries hidden by masking noise.

    Parameters
    ----------
    n_features : int
        Width of the rows.

    n_components : int
        Width of the code, the network's narrowest layer.

    hidden_layer_sizes : tuple of int, default=()
        Widths of the hidden layers before the code; mirrored after it.

    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default='relu'
        Activation of the hidden layers and of the code.

    dropout : float, default=0.0
        Dropout probability between hidden layers.

    gaussian : bool, default=True
        Whether holes start from the Gaussian's conditional mean (one
        ``n_features``-wide solve per row) or from the feature's mean.

    generator : torch.Generator, default=None
        Source of randomness for the initial weights.
    """

    # The graph takes the holes as NaN (see AutoencoderNet.infer).
    sees_holes = True

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes=(),
        activation="relu",
        dropout=0.0,
        gaussian=True,
        generator=None,
    ):
        super().__init__()
        self.n_features = n_features
        self.n_components = n_components
        self.hidden_layer_sizes = tuple(hidden_layer_sizes)
        self.activation = activation
        self.dropout = dropout
        self.gaussian = gaussian
        sizes = [2 * n_features, *hidden_layer_sizes, n_components]
        self.encoder = _dense_stack(sizes, activation, dropout, last_activation=True)
        self.decoder = _dense_stack(
            [n_components, *hidden_layer_sizes[::-1], n_features],
            activation,
            dropout,
            last_activation=False,
        )
        self.to_empty(device="cpu")
        self.reset_parameters(generator)
        self.register_buffer("location", torch.zeros(n_features))
        self.register_buffer("precision", torch.eye(n_features))

    def reset_parameters(self, generator=None):
        """Glorot-uniform weights, and a last layer of zeros: the base itself."""
        super().reset_parameters(generator)
        last = self.decoder[-1]
        nn.init.zeros_(last.weight)

    def set_base(self, location, precision):
        """Set the Gaussian's mean and precision (inverse covariance)."""
        with torch.no_grad():
            self.location.copy_(torch.as_tensor(location))
            self.precision.copy_(torch.as_tensor(precision))

    def forward(self, X):
        """Return ``(reconstruction, code)``: `X` with its holes filled, the code."""
        holes = torch.isnan(X)
        base = self.base(X, holes)
        missing = holes.to(base.dtype)
        code = self.encoder(torch.cat([base, missing], dim=1))
        return torch.where(holes, base + self.decoder(code), base), code

    def base(self, X, holes):
        """Return `X` with each hole at its conditional mean (no gradient).

        In the precision ``P`` the holes ``m`` of a row have the mean
        ``mu_m - P_mm^-1 P_mo (x_o - mu_o)``: one solve per row with a hole,
        batched, as :func:`skae._gaussian._expectation` does in NumPy.
        """
        with torch.no_grad():
            filled = torch.where(holes, self.location, X)
            rows = holes.any(dim=1).nonzero().squeeze(1)
            if not self.gaussian or len(rows) == 0:
                return filled
            missing = holes[rows].to(filled.dtype)
            observed = 1 - missing
            system = self.precision * (missing[:, :, None] * missing[:, None, :])
            system = system + torch.diag_embed(observed)
            deviation = (filled[rows] - self.location) * observed
            right = -(deviation @ self.precision) * missing
            solved = torch.linalg.solve(system, right.unsqueeze(2)).squeeze(2)
            return filled.index_add(0, rows, missing * solved)

    def encode_into(self, X, out):
        """Write the code of `X` (rows with holes) into `out`."""
        out.copy_(self(X)[1])

    def draws_from_global_generator(self):
        """Return whether training draws from the global generator: with dropout."""
        return self.dropout > 0
