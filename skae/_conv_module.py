"""The convolutional autoencoder's torch graph, for rows that are images.

Rows stay rows, as scikit-learn keeps images (``load_digits().data``): each
row holds an image's ``height x width x channels`` values in that order (a
NumPy image array of shape ``(height, width, channels)``, flattened). The
graph views a batch of rows as images in torch's ``channels_last`` layout,
which is that same memory, without a copy, and flattens its output back to
rows. :class:`ConvAutoencoderModule` is the deterministic graph,
:class:`ConvVariationalModule` the variational one on the same networks.
"""

import math

import torch
from torch import nn

from ._module import ACTIVATIONS, BaseAutoencoderModule
from ._variational_module import VariationalModule


class RowsToImages(nn.Module):
    """View rows of ``height * width * channels`` values as NCHW images.

    The view is ``channels_last``: the rows' own memory, not a copy.
    """

    def __init__(self, shape):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, X):
        height, width, channels = self.shape
        return X.view(-1, height, width, channels).permute(0, 3, 1, 2)


class ImagesToRows(nn.Module):
    """Flatten NCHW images to rows in ``height x width x channels`` order.

    A view for ``channels_last`` images, a copy otherwise.
    """

    def forward(self, images):
        return images.permute(0, 2, 3, 1).flatten(1)


def conv_sizes(size, depth):
    """Return the side lengths of a `size` side through `depth` stride-2 layers.

    A stride-2 convolution padded by half its (odd) kernel halves a side,
    rounding up: 28 -> 14 -> 7 -> 4.
    """
    sizes = [size]
    for _ in range(depth):
        sizes.append(math.ceil(sizes[-1] / 2))
    return sizes


def conv_stacks(
    image_shape, channels, kernel_size, hidden_layer_sizes, activation, dropout, widths
):
    """Return the convolutional ``(encoder, decoder)`` of images of `image_shape`.

    The encoder: stride-2 convolutions of ``channels[i]`` output channels,
    each followed by `activation` (and dropout), then dense layers of
    `hidden_layer_sizes` (each followed by `activation`, and dropout) and a
    linear layer to ``widths[0]`` values; the decoder: a dense layer from
    ``widths[1]`` values, the mirrored dense layers to the last
    convolution's grid, then transposed convolutions back to the image's
    exact shape, the last one linear. Both take and give rows. On the meta
    device: the graph initialises them.
    """
    height, width, n_channels = image_shape
    heights = conv_sizes(height, len(channels))
    sides = conv_sizes(width, len(channels))
    grid = (heights[-1], sides[-1], channels[-1])
    depths = [n_channels, *channels]
    padding = kernel_size // 2

    def hidden(layer):
        return [layer, ACTIVATIONS[activation]()] + (
            [nn.Dropout(dropout)] if dropout > 0 else []
        )

    encoder = [RowsToImages(image_shape)]
    for c_in, c_out in zip(depths[:-1], depths[1:]):
        encoder += hidden(
            nn.Conv2d(c_in, c_out, kernel_size, 2, padding, device="meta")
        )
    encoder.append(ImagesToRows())
    dense = [math.prod(grid), *hidden_layer_sizes]
    for n_in, n_out in zip(dense[:-1], dense[1:]):
        encoder += hidden(nn.Linear(n_in, n_out, device="meta"))
    encoder.append(nn.Linear(dense[-1], widths[0], device="meta"))

    decoder = []
    dense = [widths[1], *reversed(hidden_layer_sizes), math.prod(grid)]
    for n_in, n_out in zip(dense[:-1], dense[1:]):
        decoder += hidden(nn.Linear(n_in, n_out, device="meta"))
    decoder.append(RowsToImages(grid))
    for i in range(len(channels), 0, -1):
        # Back to the side the encoder's layer i halved: an even side needs
        # one more row and column than the transposed layer gives.
        extra = (int(heights[i - 1] % 2 == 0), int(sides[i - 1] % 2 == 0))
        layer = nn.ConvTranspose2d(
            depths[i],
            depths[i - 1],
            kernel_size,
            2,
            padding,
            output_padding=extra,
            device="meta",
        )
        decoder += hidden(layer) if i > 1 else [layer]
    decoder.append(ImagesToRows())
    return nn.Sequential(*encoder), nn.Sequential(*decoder)


def conv_multiply_adds(module):
    """Return the multiply-adds of one sample's pass through a convolutional graph.

    Its linear layers' weights, and for each convolution and its transposed
    mirror, the products over the smaller grid's positions: convolutions
    reuse their weights.
    """
    total = sum(
        layer.weight.numel()
        for layer in module.modules()
        if isinstance(layer, nn.Linear)
    )
    height, width, n_channels = module.image_shape
    heights = conv_sizes(height, len(module.channels))
    widths = conv_sizes(width, len(module.channels))
    depths = [n_channels, *module.channels]
    for i in range(1, len(depths)):
        positions = heights[i] * widths[i]
        total += 2 * positions * depths[i - 1] * depths[i] * module.kernel_size**2
    return total


