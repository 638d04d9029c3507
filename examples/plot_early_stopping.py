"""
==================================
Early stopping and the loss curves
==================================

By default the training length follows the data (at least 50 epochs and
6,000 Adam steps). With ``early_stopping=True``, ``validation_fraction`` of
the training data is held out and training stops once its loss has not
improved by ``tol`` for ``n_iter_no_change`` epochs; the weights of the best
epoch are kept, as in scikit-learn's ``MLPRegressor``.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from skae import AutoencoderTransformer
from skae.plotting import plot_loss_curve

X = load_digits().data / 16
model = AutoencoderTransformer(
    hidden_layer_sizes=(256,),
    early_stopping=True,
    n_iter_no_change=20,
    max_iter=1000,
    random_state=0,
).fit(X)
best = min(range(model.n_iter_), key=model.validation_loss_curve_.__getitem__)
print(f"stopped after {model.n_iter_} epochs; best validation loss at epoch {best + 1}")

# %%
# ``loss_curve_`` and ``validation_loss_curve_`` hold one value per epoch.
fig = plot_loss_curve(model)
fig.axes[0].axvline(best + 1, color="grey", linestyle=":", label="best epoch")
fig.axes[0].legend()
plt.show()
