"""Every estimator takes only parameters that change what it does.

Each parameter of each estimator (the public ones and the test graphs') is
changed from its default, alone or with what makes it matter (dropout needs
a hidden layer), and the fit must then differ in something observable: the
weights, the scores, the history, a fitted attribute, the threads, what it
prints or an error. A parameter the estimator ignored would leave it all the
same; a new parameter without an entry here fails.
"""

import ast
import contextlib
import inspect
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits
from skorch.callbacks import Callback
from tied_autoencoder import TiedAutoencoderTransformer, TiedModule
from variational_autoencoder import (
    VariationalAutoencoderTransformer,
    VariationalTestOutlierDetector,
)

import skae
from skae import (
    AutoencoderImputer,
    AutoencoderOutlierDetector,
    AutoencoderTransformer,
    ConvolutionalAutoencoder,
    ConvolutionalOutlierDetector,
    ConvolutionalVariationalAutoencoder,
    VariationalAutoencoder,
    VariationalOutlierDetector,
)


class ThreadRecorder(Callback):
    """Record torch's thread count during training."""

    def __init__(self, threads=None):
        self.threads = threads

    def on_epoch_begin(self, net, **kwargs):
        self.threads = torch.get_num_threads()


# name: (changed value, other parameters it needs to matter)
CHANGES = {
    "n_components": (3, {}),
    "hidden_layer_sizes": ((8,), {}),
    "activation": ("tanh", {}),
    "dropout": (0.5, {"hidden_layer_sizes": (8,)}),
    "loss": ("mse", {}),
    "image_shape": ((4, 16), {}),
    "channels": ((4,), {}),
    "kernel_size": (5, {}),
    "likelihood": ("gaussian", {}),
    "n_importance_samples": (2, {}),
    "alpha": (0.5, {}),
    "noise": (0.3, {}),
    "noise_type": ("masking", {"noise": 0.3}),
    "activity_regularization": (0.5, {}),
    "batch_size": (7, {}),
    "learning_rate_init": (0.05, {}),
    "max_iter": (2, {}),
    "tol": (100.0, {"early_stopping": True, "n_iter_no_change": 1}),
    "early_stopping": (True, {}),
    "validation_fraction": (0.5, {"early_stopping": True}),
    "n_iter_no_change": (1, {"early_stopping": True, "tol": 100.0}),
    "warm_start": (True, {}),
    "callbacks": (((("recorder", ThreadRecorder()),)), {}),
    "n_jobs": (2, {"callbacks": (("recorder", ThreadRecorder()),)}),
    "random_state": (1, {}),
    # Without CUDA a ValueError at fit, with it another device.
    "device": ("cuda", {}),
    "verbose": (1, {}),
    "whiten": (True, {}),
    "contamination": (0.2, {}),
    "support_fraction": (0.5, {}),
    "code_weight": (1.0, {}),
    "novelty": (False, {}),
    "calibration_cv": (3, {}),
    "n_estimators": (3, {}),
    "max_samples": (50, {}),
    "feature_weight": (1.0, {}),
    "screening": (0.2, {}),
    "covariance_weight": (1.0, {}),
    "missing_values": (0.0, {}),
    "add_indicator": (True, {}),
    "keep_empty_features": (True, {}),
    "sample_posterior": (True, {}),
    "base": ("mean", {}),
}

# Where the imputer's defaults differ (it stops early by default, and its
# Gaussian base leaves its validation loss little to gain), the change that shows.
IMPUTER_CHANGES = {
    "early_stopping": (False, {}),
    "tol": (100.0, {"n_iter_no_change": 1, "base": "mean"}),
}

ESTIMATORS = [
    AutoencoderTransformer,
    AutoencoderOutlierDetector,
    VariationalAutoencoder,
    VariationalOutlierDetector,
    ConvolutionalAutoencoder,
    ConvolutionalOutlierDetector,
    ConvolutionalVariationalAutoencoder,
    TiedAutoencoderTransformer,
    VariationalAutoencoderTransformer,
    VariationalTestOutlierDetector,
    AutoencoderImputer,
]

# Small and fast; where an estimator has them, a small hidden layer, few
# channels, two calibration folds, a few importance samples, and one network
# (an ensemble is one of the changes).
BASE = {"n_components": 4, "max_iter": 4, "random_state": 0}
SMALL = {
    "hidden_layer_sizes": (16,),
    "channels": (4, 8),
    "calibration_cv": 2,
    "n_importance_samples": 5,
    "n_estimators": 1,
    "feature_weight": 0.0,
    "screening": 0.0,
    "covariance_weight": 0.0,
}


@pytest.fixture(scope="module")
def X():
    return load_digits().data[:120] / 16


