"""The torch graphs: what every graph provides, and the dense autoencoder.

:class:`BaseAutoencoderModule` is what skae's estimators need of a graph;
:class:`AutoencoderModule`, an encoder and a mirrored decoder of dense layers,
is the default graph, with :class:`BlasForward` for its CPU inference.
"""

import copy
import inspect
import math

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
}

# The same activations applied in place, for inference into a given buffer.
IN_PLACE_ACTIVATIONS = {
    "relu": torch.relu_,
    "tanh": torch.tanh_,
    "sigmoid": torch.sigmoid_,
    "gelu": lambda x: x.copy_(F.gelu(x)),
}


def _dense_stack(sizes, activation, dropout, *, last_activation):
    """Linear layers through ``sizes``, each followed by ``activation``.

    Dropout goes between hidden layers only, never on the input, the code or
    the output.
    """
    layers = []
    n_layers = len(sizes) - 1
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out, device="meta"))
        is_last = i == n_layers - 1
        if not is_last or last_activation:
            layers.append(ACTIVATIONS[activation]())
        if dropout > 0 and not is_last:
            layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _n_values(output):
    """Count the values in a module's output: a tensor or a tuple of them."""
    if isinstance(output, torch.Tensor):
        return output.numel()
    if isinstance(output, (tuple, list)):
        return sum(_n_values(item) for item in output)
    return 0


class BaseAutoencoderModule(nn.Module):
    """What skae's estimators need of a torch graph, with generic defaults.

    A graph is an ``nn.Module`` with an ``encoder`` (input -> code) and a
    ``decoder`` (code -> output, a logit for the binary cross-entropy)
    submodule, built from ``n_features``, ``n_components`` and the graph's own
    arguments, which it stores under the same names (as estimators store
    their parameters) and which must rebuild it. Its ``forward`` returns
    ``(reconstruction, code)``, or ``(reconstruction, code, penalty)`` with a
    penalty (a scalar, or one value per row) added to the training loss (a
    variational graph's divergence). A graph with a likelihood of its own
    also has ``negative_log_likelihood(output, X)``, one value per row, and
    ``entry_negative_log_likelihood(output, X)``, one per entry (see
    :class:`~skae._variational_module.VariationalModule`). An estimator names
    its graph in ``_module_class`` and declares the parameters its
    constructor takes in ``_kind_parameters``; training, persistence and
    inference need nothing else.
    The defaults here are generic; a graph overrides them where it can do
    better, as :class:`AutoencoderModule` does for speed.
    """

    def get_params(self):
        """Return the constructor arguments, to rebuild the same graph."""
        names = inspect.signature(type(self).__init__).parameters
        return {
            name: getattr(self, name)
            for name in names
            if name not in ("self", "generator")
        }

    def reset_parameters(self, generator=None):
        """Initialise like Keras ``Dense`` and ``Conv2D``: Glorot-uniform, zero biases.

        Every linear and convolutional layer of the graph, drawing from
        `generator` only.
        """
        for layer in self.modules():
            if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.xavier_uniform_(layer.weight, generator=generator)
                nn.init.zeros_(layer.bias)

    def forward(self, X):
        """Return ``(reconstruction, code)``; the reconstruction is a logit for BCE."""
        code = self.encoder(X)
        return self.decoder(code), code

    def encode_into(self, X, out):
        """Write the code of `X` into `out` (no gradients are tracked by callers)."""
        out.copy_(self.encoder(X))

    def decode_into(self, code, out, *, sigmoid):
        """Write the decoding of `code` into `out`, squashed by a sigmoid if asked."""
        out.copy_(self.decoder(code))
        if sigmoid:
            out.sigmoid_()

    def inference_module(self, dtype):
        """Return what infers in the float `dtype`: the graph or a copy of it.

        Called once per dtype when a fit ends or a model loads, never per call.
        """
        if np.dtype(dtype) == np.float32:
            return self
        return copy.deepcopy(self).to(torch.float64)

    def draws_from_global_generator(self):
        """Return whether training draws from torch's global random generator.

        Dropout and sampling (``torch.randn_like``) do. skae then seeds that
        generator from `random_state` for the fit and restores it after, and
        runs one such fit at a time in a process, since threads share the
        generator. True, the default, is always safe; a graph that draws
        nothing returns False, so that its fits in threads run side by side.
        """
        return True

    def n_weights(self):
        """Return the number of weights: the multiply-adds of one sample's pass.

        A graph that reuses weights (a convolution) overrides it with its
        multiply-adds; skae chooses the number of threads from it.
        """
        return sum(parameter.numel() for parameter in self.parameters())

    def activation_width(self):
        """Return how many values one sample produces across all layers.

        Measured on one sample: the outputs of every submodule but the
        ``nn.Sequential`` containers, which repeat their last layer's (an
        upper bound where other modules nest). Inference sizes its chunks of
        rows with it.
        """
        widths = []
        hooks = [
            layer.register_forward_hook(
                lambda layer, inputs, output: widths.append(_n_values(output))
            )
            for layer in self.modules()
            if layer is not self and not isinstance(layer, nn.Sequential)
        ]
        parameter = next(self.parameters())
        try:
            with torch.no_grad():
                self(parameter.new_zeros(1, self.n_features))
        finally:
            for hook in hooks:
                hook.remove()
        return sum(widths)

    def decode_gain(self):
        """Return how the decoder can grow a bound on its input, or None.

        None, unknown: inference then checks every decoding for overflow.
        """
        return None


