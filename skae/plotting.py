"""Plots of reconstructions and training curves (matplotlib, imported lazily)."""

import numpy as np

__all__ = ["plot_loss_curve", "plot_reconstructions"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "skae.plotting needs matplotlib: pip install 'skae[plot]' (or "
            "pip install matplotlib)."
        ) from exc
    return plt


def _estimator_names(estimators):
    if isinstance(estimators, dict):
        return list(estimators.items())
    return [(type(estimator).__name__, estimator) for estimator in estimators]


def plot_reconstructions(estimators, X, n=10, image_shape=(28, 28), *, fig=None):
    """Show `n` images of `X`, then one row of reconstructions per estimator.

    This is the figure of the Keras autoencoder example: originals on top, and
    below them what each model makes of them, e.g. an autoencoder and PCA.

    Parameters
    ----------
    estimators : dict or list of fitted estimators
        Models with ``transform`` and ``inverse_transform``. A dict maps the
        row labels to the models; with a list, class names label the rows.

    X : array-like of shape (n_samples, n_features)
        Images, flattened; the first `n` are shown.

    n : int, default=10
        Number of images (columns).

    image_shape : tuple of int, default=(28, 28)
        Shape to reshape each row of `X` to; ``n_features`` must equal its
        product.

    fig : matplotlib.figure.Figure, default=None
        Figure to draw into; a new one is made when None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with ``(1 + len(estimators)) * n`` axes.
    """
    plt = _pyplot()

    X = np.asarray(X)[:n]
    if X.shape[1] != np.prod(image_shape):
        raise ValueError(
            f"X has {X.shape[1]} features, which cannot be shown as images of "
            f"shape {image_shape}; pass image_shape=..."
        )
    rows = [("original", X)] + [
        (name, estimator.inverse_transform(estimator.transform(X)))
        for name, estimator in _estimator_names(estimators)
    ]
    if fig is None:
        fig = plt.figure(figsize=(n * 1.1, len(rows) * 1.2))
    axes = fig.subplots(len(rows), n, squeeze=False)
    for (label, images), row_axes in zip(rows, axes):
        for image, ax in zip(images, row_axes):
            ax.imshow(image.reshape(image_shape), cmap="gray", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
        row_axes[0].set_ylabel(label, rotation=0, ha="right", va="center")
    return fig


def plot_loss_curve(estimator, *, ax=None):
    """Plot the training loss per epoch of a fitted autoencoder.

    Parameters
    ----------
    estimator : AutoencoderTransformer
        A fitted estimator; its ``loss_curve_`` is drawn, and its
        ``validation_loss_curve_`` too when it has one.

    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure holding the axes.
    """
    plt = _pyplot()

    if ax is None:
        _, ax = plt.subplots()
    epochs = np.arange(1, len(estimator.loss_curve_) + 1)
    ax.plot(epochs, estimator.loss_curve_, label="training")
    validation = getattr(estimator, "validation_loss_curve_", None)
    if validation is not None and len(validation):
        ax.plot(epochs[: len(validation)], validation, label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"loss ({estimator.loss_})")
    ax.legend()
    return ax.figure