def _data(Estimator, X):
    """The digits, with holes and an empty feature for the imputer."""
    if not issubclass(Estimator, AutoencoderImputer):
        return X
    X = X.copy()
    X[np.random.default_rng(0).random(X.shape) < 0.2] = np.nan
    X[:, 5] = np.nan
    return X


def _observe(estimator, X):
    """Return what a fit of `estimator` on `X` (twice with warm_start) shows."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            estimator.fit(X)
            if estimator.warm_start:
                estimator.fit(X)
    except ValueError as error:
        return ("error", str(error))
    observed = [printed.getvalue()]
    # An ensemble's networks are its members'.
    for network in getattr(estimator, "estimators_", [estimator]):
        net = network.net_
        observed += [
            str(net.device),
            network.loss_curve_,
            network.validation_loss_curve_,
            sorted(name for name, _ in net.callbacks_),
            [getattr(callback, "threads", None) for _, callback in net.callbacks_],
            [
                value.detach().numpy().tobytes()
                for value in net.module_.state_dict().values()
            ],
        ]
    observed.append(sorted(name for name in vars(estimator) if name.endswith("_")))
    if hasattr(estimator, "score_samples"):
        observed.append(estimator.score_samples(X).tobytes())
    if hasattr(estimator, "decision_function"):
        observed.append(estimator.decision_function(X).tobytes())
    if hasattr(estimator, "transform"):
        observed.append(estimator.transform(X).tobytes())
    return observed


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_every_parameter_changes_the_fit(Estimator, X):
    X = _data(Estimator, X)
    names = Estimator().get_params()
    missing = set(names) - set(CHANGES)
    assert not missing, f"no entry in CHANGES for {sorted(missing)}"
    base = {**BASE, **{name: value for name, value in SMALL.items() if name in names}}
    cache = {}
    ignored = []
    changes = CHANGES
    if issubclass(Estimator, AutoencoderImputer):
        changes = {**CHANGES, **IMPUTER_CHANGES}
    for name in names:
        value, context = changes[name]
        # What makes the change matter, where the estimator has it (dropout
        # needs a dense graph's hidden layer; a convolutional one has some).
        params = {**base, **{key: v for key, v in context.items() if key in names}}
        key = repr(sorted(params.items()))
        if key not in cache:
            cache[key] = _observe(Estimator(**params), X)
        if _observe(Estimator(**{**params, name: value}), X) == cache[key]:
            ignored.append(name)
    assert not ignored, f"{Estimator.__name__} ignores {ignored}"


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_every_parameter_has_constraints(Estimator):
    assert set(Estimator().get_params()) == set(Estimator._parameter_constraints)


@pytest.mark.parametrize("Estimator", ESTIMATORS, ids=lambda cls: cls.__name__)
def test_kind_parameters_that_name_graph_arguments_reach_the_graph(Estimator, X):
    module_class = Estimator._module_class
    if not isinstance(module_class, type):  # a detector's: its autoencoder's
        module_class = Estimator._autoencoder_class._module_class
    arguments = set(inspect.signature(module_class).parameters)
    names = Estimator().get_params()
    small = {name: value for name, value in SMALL.items() if name in names}
    estimator = Estimator(**BASE, **small).fit(X)
    fitted = estimator.net_.module_.get_params()
    for name in estimator._kind()._kind_parameters:
        # resolved from 'auto' and from the data
        if name in arguments and name not in ("likelihood", "image_shape"):
            value = getattr(estimator, name)
            assert fitted[name] == (tuple(value) if name.endswith("sizes") else value)


def test_the_tied_graph_takes_no_hidden_layers():
    assert "hidden_layer_sizes" not in TiedAutoencoderTransformer().get_params()
    assert "hidden_layer_sizes" not in inspect.signature(TiedModule).parameters


def test_a_wrong_argument_is_python_s_type_error():
    with pytest.raises(TypeError, match="got an unexpected keyword argument 'foo'"):
        AutoencoderTransformer(foo=1)
    with pytest.raises(TypeError, match="too many positional arguments"):
        AutoencoderTransformer(8, ())
    assert np.all(
        [
            parameter.kind == parameter.KEYWORD_ONLY
            for parameter in list(
                inspect.signature(AutoencoderTransformer).parameters.values()
            )[1:]
        ]
    )


def test_scikit_learns_private_helpers_are_imported_in_one_module():
    # STYLE.md: one place to change when scikit-learn moves them.
    package = Path(skae.__file__).parent
    importing = sorted(
        path.name
        for path in package.glob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("sklearn")
        and (
            any(part.startswith("_") for part in node.module.split("."))
            or any(alias.name.startswith("_") for alias in node.names)
        )
    )
    assert set(importing) == {"_parameters.py"}
