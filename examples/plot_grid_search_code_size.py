"""
====================================================
Choosing the code size with GridSearchCV
====================================================

``score`` of an autoencoder measures its reconstruction, so
``GridSearchCV(AutoencoderTransformer(), {"n_components": [...]})`` works with
no ``scoring``; but a larger code always reconstructs better, and such a
search simply picks the largest. To choose the code size for a task, tune it
inside a :class:`~sklearn.pipeline.Pipeline` that ends with the model the
codes are for, and let that model's score decide. The search's
``cv_results_`` then show what each size buys: past some size the accuracy
flattens, and a smaller code within the spread of the best may serve as well.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from skae import AutoencoderTransformer

X, y = load_digits(return_X_y=True)
pipeline = make_pipeline(
    AutoencoderTransformer(random_state=0), LogisticRegression(max_iter=2000)
)
grid = {"autoencodertransformer__n_components": [4, 8, 16, 32]}
search = GridSearchCV(pipeline, grid, cv=3).fit(X / 16, y)
print("chosen:", search.best_params_)

# %%
# The cross-validated accuracy for each code size. The fit time grows little
# with the code: the schedule depends on the number of rows, not on the code.
results = search.cv_results_
sizes = results["param_autoencodertransformer__n_components"].astype(int)
fig, ax = plt.subplots()
ax.errorbar(
    sizes, results["mean_test_score"], yerr=results["std_test_score"], marker="o"
)
ax.set_xscale("log", base=2)
ax.set_xlabel("code size (n_components)")
ax.set_ylabel("3-fold accuracy of the pipeline")
for size, accuracy, seconds in zip(
    sizes, results["mean_test_score"], results["mean_fit_time"]
):
    print(f"n_components={size:>2}: accuracy {accuracy:.3f}, fit {seconds:.1f} s")
plt.show()
