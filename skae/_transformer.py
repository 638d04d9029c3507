"""AutoencoderTransformer: the scikit-learn estimator."""

import contextlib
import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    _fit_context,
)
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from skorch.callbacks import ProgressBar
from skorch.helper import predefined_split
from skorch.history import History
from torch.nn import functional as F

from ._module import ACTIVATIONS, AutoencoderModule
from ._net import (
    ArrayDataset,
    AutoencoderNet,
    BatchIterator,
    BestWeightsEarlyStopping,
    _shared_tensor,
)

# Inference runs in chunks of rows whose layer activations fit in this many
# bytes, so that a large X costs bounded temporary memory. Fewer, larger chunks
# are faster: each torch call pays a thread wake-up (decoding 10,000 rows with
# the seed network, paired against PCA: 0.67x in one chunk, 0.76x in chunks
# of 2,048 rows).
_INFERENCE_BUDGET = 64 * 2**20


@contextlib.contextmanager
def _restored_on_error(estimator):
    """Put the estimator's state back as it was if the block raises.

    A ``fit`` that fails on bad data or diverges must not leave a previously
    fitted estimator half-overwritten.
    """
    state = estimator.__dict__.copy()
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        raise


def _torch_generator(random_state):
    """Return the torch generator a fit draws from, seeded from `random_state`.

    In a fit, the validation split (with early stopping) and the initial
    weights draw from it first, then :func:`_forked_rng` takes one number
    from it to seed dropout, then every epoch draws its shuffle and noise.
    """
    seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
    return torch.Generator().manual_seed(int(seed))


@contextlib.contextmanager
def _forked_rng(generator, device):
    """Seed torch's global generator from ``generator`` and restore it after.

    Dropout draws from the global generator; forking it keeps training
    reproducible while leaving the user's random state untouched.
    """
    device = torch.device(device)
    cuda = device.type == "cuda"
    devices = [device.index or torch.cuda.current_device()] if cuda else []
    with torch.random.fork_rng(devices=devices):
        seed = int(torch.randint(2**62, (1,), generator=generator))
        torch.default_generator.manual_seed(seed)
        if cuda:
            torch.cuda.manual_seed(seed)
        yield


def _value_range(X):
    """Return ``(min, max)`` of `X`, which training must fit in float32."""
    low, high = float(X.min()), float(X.max())
    largest = float(np.finfo(np.float32).max)
    if max(-low, high) > largest:
        raise ValueError(
            f"X holds values up to {max(-low, high):.4g} in magnitude, beyond float32 "
            f"({largest:.4g}), in which training runs. Scale X first, e.g. with "
            "sklearn.preprocessing.StandardScaler."
        )
    return low, high


def _resolve_device(device):
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        torch.device(device)
    except RuntimeError as exc:
        raise ValueError(
            f"device={device!r} is not a torch device; use 'cpu', 'cuda', 'cuda:N' "
            "or 'auto'."
        ) from exc
    return device


class AutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Fully connected autoencoder as a scikit-learn transformer.

    The encoder maps each sample to a code of ``n_components`` values
    (:meth:`transform`); the decoder maps codes back to the input space
    (:meth:`inverse_transform`). Both are trained together to reconstruct the
    input, with PyTorch through a skorch net.

    The defaults are the classic Keras example on MNIST: ``n_features -> 32
    (relu) -> n_features (sigmoid)``, Glorot-uniform initialisation, Adam,
    binary cross-entropy, batches of 256 and 50 epochs.

    Parameters
    ----------
    n_components : int, default=32
        Size of the code. It may exceed the number of features.

    hidden_layer_sizes : array-like of int, default=()
        Widths of the encoder's hidden layers between the input and the code.
        The decoder mirrors them. The default has none, as in the seed network.

    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default='relu'
        Activation of the hidden layers and of the code.

    loss : {'auto', 'bce', 'mse'}, default='auto'
        Reconstruction loss. ``'bce'`` is the binary cross-entropy with a
        sigmoid output and needs data in [0, 1]; ``'mse'`` is the mean squared
        error with a linear output. ``'auto'`` uses ``'bce'`` when every
        training value lies in [0, 1] and ``'mse'`` otherwise.

    alpha : float, default=0.0
        Strength of the L2 penalty (weight decay in Adam).

    dropout : float, default=0.0
        Dropout probability between hidden layers, during training only.

    noise : float, default=0.0
        Corruption of the inputs during training only, which makes a denoising
        autoencoder: the standard deviation of Gaussian noise, or the fraction
        of inputs set to zero with ``noise_type='masking'``. The target stays
        the clean input.

    noise_type : {'gaussian', 'masking'}, default='gaussian'
        Kind of noise added with `noise`.

    activity_regularization : float, default=0.0
        Weight of an L1 penalty on the code, added to the training loss (summed
        over components, averaged over samples, like Keras'
        ``activity_regularizer``): it makes codes sparse.

    batch_size : int, default=256
        Number of samples per gradient step.

    learning_rate_init : float, default=1e-3
        Learning rate of Adam.

    max_iter : int, default=50
        Number of epochs (passes over the training data).

    tol : float, default=1e-4
        With early stopping, the validation loss must fall by at least `tol`
        to count as an improvement.

    early_stopping : bool, default=False
        Hold out `validation_fraction` of the training data, stop when its
        loss has not improved for `n_iter_no_change` epochs, and restore the
        weights of the best epoch. With False no data is held out.

    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping.

    n_iter_no_change : int, default=10
        Epochs without improvement before early stopping stops.

    warm_start : bool, default=False
        Let :meth:`fit` continue from the fitted weights (and optimizer state)
        for another `max_iter` epochs instead of starting afresh. The network's
        shape must be unchanged.

    callbacks : tuple of skorch callbacks, default=None
        Extra skorch callbacks for the net, e.g. ``LRScheduler``,
        ``Checkpoint`` or ``GradientNormClipping``, as instances or as
        ``(name, callback)`` pairs. They are used as given, as skorch does.

    random_state : int, RandomState instance or None, default=None
        Determines the initial weights and the shuffling of the batches. Pass
        an int for reproducible results across multiple function calls.
        See :term:`Glossary <random_state>`. The global torch random number
        generator is never used.

    device : str, default='cpu'
        Torch device to train and infer on: ``'cpu'``, ``'cuda'``,
        ``'cuda:N'``, or ``'auto'`` for CUDA when it is available.

    verbose : int, default=0
        ``1`` prints one line per epoch (epoch, training and validation loss,
        seconds); ``2`` also shows a progress bar within each epoch.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The fitted skorch net; its ``module_`` is the torch autoencoder and its
        ``history`` the training log.

    loss_ : {'bce', 'mse'}
        The loss that was used.

    loss_curve_ : list of float
        Mean training loss of every epoch.

    validation_loss_curve_ : list of float or None
        Validation loss of every epoch with early stopping, else None.

    best_loss_ : float
        Lowest validation loss with early stopping, else lowest training loss.

    n_iter_ : int
        Number of epochs run, over all calls to :meth:`fit` with `warm_start`
        and to :meth:`partial_fit`.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn.decomposition.PCA : Linear dimensionality reduction.
    sklearn.neural_network.MLPRegressor : Multi-layer perceptron regressor.

    Notes
    -----
    Training runs in float32 whatever the input dtype; inference runs in the
    input's float dtype (float32 or float64) and returns that dtype.

    :meth:`score` is minus the reconstruction loss, so a search over
    ``n_components`` by score alone always prefers the largest code. To choose
    the code size for a task, search it inside a :class:`~sklearn.pipeline.Pipeline`
    that ends with a classifier or regressor.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skae import AutoencoderTransformer
    >>> X, _ = load_digits(return_X_y=True)
    >>> X = X / 16
    >>> autoencoder = AutoencoderTransformer(n_components=8, max_iter=2, random_state=0)
    >>> codes = autoencoder.fit_transform(X)
    >>> codes.shape
    (1797, 8)
    >>> autoencoder.inverse_transform(codes).shape
    (1797, 64)
    >>> autoencoder.loss_
    'bce'
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "loss": [StrOptions({"auto", "bce", "mse"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "noise_type": [StrOptions({"gaussian", "masking"})],
        "activity_regularization": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "callbacks": [None, "array-like"],
        "random_state": ["random_state"],
        "device": [str],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        n_components=32,
        *,
        hidden_layer_sizes=(),
        activation="relu",
        loss="auto",
        alpha=0.0,
        dropout=0.0,
        noise=0.0,
        noise_type="gaussian",
        activity_regularization=0.0,
        batch_size=256,
        learning_rate_init=1e-3,
        max_iter=50,
        tol=1e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        warm_start=False,
        callbacks=None,
        random_state=None,
        device="cpu",
        verbose=0,
    ):
        self.n_components = n_components
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.alpha = alpha
        self.dropout = dropout
        self.noise = noise
        self.noise_type = noise_type
        self.activity_regularization = activity_regularization
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train the autoencoder to reconstruct `X`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data. Dense only.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        continue_training = self.warm_start and hasattr(self, "net_")
        return self._fit(X, incremental=False, continue_training=continue_training)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one pass over `X`, continuing from the current weights.

        The first call builds the network and fixes ``n_features_in_``; later
        calls continue training, so that data too large for memory can be
        streamed in chunks (e.g. slices of an ``np.memmap``). No data is held
        out for early stopping.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A chunk of training data.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        return self._fit(X, incremental=True, continue_training=hasattr(self, "net_"))

    def _fit(self, X, *, incremental, continue_training):
        with _restored_on_error(self):
            module_params = self._module_params()
            device = _resolve_device(self.device)
            if self.noise_type == "masking" and self.noise >= 1:
                raise ValueError(
                    f"noise={self.noise} would mask every input; with "
                    "noise_type='masking', noise is the fraction of inputs set "
                    "to zero and must be below 1."
                )
            # Any numeric dtype is kept as is and converted to float32 batch by
            # batch: a uint8 memmap is never copied whole.
            X = validate_data(self, X, dtype="numeric", reset=not continue_training)
            if X.dtype == np.float32 and not X.flags.c_contiguous:
                X = np.ascontiguousarray(X)
            value_range = _value_range(X)
            generator = _torch_generator(self.random_state)
            dataset = ArrayDataset(X)
            validation = None
            if self.early_stopping and not incremental:
                dataset, validation = dataset.split(
                    self._n_validation(len(X)), generator
                )

            module_params["n_features"] = X.shape[1]
            if continue_training:
                self._check_same_network(module_params)
                self._check_loss(value_range, fitted=self.loss_)
                # Train a copy, so that a failed fit leaves the fitted net intact.
                module = copy.deepcopy(self.net_.module_)
                previous = self.net_
            else:
                self.loss_ = self._check_loss(value_range)
                module = AutoencoderModule(**module_params, generator=generator)
                previous = None
            self.net_ = self._build_net(
                module,
                device,
                generator,
                validation=validation,
                incremental=incremental,
            )
            self.net_.initialize()
            if previous is not None:
                self._carry_over(previous)
            epochs = 1 if incremental else self.max_iter
            with _forked_rng(generator, device):
                self.net_.partial_fit(dataset, epochs=epochs)
            self._check_interrupted(epochs, len(previous.history) if previous else 0)
            # Drop the reference to the training data held by the split.
            self.net_.train_split = None
            self.net_.module_.eval()
        return self

    def transform(self, X):
        """Encode `X`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to encode.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Codes, in the float dtype of `X`.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        return self._infer(_encode, X, self._n_features_out)

    def inverse_transform(self, X):
        """Decode codes back to the input space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, as returned by :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Reconstructions, in the float dtype of `X`.
        """
        check_is_fitted(self)
        X = check_array(X, dtype=[np.float32, np.float64], input_name="X")
        n_components = self._n_features_out
        if X.shape[1] != n_components:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__}."
                f"inverse_transform is expecting {n_components} features "
                "(n_components)."
            )
        # Scanning the decoding for overflow took a third of the time (10,000
        # rows of 784: 32.6 ms with it, 22.5 without); a bound from the codes'
        # magnitude rules overflow out without reading the output. max and min
        # rather than np.abs(X).max(), whose temporary |X| cost ~280 page
        # faults per call after a pause.
        bound = self.net_.module_.decode_bound(max(X.max(), -X.min()))
        return self._infer(self._decode, X, self.n_features_in_, bound=bound)

    def score_samples(self, X):
        """Minus the reconstruction loss of each sample.

        Lower means more abnormal: worse reconstructed than the rest.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the mean per-feature loss (``loss_``) of each sample.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float32, np.float64], reset=False)
        return self._infer(self._negative_loss, X, None)

    def score(self, X, y=None):
        """Minus the mean per-element reconstruction loss.

        Higher is better, so that :class:`~sklearn.model_selection.GridSearchCV`
        can use it with no ``scoring``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        score : float
            Minus the mean reconstruction loss.
        """
        return float(np.mean(self.score_samples(X)))

    @property
    def _n_features_out(self):
        return self.net_.module_.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        tags.non_deterministic = self.device != "cpu"
        return tags

    def __getstate__(self):
        # Store plain arrays, not pickled torch objects, so that a file loads
        # with another torch version and on a machine without the fit's GPU.
        state = dict(super().__getstate__())
        net = state.pop("net_", None)
        if net is not None:
            state["_net_state"] = {
                "device": str(net.device),
                "module_params": net.module_.get_params(),
                "module": _to_numpy(net.module_.state_dict()),
                "optimizer": _to_numpy(net.optimizer_.state_dict()),
                "history": net.history.to_list(),
            }
        return state

    def __setstate__(self, state):
        state = dict(state)
        net_state = state.pop("_net_state", None)
        super().__setstate__(state)
        if net_state is None:
            return
        device = net_state["device"]
        if device.startswith("cuda") and not torch.cuda.is_available():
            device = "cpu"
        module = AutoencoderModule(
            **net_state["module_params"], generator=torch.Generator()
        )
        module.load_state_dict(_to_torch(net_state["module"]))
        self.net_ = self._build_net(module, device, generator=torch.Generator())
        self.net_.initialize()
        self.net_.optimizer_.load_state_dict(_to_torch(net_state["optimizer"]))
        self.net_.history = History(net_state["history"])
        self.net_.module_.eval()

    @property
    def loss_curve_(self):
        check_is_fitted(self)
        return [float(loss) for loss in self.net_.history[:, "train_loss"]]

    @property
    def validation_loss_curve_(self):
        check_is_fitted(self)
        losses = [
            epoch["valid_loss"] for epoch in self.net_.history if "valid_loss" in epoch
        ]
        return [float(loss) for loss in losses] if losses else None

    @property
    def best_loss_(self):
        return min(self.validation_loss_curve_ or self.loss_curve_)

    @property
    def n_iter_(self):
        check_is_fitted(self)
        return len(self.net_.history)

    def _module_params(self):
        hidden_layer_sizes = tuple(np.atleast_1d(self.hidden_layer_sizes).tolist())
        if not all(
            isinstance(size, Integral) and size > 0 for size in hidden_layer_sizes
        ):
            raise ValueError(
                "hidden_layer_sizes must contain positive integers only, got "
                f"{self.hidden_layer_sizes!r}."
            )
        return {
            "n_features": None,  # set from the data
            "n_components": self.n_components,
            "hidden_layer_sizes": hidden_layer_sizes,
            "activation": self.activation,
            "dropout": self.dropout,
        }

    def _check_same_network(self, module_params):
        fitted = self.net_.module_.get_params()
        for name, value in module_params.items():
            if name != "n_features" and fitted[name] != value:
                raise ValueError(
                    f"Cannot continue training (warm_start or partial_fit) with "
                    f"{name}={value!r}: the fitted network has {name}="
                    f"{fitted[name]!r}. Refit with warm_start=False instead."
                )

    def _n_validation(self, n_samples):
        n_valid = int(np.ceil(self.validation_fraction * n_samples))
        if n_samples - n_valid < 1:
            raise ValueError(
                f"early_stopping holds out validation_fraction="
                f"{self.validation_fraction} of the data, which leaves no training "
                f"data from n_samples = {n_samples}; got {n_samples} sample(s). "
                "Pass more data or set early_stopping=False."
            )
        return n_valid

    def _check_interrupted(self, epochs, n_before):
        """Warn when training ended early for another reason than early stopping.

        skorch ends training quietly on KeyboardInterrupt (Ctrl-C); the weights
        reached so far are kept, and the history loses the unfinished epoch.
        """
        history = self.net_.history
        if len(history) > n_before and "train_loss" not in history[-1]:
            history.pop()
        done = len(history) - n_before
        stopper = dict(self.net_.callbacks_).get("early_stopping")
        stopped_early = stopper is not None and stopper.misses_ >= stopper.patience
        if done < epochs and not stopped_early:
            warnings.warn(
                f"Training was interrupted after {done} of {epochs} epochs; the "
                "estimator keeps the weights reached so far and can be used.",
                UserWarning,
            )

    def _carry_over(self, previous):
        """Continue from ``previous``: its optimizer state and history."""
        state = copy.deepcopy(previous.optimizer_.state_dict())
        optimizer = self.net_.optimizer_
        defaults = [dict(group) for group in optimizer.param_groups]
        optimizer.load_state_dict(state)
        # Keep the moments, but the current lr and weight decay.
        for group, default in zip(optimizer.param_groups, defaults):
            group["lr"], group["weight_decay"] = default["lr"], default["weight_decay"]
        self.net_.history = History(previous.history)

    def _check_loss(self, value_range, fitted=None):
        if fitted is not None and self.loss not in ("auto", fitted):
            raise ValueError(
                f"Cannot continue training (warm_start or partial_fit) with "
                f"loss={self.loss!r}: the fitted network uses loss_={fitted!r}. "
                "Refit with warm_start=False instead."
            )
        loss = fitted or self.loss
        low, high = value_range
        in_unit_range = low >= 0 and high <= 1
        if loss == "auto":
            return "bce" if in_unit_range else "mse"
        if loss == "bce" and not in_unit_range:
            raise ValueError(
                f"loss='bce' needs training values in [0, 1], but X ranges over "
                f"[{low:.4g}, {high:.4g}]. Scale X first, e.g. with "
                "sklearn.preprocessing.MinMaxScaler, or use loss='mse'."
            )
        return loss

    def _build_net(self, module, device, generator, validation=None, incremental=False):
        criterion = (
            torch.nn.BCEWithLogitsLoss if self.loss_ == "bce" else torch.nn.MSELoss
        )
        return AutoencoderNet(
            module=module,
            criterion=criterion,
            optimizer=torch.optim.Adam,
            lr=self.learning_rate_init,
            optimizer__eps=1e-7,
            optimizer__weight_decay=self.alpha,
            optimizer__fused=torch.device(device).type in ("cpu", "cuda"),
            max_epochs=self.max_iter,
            batch_size=self.batch_size,
            iterator_train=BatchIterator,
            iterator_train__shuffle=True,
            iterator_train__generator=generator,
            iterator_train__noise=self.noise,
            iterator_train__noise_type=self.noise_type,
            iterator_valid=BatchIterator,
            train_split=None if validation is None else predefined_split(validation),
            activity_regularization=self.activity_regularization,
            callbacks=self._callbacks(incremental),
            predict_nonlinearity=None,
            device=device,
            verbose=self.verbose,
            # PrintLog formats a table every epoch even when it prints nothing.
            **({} if self.verbose else {"callbacks__print_log": None}),
        )

    def _callbacks(self, incremental):
        callbacks = list(self.callbacks or ())
        if self.early_stopping and not incremental:
            early_stopping = BestWeightsEarlyStopping(
                monitor="valid_loss",
                patience=self.n_iter_no_change,
                threshold=self.tol,
                threshold_mode="abs",
                load_best=True,
            )
            callbacks.append(("early_stopping", early_stopping))
        if self.verbose >= 2:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    def _decode(self, module, code, out):
        module.decode_into(code, out, sigmoid=self.loss_ == "bce")

    def _negative_loss(self, module, x, out):
        reconstruction = module.decoder(module.encoder(x))
        if self.loss_ == "bce":
            loss = F.binary_cross_entropy_with_logits(
                reconstruction, x, reduction="none"
            )
        else:
            loss = F.mse_loss(reconstruction, x, reduction="none")
        torch.mean(loss, dim=1, out=out).neg_()

    def _infer(self, function, X, n_outputs, bound=None):
        """Apply ``function(module, x, out)`` to `X` in chunks, in `X`'s float dtype.

        Runs on the fitted weights directly, not through skorch's predict path,
        and never changes the fitted module, so that threads can share it.
        The output is checked for overflow unless `bound`, a bound on its
        magnitude known in advance, is far below the dtype's largest value.
        """
        module = self.net_.module_
        dtype = torch.float64 if X.dtype == np.float64 else torch.float32
        if dtype != torch.float32:
            module = copy.deepcopy(module).to(dtype)
        device = torch.device(self.net_.device)
        shape = (X.shape[0],) if n_outputs is None else (X.shape[0], n_outputs)
        out = np.empty(shape, dtype=X.dtype)
        out_tensor = torch.from_numpy(out)
        X = np.ascontiguousarray(X)
        row_bytes = module.activation_width() * out.itemsize
        chunk = max(1, _INFERENCE_BUDGET // row_bytes)
        with torch.inference_mode():
            for start in range(0, X.shape[0], chunk):
                x = _shared_tensor(X[start : start + chunk]).to(device)
                target = out_tensor[start : start + chunk]
                if device.type == "cpu":
                    function(module, x, target)
                else:
                    buffer = torch.empty(target.shape, dtype=dtype, device=device)
                    function(module, x, buffer)
                    target.copy_(buffer)
        overflow_possible = bound is None or not bound < np.finfo(out.dtype).max / 16
        # The sum is a cheap test; the full one runs only when it fails.
        if (
            overflow_possible
            and not np.isfinite(out.sum())
            and not np.isfinite(out).all()
        ):
            raise ValueError(
                "The network produced non-finite values from finite input: X holds "
                f"values up to {np.abs(X).max():.4g} in magnitude, which overflow "
                "it. Scale X as the training data was scaled."
            )
        return out


def _encode(module, x, out):
    module.encode_into(x, out)


def _to_numpy(tree):
    """Copy a (nested) state dict with every tensor turned into a numpy array."""
    if isinstance(tree, torch.Tensor):
        return tree.detach().cpu().numpy().copy()
    if isinstance(tree, dict):
        return {key: _to_numpy(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_to_numpy(value) for value in tree)
    return tree


def _to_torch(tree):
    """Inverse of :func:`_to_numpy`."""
    if isinstance(tree, np.ndarray):
        return torch.from_numpy(tree.copy())
    if isinstance(tree, dict):
        return {key: _to_torch(value) for key, value in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_to_torch(value) for value in tree)
    return tree