def check_image_shape(image_shape, n_features):
    """Raise unless `image_shape` holds `n_features` values."""
    if math.prod(image_shape) != n_features:
        raise ValueError(
            f"image_shape {tuple(image_shape)} holds {math.prod(image_shape)} "
            f"values, but the rows have {n_features}."
        )


class ConvAutoencoderModule(BaseAutoencoderModule):
    """Convolutional autoencoder of images given as rows.

    The encoder is a stack of stride-2 convolutions (each halves the image's
    sides and has ``channels[i]`` output channels), each followed by
    ``activation``, then dense layers of ``hidden_layer_sizes`` and a linear
    layer to the code; the decoder mirrors it with dense layers and
    transposed convolutions back to the image's shape. The code and the
    output are linear: the output is a logit for
    the binary cross-entropy loss and the reconstruction itself for the
    squared error.

    Parameters
    ----------
    n_features : int
        Width of the input rows: ``height * width * channels``.

    n_components : int
        Width of the code.

    image_shape : tuple of int
        ``(height, width, channels)`` of the images.

    channels : tuple of int, default=(16, 32)
        Output channels of the encoder's convolutions; the decoder mirrors
        them.

    kernel_size : int, default=3
        Side of every convolution's square kernel; odd.

    hidden_layer_sizes : tuple of int, default=()
        Widths of dense layers between the last convolution and the code;
        the decoder mirrors them.

    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default='relu'
        Activation after every convolution but the decoder's last and after
        every dense layer but the code's.

    dropout : float, default=0.0
        Dropout probability after every hidden activation.

    generator : torch.Generator, default=None
        Source of randomness for the initial weights. The global torch random
        number generator is never used.
    """

    def __init__(
        self,
        n_features,
        n_components,
        image_shape,
        channels=(16, 32),
        kernel_size=3,
        hidden_layer_sizes=(),
        activation="relu",
        dropout=0.0,
        generator=None,
    ):
        super().__init__()
        self.n_features = n_features
        self.n_components = n_components
        self.image_shape = tuple(image_shape)
        self.channels = tuple(channels)
        self.kernel_size = kernel_size
        self.hidden_layer_sizes = tuple(hidden_layer_sizes)
        self.activation = activation
        self.dropout = dropout
        check_image_shape(self.image_shape, n_features)
        self.encoder, self.decoder = conv_stacks(
            self.image_shape,
            self.channels,
            kernel_size,
            self.hidden_layer_sizes,
            activation,
            dropout,
            (n_components, n_components),
        )
        self.to_empty(device="cpu")
        self.reset_parameters(generator)

    def draws_from_global_generator(self):
        """Return whether training draws from the global generator: with dropout."""
        return self.dropout > 0

    def n_weights(self):
        """Return the multiply-adds of one sample's pass: convolutions reuse weights."""
        return conv_multiply_adds(self)


class RowBias(nn.Module):
    """Add a bias of its own to every feature of rows."""

    def __init__(self, n_features):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(n_features, device="meta"))

    def forward(self, X):
        return X + self.bias


class ConvVariationalModule(VariationalModule):
    """Variational autoencoder of images given as rows, with convolutional networks.

    :class:`~skae._variational_module.VariationalModule`'s model (Gaussian
    posterior, standard normal prior, the same likelihoods) on the networks
    of :class:`ConvAutoencoderModule`: the encoder's linear layer gives the
    posterior's means and log-variances, and the decoder ends with a bias
    per feature (pixel), where training starts from each pixel's mean.

    Parameters
    ----------
    n_features, n_components, image_shape, channels, kernel_size
        As for :class:`ConvAutoencoderModule`.

    hidden_layer_sizes, activation
        As for :class:`ConvAutoencoderModule`.

    likelihood, location, scale, generator
        As for :class:`~skae._variational_module.VariationalModule`.
    """

    def __init__(
        self,
        n_features,
        n_components,
        image_shape,
        channels=(16, 32),
        kernel_size=3,
        hidden_layer_sizes=(),
        activation="relu",
        likelihood="gaussian",
        location=0.0,
        scale=1.0,
        generator=None,
    ):
        BaseAutoencoderModule.__init__(self)
        self.n_features = n_features
        self.n_components = n_components
        self.image_shape = tuple(image_shape)
        self.channels = tuple(channels)
        self.kernel_size = kernel_size
        self.hidden_layer_sizes = tuple(hidden_layer_sizes)
        self.activation = activation
        check_image_shape(self.image_shape, n_features)
        encoder, decoder = conv_stacks(
            self.image_shape,
            self.channels,
            kernel_size,
            self.hidden_layer_sizes,
            activation,
            0.0,
            (2 * n_components, n_components),
        )
        decoder.append(RowBias(n_features))
        self._build(encoder, decoder, likelihood, location, scale, generator)

    def reset_parameters(self, generator=None):
        """Initialise the layers as every graph does, and the pixel biases at 0."""
        super().reset_parameters(generator)
        nn.init.zeros_(self.decoder[-1].bias)

    def n_weights(self):
        """Return the multiply-adds of one sample's pass: convolutions reuse weights."""
        return conv_multiply_adds(self)
