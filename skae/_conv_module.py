"""The convolutional autoencoder's torch graph, for rows that are images.

Rows stay rows, as scikit-learn keeps images (``load_digits().data``): each
row holds an image's ``height x width x channels`` values in that order (a
NumPy image array of shape ``(height, width, channels)``, flattened). The
graph views a batch of rows as images in torch's ``channels_last`` layout,
which is that same memory, without a copy, and flattens its output back to
rows.
"""

import math

from torch import nn

from ._module import ACTIVATIONS, BaseAutoencoderModule


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


class ConvAutoencoderModule(BaseAutoencoderModule):
    """Convolutional autoencoder of images given as rows.

    The encoder is a stack of stride-2 convolutions (each halves the image's
    sides and has ``channels[i]`` output channels), each followed by
    ``activation``, then a linear layer to the code; the decoder mirrors it
    with a linear layer and transposed convolutions back to the image's
    shape. The code and the output are linear: the output is a logit for
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

    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default='relu'
        Activation after every convolution but the decoder's last, and after
        the decoder's linear layer.

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
        self.activation = activation
        self.dropout = dropout
        height, width, n_channels = self.image_shape
        if height * width * n_channels != n_features:
            raise ValueError(
                f"image_shape {self.image_shape} holds {height * width * n_channels} "
                f"values, but the rows have {n_features}."
            )
        heights = conv_sizes(height, len(channels))
        widths = conv_sizes(width, len(channels))
        self._code_grid = (heights[-1], widths[-1], self.channels[-1])
        n_grid = math.prod(self._code_grid)
        depths = [n_channels, *self.channels]
        padding = kernel_size // 2

        def hidden(layer):
            return [layer, ACTIVATIONS[activation]()] + (
                [nn.Dropout(dropout)] if dropout > 0 else []
            )

        # On the meta device, initialised below: building it draws no random
        # numbers from the global generator.
        encoder = [RowsToImages(self.image_shape)]
        for c_in, c_out in zip(depths[:-1], depths[1:]):
            encoder += hidden(
                nn.Conv2d(c_in, c_out, kernel_size, 2, padding, device="meta")
            )
        encoder += [ImagesToRows(), nn.Linear(n_grid, n_components, device="meta")]
        self.encoder = nn.Sequential(*encoder)

        decoder = hidden(nn.Linear(n_components, n_grid, device="meta"))
        decoder.insert(1, RowsToImages(self._code_grid))
        for i in range(len(self.channels), 0, -1):
            # Back to the side the encoder's layer i halved: an even side
            # needs one more row and column than the transposed layer gives.
            extra = (heights[i - 1] % 2 == 0, widths[i - 1] % 2 == 0)
            layer = nn.ConvTranspose2d(
                depths[i],
                depths[i - 1],
                kernel_size,
                2,
                padding,
                output_padding=tuple(int(e) for e in extra),
                device="meta",
            )
            decoder += hidden(layer) if i > 1 else [layer]
        decoder.append(ImagesToRows())
        self.decoder = nn.Sequential(*decoder)
        self.to_empty(device="cpu")
        self.reset_parameters(generator)

    def draws_from_global_generator(self):
        """Return whether training draws from the global generator: with dropout."""
        return self.dropout > 0

    def n_weights(self):
        """Return the multiply-adds of one sample's pass: convolutions reuse weights."""
        total = 0
        for layer in self.modules():
            if isinstance(layer, nn.Linear):
                total += layer.weight.numel()
        height, width, _ = self.image_shape
        heights = conv_sizes(height, len(self.channels))
        widths = conv_sizes(width, len(self.channels))
        depths = [self.image_shape[2], *self.channels]
        for i in range(1, len(depths)):
            # The encoder's layer i and the decoder's transposed one: the same
            # products, over the smaller grid's positions.
            positions = heights[i] * widths[i]
            total += 2 * positions * depths[i - 1] * depths[i] * self.kernel_size**2
        return total