class AutoencoderModule(BaseAutoencoderModule):
    """Fully connected autoencoder, mirrored around a code of ``n_components``.

    The encoder ends with ``activation`` (the seed's ``Dense(32, relu)``); the
    decoder mirrors the hidden layers and ends with a linear layer, whose
    output is a logit for the binary cross-entropy loss and the reconstruction
    itself for the squared error loss.

    Parameters
    ----------
    n_features : int
        Width of the input and of the reconstruction.

    n_components : int
        Width of the code.

    hidden_layer_sizes : tuple of int, default=()
        Widths of the encoder's hidden layers; the decoder uses them reversed.

    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default='relu'
        Activation of every hidden layer and of the code.

    dropout : float, default=0.0
        Dropout probability between hidden layers.

    generator : torch.Generator, default=None
        Source of randomness for the initial weights. The global torch random
        number generator is never used.
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes=(),
        activation="relu",
        dropout=0.0,
        generator=None,
    ):
        super().__init__()
        self.n_features = n_features
        self.n_components = n_components
        self.hidden_layer_sizes = tuple(hidden_layer_sizes)
        self.activation = activation
        self.dropout = dropout
        sizes = [n_features, *hidden_layer_sizes, n_components]
        # Layers are created on the meta device and initialised below, so that
        # building a module never draws from the global random number generator.
        self.encoder = _dense_stack(sizes, activation, dropout, last_activation=True)
        self.decoder = _dense_stack(
            sizes[::-1], activation, dropout, last_activation=False
        )
        self.to_empty(device="cpu")
        self.reset_parameters(generator)

    # Inference writes the last layer straight into the caller's output and
    # applies the activation in place: no temporary of the full result and no
    # extra copy.

    def encode_into(self, X, out):
        """Write the code of `X` into `out` (no gradients are tracked by callers)."""
        *hidden, last, _ = self.encoder
        for layer in hidden:
            X = layer(X)
        torch.addmm(last.bias, X, last.weight.t(), out=out)
        IN_PLACE_ACTIVATIONS[self.activation](out)

    def decode_into(self, code, out, *, sigmoid):
        """Write the decoding of `code` into `out`, squashed by a sigmoid if asked."""
        *hidden, last = self.decoder
        for layer in hidden:
            code = layer(code)
        torch.addmm(last.bias, code, last.weight.t(), out=out)
        if sigmoid:
            out.sigmoid_()

    def inference_module(self, dtype):
        """Return what infers in the float `dtype`: on the CPU, a BlasForward."""
        if next(self.parameters()).device.type != "cpu":
            return super().inference_module(dtype)
        return BlasForward(self, dtype)

    def draws_from_global_generator(self):
        """Return whether training draws from the global generator: with dropout."""
        return self.dropout > 0

    def activation_width(self):
        """Return how many values one sample produces across all layers."""
        return sum(layer.out_features for layer in self._linear_layers())

    def n_weights(self):
        """Return the number of weights: the multiply-adds of one sample's pass."""
        return sum(layer.weight.numel() for layer in self._linear_layers())

    def _linear_layers(self):
        return [layer for layer in self.modules() if isinstance(layer, nn.Linear)]

    def decode_gain(self):
        """Return how the decoder can grow a bound on its input, layer by layer.

        A linear layer maps inputs bounded by ``b`` to outputs bounded by
        ``max_i sum_j |W_ij| * b + max_i |bias_i|``, and every activation here
        satisfies ``|f(x)| <= max(|x|, 1)``. The list holds, for each layer,
        ``(max row sum, max |bias|)`` for a linear one and None for an
        activation; :func:`decode_bound` applies it to a bound on the codes.
        """
        gain = []
        for layer in self.decoder:
            if isinstance(layer, nn.Linear):
                row_sums = layer.weight.detach().abs().sum(dim=1)
                bias = layer.bias.detach().abs().max()
                gain.append((row_sums.max().item(), bias.item()))
            else:
                gain.append(None)
        return gain

    def decode_bound(self, code_bound):
        """Bound the magnitude of the decoding of codes bounded by `code_bound`.

        Lets inference skip scanning a decoding for overflow when none is
        possible; see :meth:`decode_gain`.
        """
        return decode_bound(self.decode_gain(), code_bound)


