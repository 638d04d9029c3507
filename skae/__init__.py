"""skae: autoencoders as scikit-learn estimators, built on skorch and PyTorch."""

from ._outlier import AutoencoderOutlierDetector
from ._transformer import AutoencoderTransformer

__version__ = "0.2.0.dev0"

__all__ = ["AutoencoderOutlierDetector", "AutoencoderTransformer", "__version__"]
