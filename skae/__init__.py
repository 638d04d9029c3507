"""skae: autoencoders as scikit-learn transformers, built on skorch and PyTorch."""

from ._transformer import AutoencoderTransformer

__version__ = "0.1.0"

__all__ = ["AutoencoderTransformer", "__version__"]
