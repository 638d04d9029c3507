"""The order of the gallery's examples: from the seed's experiment to scaling out."""

ORDER = [
    "plot_seed_mnist.py",
    "plot_autoencoder_vs_pca.py",
    "plot_grid_search_code_size.py",
    "plot_early_stopping.py",
    "plot_denoising.py",
    "plot_sparse_codes.py",
    "plot_wide_codes.py",
    "plot_convolutional.py",
    "plot_variational.py",
    "plot_anomaly_detection.py",
    "plot_missing_values.py",
    "plot_dask.py",
]


class ExampleOrder:
    """Sort key for sphinx-gallery's ``within_subsection_order``."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        # An example not listed goes last, by name.
        return (
            (ORDER.index(filename), "") if filename in ORDER else (len(ORDER), filename)
        )
