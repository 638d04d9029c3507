"""skae: autoencoders as scikit-learn estimators, built on skorch and PyTorch."""

from ._conv import ConvolutionalAutoencoder
from ._conv_outlier import ConvolutionalOutlierDetector
from ._conv_variational import ConvolutionalVariationalAutoencoder
from ._imputer import AutoencoderImputer
from ._outlier import AutoencoderOutlierDetector
from ._transformer import AutoencoderTransformer
from ._variational import VariationalAutoencoder
from ._variational_outlier import VariationalOutlierDetector

__version__ = "0.2.0.dev0"

__all__ = [
    "AutoencoderImputer",
    "AutoencoderOutlierDetector",
    "AutoencoderTransformer",
    "ConvolutionalAutoencoder",
    "ConvolutionalOutlierDetector",
    "ConvolutionalVariationalAutoencoder",
    "VariationalAutoencoder",
    "VariationalOutlierDetector",
    "__version__",
]