class BlasForward:
    """A fitted module's inference on the CPU with NumPy's matrix product.

    Same interface as :class:`AutoencoderModule`'s inference methods, on CPU
    tensors, in one float dtype. Each linear layer multiplies with NumPy (the
    BLAS that scikit-learn's estimators use: on the AMD EPYC machines of this
    project torch's float32 product of 10,000 rows took twice NumPy's time,
    and its float64 product three times), then torch's own activations apply
    in place to the same memory. Sharing NumPy's BLAS threads also keeps
    inference from competing with the threads of the scikit-learn step before
    it in a pipeline. Dropout, inactive in inference, is left out.

    Parameters
    ----------
    module : AutoencoderModule
        The fitted module, on the CPU. Float32 weights are used as they are
        (views); float64 ones are copies.

    dtype : numpy dtype
        The float dtype of the inputs and outputs.
    """

    # Inference gives NumPy's BLAS the threads and torch one (skae._threads).
    uses_numpy_blas = True

    def __init__(self, module, dtype):
        self.encoder = _BlasStack(module.encoder, module.activation, dtype)
        self.decoder = _BlasStack(module.decoder, module.activation, dtype)

    def __call__(self, X):
        """Return ``(reconstruction logit, code)``, as the module's forward."""
        code = self.encoder(X.numpy())
        return torch.from_numpy(self.decoder(code)), torch.from_numpy(code)

    def encode_into(self, X, out):
        """Write the code of `X` into `out`."""
        self.encoder(X.numpy(), out.numpy())

    def decode_into(self, code, out, *, sigmoid):
        """Write the decoding of `code` into `out`, squashed by a sigmoid if asked."""
        self.decoder(code.numpy(), out.numpy())
        if sigmoid:
            out.sigmoid_()


class _BlasStack:
    """One ``nn.Sequential`` of linear layers and activations, for NumPy.

    Each linear layer becomes a ``(weight.T, bias)`` pair of arrays in
    `dtype`, each activation its in-place torch function. A layer wider out
    than in (the decoder's) has its bias folded in as a last row of
    ``weight.T``, to be met by a column of ones: its wide output is then
    written once, by the product, with no second pass to add the bias.
    """

    def __init__(self, stack, activation, dtype):
        self.layers = []
        for layer in stack:
            if isinstance(layer, nn.Linear):
                weight_t = layer.weight.detach().numpy().astype(dtype, copy=False).T
                bias = layer.bias.detach().numpy().astype(dtype)
                if layer.out_features > layer.in_features:
                    self.layers.append((np.vstack([weight_t, bias]), None))
                else:
                    self.layers.append((weight_t, bias))
            elif isinstance(layer, ACTIVATIONS[activation]):
                self.layers.append(IN_PLACE_ACTIVATIONS[activation])
        self.last_linear = max(
            i for i, layer in enumerate(self.layers) if isinstance(layer, tuple)
        )

    def __call__(self, X, out=None):
        """Run the layers on the array `X`; the last linear one writes into `out`."""
        for i, layer in enumerate(self.layers):
            if isinstance(layer, tuple):
                weight_t, bias = layer
                if bias is None:  # folded into weight_t: append a column of ones
                    ones = np.ones((X.shape[0], X.shape[1] + 1), dtype=X.dtype)
                    ones[:, :-1] = X
                    X = ones
                X = np.matmul(X, weight_t, out=out if i == self.last_linear else None)
                if bias is not None:
                    X += bias
            else:
                layer(torch.from_numpy(X))
        return X


def decode_bound(gain, code_bound):
    """Apply a decoder's :meth:`AutoencoderModule.decode_gain` to a code bound.

    A gain of None (unknown) bounds nothing: the bound is infinite.
    """
    if gain is None:
        return math.inf
    bound = float(code_bound)
    for layer in gain:
        bound = max(bound, 1.0) if layer is None else layer[0] * bound + layer[1]
    return bound
