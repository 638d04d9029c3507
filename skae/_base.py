"""What every autoencoder estimator of skae shares.

:class:`_BaseAutoencoder` holds the parameters, their validation, the training
schedule, the fit loop (through a skorch net), persistence and chunked
inference. Each public estimator adds only its mixins and its own methods:
:class:`~skae.AutoencoderTransformer` its ``transform`` and
``inverse_transform``, :class:`~skae.AutoencoderOutlierDetector` its
``contamination`` and ``predict``. What a fit sets and restores in torch's
process-wide state, and the module prepared for inference, are in
:mod:`skae._torch`.
"""

import contextlib
import copy
import inspect
import math
import re
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import Callback, EarlyStopping, ProgressBar
from skorch.helper import predefined_split
from skorch.history import History

from ._net import (
    ArrayDataset,
    AutoencoderNet,
    BatchIterator,
    BestWeightsEarlyStopping,
    as_tensor,
)
from ._optim import Adam
from ._parameters import Interval, StrOptions, make_init
from ._threads import inference_threads, n_threads, torch_threads
from ._torch import (
    Inference,
    autocast_disabled,
    build_module,
    forked_rng,
    resolve_device,
    to_numpy,
    to_torch,
    torch_generator,
    training_modes,
    unavailable_cuda,
)

# Inference runs in chunks of rows whose layer activations fit in this many
# bytes, so that a large X costs bounded temporary memory; not smaller, since
# each torch call pays a thread wake-up (Benchmarks page, "Speed and memory").
_INFERENCE_BUDGET = 64 * 2**20

# The training schedule of ``batch_size='auto'`` and ``max_iter='auto'``. The
# seed's schedule (60,000 rows in batches of 256 for 50 epochs: 11,750 Adam
# steps) is kept wherever it gives at least _MIN_STEPS steps; smaller data
# gets smaller batches and more epochs, until it has had _MIN_STEPS steps.
_MAX_BATCH_SIZE = 256
_MIN_BATCH_SIZE = 32
_MIN_BATCHES_PER_EPOCH = 16
_MIN_EPOCHS = 50
_MIN_STEPS = 6000

# The code of ``n_components='auto'`` on 64 features or more: the seed's.
_AUTO_N_COMPONENTS = 32

# The noise of ``noise='auto'`` on a code at least as wide as the input, which
# could otherwise copy it (see the Benchmarks page, "Wide codes").
_OVERCOMPLETE_NOISE = 0.5

N_COMPONENTS_DOC = """\
    n_components : int or 'auto', default='auto'
        Size of the code. ``'auto'`` is 32, the classic Keras example's code,
        on data of 64 features or more, and half the features (at least one)
        on narrower data, so that the code compresses the data: a code wider
        than the data can copy its input, and leaves ReLU units unused
        (columns of zeros). The size used is ``n_components_``. An int is
        used as given and may exceed the number of features.
"""

TRAINING_PARAMETERS_DOC = """\
    alpha : float, default=0.0
        Strength of the L2 penalty (weight decay in Adam).

    noise : float or 'auto', default='auto'
        Corruption of the inputs during training only, which makes a denoising
        autoencoder: the standard deviation of Gaussian noise, or the fraction
        of inputs set to zero with ``noise_type='masking'``. The target stays
        the clean input. ``'auto'`` is 0 (no noise) when the code is narrower
        than the input, and 0.5 when the code is at least as wide: such a
        code can learn to copy its input and then gives a classifier little
        more than the raw features, while denoising makes it learn features
        (Vincent et al., 2008); 0.5 did best of the levels measured on digits,
        MNIST and Fashion-MNIST (see the Benchmarks page, "Wide codes"). The
        value used is ``noise_``.

    noise_type : {'gaussian', 'masking'}, default='gaussian'
        Kind of noise added with `noise`.

    activity_regularization : float, default=0.0
        Weight of an L1 penalty on the code, added to the training loss (summed
        over components, averaged over samples, like Keras'
        ``activity_regularizer``): it makes codes sparse.

    batch_size : int or 'auto', default='auto'
        Number of samples per gradient step. ``'auto'`` uses
        ``min(256, max(32, n_samples // 16))``: the classic example's 256 on
        4,096 samples or more, and at least 16 steps per epoch on smaller
        data, never below 32 samples per step, where a step's fixed cost
        dominates.

    learning_rate_init : float, default=1e-3
        Learning rate of Adam.

    max_iter : int or 'auto', default='auto'
        Number of epochs (passes over the training data). ``'auto'`` trains
        at least 50 epochs and at least 6,000 gradient steps: on 60,000 rows
        in batches of 256 that is the classic example's 50 epochs, while a few
        hundred rows get thousands of epochs. A fixed number of epochs leaves
        small data barely trained (50 epochs of 7 steps on the 1,797 digits),
        and the number of steps, not of epochs, decides how far Adam gets.

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
        ``Checkpoint`` or ``GradientNormClipping``: instances, classes, or
        ``(name, callback)`` pairs, used as given, as skorch does; anything
        else is a ``TypeError`` at fit.

    n_jobs : int, default=None
        Number of threads, set for the duration of each call and restored
        afterwards. Training runs on torch's threads: None chooses by the
        size of the work, one thread when a training step is below 50
        million multiply-adds (the one-layer network in batches of 256 on up
        to ~1,000 features, a (512, 256) network on a hundred), where more
        threads gain little alone and collapse when another process uses the
        same cores, and torch's own setting (``torch.get_num_threads()``)
        above. Inference on the CPU multiplies with NumPy's BLAS, as
        scikit-learn's estimators do: None leaves its threads as they are
        (see threadpoolctl), an int sets them by the same rule. ``-1`` means
        every core; pass ``n_jobs=1`` on a machine whose cores other processes
        use, or ``n_jobs=-1`` to use every core on smaller work.

    random_state : int, RandomState instance or None, default=None
        Determines the initial weights, the validation split, the shuffling of
        the batches, the noise and dropout. Pass an int for reproducible
        results across multiple function calls.
        See scikit-learn's `Glossary
        <https://scikit-learn.org/stable/glossary.html#term-random_state>`__.
        Dropout draws from torch's global generator, which training seeds from
        `random_state` and then restores to its previous state, so the
        caller's random numbers are unchanged.

    device : str, default='cpu'
        Torch device to train and infer on: ``'cpu'``, ``'cuda'``,
        ``'cuda:N'``, or ``'auto'`` for CUDA when it is available. A CUDA
        device that torch cannot see is a ``ValueError`` at fit, before any
        work. A model fitted on CUDA and unpickled where torch cannot see
        that device infers on the CPU.

    verbose : int, default=0
        ``1`` prints one line per epoch (epoch, training loss, seconds, and
        the validation loss with `early_stopping`); ``2`` also shows a progress
        bar within each epoch.

"""

FITTED_ATTRIBUTES_DOC = """\
    net_ : skorch.NeuralNet
        The fitted skorch net; its ``module_`` is the torch autoencoder and its
        ``history`` the training log. Inference follows the module's weights
        when they are changed in place (trained on in a torch loop, or given
        with ``load_state_dict``).

    n_components_ : int
        Size of the code (`n_components`, resolved).

    batch_size_ : int
        The batch size that was used (`batch_size`, resolved).

    noise_ : float
        The noise that was used (`noise`, resolved).

    loss_curve_ : list of float
        Mean training loss of every epoch.

    validation_loss_curve_ : list of float or None
        Validation loss of every epoch with early stopping, else None.

    best_loss_ : float
        Lowest validation loss with early stopping, else lowest training loss.

    n_iter_ : int
        Number of epochs run, over all calls to :meth:`fit` with `warm_start`
        (and to ``partial_fit`` where there is one).

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when `X`
        has feature names that are all strings.
"""


def fill_doc(cls):
    """Put the shared sections into a class docstring.

    ``{parameters}`` becomes `n_components`, the kind's parameters (the
    ``_kind_doc`` of the class that declares the kind) and the training
    parameters (less those the role redeclares or fixes);
    ``{fitted_attributes}`` the fitted attributes every estimator has and
    then the kind's (its ``_kind_attributes_doc``);
    ``{role_parameters}`` and ``{role_attributes}`` the role's ``_role_doc``
    and ``_role_attributes_doc``.
    """
    kind = cls._kind()
    training_doc = TRAINING_PARAMETERS_DOC
    for name in [*getattr(cls, "_role_parameters", {}), *cls._fixed_parameters]:
        if name in TRAINING_PARAMETERS:
            # The role documents its own default for it.
            training_doc = re.sub(
                rf"    {name} : .*?\n\n(?=    \w+ : |$)", "", training_doc, flags=re.S
            )
    cls.__doc__ = cls.__doc__.replace(
        "    {role_parameters}\n", getattr(cls, "_role_doc", "")
    ).replace("    {role_attributes}\n", getattr(cls, "_role_attributes_doc", ""))
    cls.__doc__ = cls.__doc__.replace(
        "    {parameters}\n",
        N_COMPONENTS_DOC + "\n" + kind._kind_doc + "\n" + training_doc,
    ).replace(
        "    {fitted_attributes}\n",
        FITTED_ATTRIBUTES_DOC + "\n" + kind._kind_attributes_doc,
    )
    return cls


def _auto_n_components(n_features):
    """Return the code size of ``n_components='auto'`` for `n_features`."""
    return min(_AUTO_N_COMPONENTS, max(1, n_features // 2))


# The training parameters every kind of autoencoder takes, with their defaults
# and constraints; each kind and each role declares its own the same way.
TRAINING_PARAMETERS = {
    "alpha": 0.0,
    "noise": "auto",
    "noise_type": "gaussian",
    "activity_regularization": 0.0,
    "batch_size": "auto",
    "learning_rate_init": 1e-3,
    "max_iter": "auto",
    "tol": 1e-4,
    "early_stopping": False,
    "validation_fraction": 0.1,
    "n_iter_no_change": 10,
    "warm_start": False,
    "callbacks": None,
    "n_jobs": None,
    "random_state": None,
    "device": "cpu",
    "verbose": 0,
}

TRAINING_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "alpha": [Interval(Real, 0, None, closed="left")],
    "noise": [Interval(Real, 0, None, closed="left"), StrOptions({"auto"})],
    "noise_type": [StrOptions({"gaussian", "masking"})],
    "activity_regularization": [Interval(Real, 0, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
    "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "tol": [Interval(Real, 0, None, closed="left")],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "warm_start": ["boolean"],
    "callbacks": [None, "array-like"],
    "n_jobs": [
        None,
        Interval(Integral, 1, None, closed="left"),
        Interval(Integral, None, -1, closed="right"),
    ],
    "random_state": ["random_state"],
    "device": [str],
    "verbose": ["verbose"],
}

# The reconstruction loss of the deterministic kinds (dense, tied ...), whose
# fit the base runs by default; a kind with a likelihood of its own (the
# variational one) declares that instead.
LOSS_PARAMETERS = {"loss": "auto"}
LOSS_CONSTRAINTS = {"loss": [StrOptions({"auto", "bce", "mse"})]}
LOSS_DOC = """\
    loss : {'auto', 'bce', 'mse'}, default='auto'
        Reconstruction loss. ``'bce'`` is the binary cross-entropy with a
        sigmoid output and needs data in [0, 1]; ``'mse'`` is the mean squared
        error with a linear output. ``'auto'`` uses ``'bce'`` when every
        training value lies in [0, 1] in float32, in which training runs (so
        that a ``MinMaxScaler``'s float64 rounding just above 1 counts as 1),
        and ``'mse'`` otherwise.
"""
LOSS_ATTRIBUTES_DOC = """\
    loss_ : {'bce', 'mse'}
        The loss that was used.
"""


def check_layer_sizes(value, name="hidden_layer_sizes", *, allow_empty=True):
    """Return the layer widths `value` (an int or ints) as a tuple, or raise.

    `name` is the parameter's, for the message; `allow_empty` whether no
    layer at all is valid (no hidden layer is; no convolution is not).
    """
    sizes = tuple(np.atleast_1d(value).tolist())
    if not all(isinstance(size, Integral) and size > 0 for size in sizes):
        raise ValueError(f"{name} must contain positive integers only, got {value!r}.")
    if not (sizes or allow_empty):
        raise ValueError(f"{name} must hold at least one layer, got {value!r}.")
    return sizes


class _BaseAutoencoder(BaseEstimator):
    """Base of skae's estimators: parameters, training, persistence, inference.

    Not for direct use. An estimator is a kind of autoencoder in a role. The
    kind names its torch graph in ``_module_class`` (a
    :class:`~skae._module.BaseAutoencoderModule`) and declares its parameters
    in ``_kind_parameters`` and ``_kind_constraints`` (documented in
    ``_kind_doc``); those the graph's constructor takes are passed to it. The
    role (transformer, detector) declares its own in ``_role_parameters`` and
    ``_role_constraints``. Every estimator takes `n_components`, its kind's
    parameters, the training parameters and its role's, and no other: its
    ``__init__`` is written from them (:func:`~skae._parameters.make_init`).
    """

    _module_class = None
    _kind_parameters: dict = {}
    _kind_constraints: dict = {}
    _kind_doc = ""
    _kind_attributes_doc = ""
    _role_parameters: dict = {}
    _role_constraints: dict = {}
    _fixed_parameters: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        kind = cls._kind()
        if kind is not cls:
            _delegate_to_kind(cls, kind)
        # A role may fix a training parameter (the imputer's noise is always
        # masking): a class attribute then, not a parameter.
        fixed = cls._fixed_parameters
        cls._parameter_constraints = {
            name: constraint
            for name, constraint in {
                **TRAINING_CONSTRAINTS,
                **kind._kind_constraints,
                **cls._role_constraints,
            }.items()
            if name not in fixed
        }
        for name, value in fixed.items():
            setattr(cls, name, value)
        if "__init__" not in vars(cls):
            defaults = {
                "n_components": "auto",
                **kind._kind_parameters,
                **TRAINING_PARAMETERS,
                **cls._role_parameters,
            }
            cls.__init__ = make_init(
                {name: value for name, value in defaults.items() if name not in fixed}
            )
            cls.__init__.__qualname__ = f"{cls.__qualname__}.__init__"

    @classmethod
    def _kind(cls):
        """Return the class that declares this estimator's kind: itself."""
        return cls

    def _as_kind(self):
        """Return this estimator as its kind's class: its state, the kind's methods.

        What the kind's methods set (the loss chosen at fit, say) is set on
        this estimator. For a role on another class's kind (a detector on a
        transformer's), see :func:`_delegate_to_kind`.
        """
        kind = self._kind()
        if type(self) is kind:
            return self
        view = object.__new__(kind)
        view.__dict__ = self.__dict__
        return view

    # --- training ------------------------------------------------------------

    def _fit(self, X, *, incremental=False, validated=False):
        """Train on `X`: afresh, or on from the fitted weights.

        ``incremental`` runs one epoch, as ``partial_fit``; otherwise `max_iter`
        epochs, continuing from the fitted weights with `warm_start`. Returns
        the validated `X`; `validated` says the caller has validated it
        already (and set ``n_features_in_``). A fit that fails leaves the
        estimator as it was.
        """
        continue_training = hasattr(self, "net_") and (incremental or self.warm_start)
        with _restored_on_error(self), training_modes():
            module_params = self._module_params()
            device = resolve_device(self.device)
            if (
                self.noise_type == "masking"
                and self.noise != "auto"
                and self.noise >= 1
            ):
                raise ValueError(
                    f"noise={self.noise} would mask every input; with "
                    "noise_type='masking', noise is the fraction of inputs set "
                    "to zero and must be below 1."
                )
            # Checked before the data, as the constraints are: skorch would fail
            # only when building the net, without naming the parameter.
            for item in self.callbacks or ():
                _check_callback(item)
            # Any numeric dtype is kept as is: ArrayDataset converts small data
            # to float32 once and large data (a uint8 memmap) batch by batch.
            if not validated:
                X = validate_data_without_holes(
                    self, X, dtype="numeric", reset=not continue_training
                )
            if X.dtype == np.float32 and not X.flags.c_contiguous:
                X = np.ascontiguousarray(X)
            value_range = _value_range(X)
            generator = torch_generator(
                self.random_state,
                epochs_done=len(self.net_.history) if continue_training else 0,
            )
            dataset = ArrayDataset(X)
            validation = None
            if self.early_stopping and not incremental:
                dataset, validation = dataset.split(
                    self._n_validation(len(X)), generator
                )
            self.batch_size_, epochs = self._schedule(len(dataset))
            if incremental:
                epochs = 1

            module_params["n_features"] = X.shape[1]
            if module_params.get("n_components") == "auto":
                module_params["n_components"] = _auto_n_components(X.shape[1])
            self.noise_ = self._resolve_noise(module_params, X.shape[1])
            self._resolve_output(module_params, X, value_range, continue_training)
            if continue_training:
                self._check_same_network(module_params)
                # Train a copy, so that a failed fit leaves the fitted net intact.
                module = copy.deepcopy(self.net_.module_)
                previous = self.net_
            else:
                module = build_module(
                    self._module_class, **module_params, generator=generator
                )
                self._initialize_module(module, X)
                previous = None
            self.net_ = self._build_net(
                module,
                device,
                generator,
                validation=validation,
                incremental=incremental,
                **self._loss_options(),
            )
            self.net_.initialize()
            if previous is not None:
                self._carry_over(previous)
            work = self.batch_size_ * module.n_weights()
            with torch_threads(n_threads(self.n_jobs, work)):
                needed = module.draws_from_global_generator()
                with forked_rng(generator, device, needed=needed):
                    self.net_.partial_fit(dataset, epochs=epochs)
            self._check_interrupted(epochs, len(previous.history) if previous else 0)
            # Drop the reference to the training data held by the split.
            self.net_.train_split = None
            self._prepare_inference()
        return X

    def _resolve_noise(self, module_params, n_features):
        """Return the noise of `noise`, resolving ``'auto'`` from the code's width."""
        if self.noise != "auto":
            return self.noise
        n_components = module_params.get("n_components")
        if n_components is None or n_components < n_features:
            return 0.0
        return _OVERCOMPLETE_NOISE

    def _schedule(self, n_samples):
        """Return ``(batch_size, epochs)`` for `n_samples` training rows."""
        batch_size = self.batch_size
        if batch_size == "auto":
            batch_size = min(
                _MAX_BATCH_SIZE,
                max(_MIN_BATCH_SIZE, n_samples // _MIN_BATCHES_PER_EPOCH),
            )
        epochs = self.max_iter
        if epochs == "auto":
            steps_per_epoch = math.ceil(n_samples / batch_size)
            epochs = max(_MIN_EPOCHS, math.ceil(_MIN_STEPS / steps_per_epoch))
        return batch_size, epochs

    def _module_params(self):
        """Return the graph's arguments: the kind's parameters its graph takes.

        ``n_features`` is set from the data later; ``hidden_layer_sizes``,
        where the graph takes it, is checked here for every kind; a kind
        overrides this to check or convert its own values.
        """
        arguments = inspect.signature(self._module_class).parameters
        params = {"n_features": None, "n_components": self.n_components}
        for name in self._kind()._kind_parameters:
            if name in arguments:
                params[name] = getattr(self, name)
        if "hidden_layer_sizes" in params:
            params["hidden_layer_sizes"] = check_layer_sizes(self.hidden_layer_sizes)
        return params

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
        # skorch's EarlyStopping ends training with a KeyboardInterrupt too:
        # skae's own (early_stopping=True) or one the user passed in callbacks.
        stopped_early = any(
            isinstance(callback, EarlyStopping)
            and callback.misses_ >= callback.patience
            for _, callback in self.net_.callbacks_
        )
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

    def _resolve_output(self, module_params, X, value_range, continuing):
        """Choose the loss from the data: ``loss_``, for the deterministic kinds.

        A kind with a likelihood of its own overrides this (and
        :meth:`_criterion`, :meth:`_sigmoid_output`), setting its fitted
        attribute and the graph's arguments that depend on the data.
        """
        self.loss_ = self._check_loss(
            value_range, fitted=self.loss_ if continuing else None
        )

    def _check_loss(self, value_range, fitted=None):
        if fitted is not None and self.loss not in ("auto", fitted):
            raise ValueError(
                f"Cannot continue training (warm_start or partial_fit) with "
                f"loss={self.loss!r}: the fitted network uses loss_={fitted!r}. "
                "Refit with warm_start=False instead."
            )
        loss = fitted or self.loss
        # Judged on the float32 values training sees: a MinMaxScaler's output
        # can exceed 1 by a float64 rounding error (1.0000000000000002 on
        # load_breast_cancer), which float32 rounds to 1.
        low, high = value_range
        in_unit_range = np.float32(low) >= 0 and np.float32(high) <= 1
        if loss == "auto":
            return "bce" if in_unit_range else "mse"
        if loss == "bce" and not in_unit_range:
            raise ValueError(
                f"loss='bce' needs training values in [0, 1], but X ranges over "
                f"[{low:.9g}, {high:.9g}]. Scale X first, e.g. with "
                "sklearn.preprocessing.MinMaxScaler, or use loss='mse'."
            )
        return loss

    def _initialize_module(self, module, X):
        """Start a new graph from the data where the kind does: not here."""

    def _criterion(self):
        """Return the training criterion's class (the graph may replace it)."""
        return torch.nn.BCEWithLogitsLoss if self.loss_ == "bce" else torch.nn.MSELoss

    def _sigmoid_output(self):
        """Return whether the decoder's output is a logit to squash by a sigmoid."""
        return self.loss_ == "bce"

    def _loss_options(self):
        """Options of the training loss: none here; the outlier detector trims it."""
        return {}

    def _iterator_options(self, generator):
        """Further options of the batch iterators (the imputer's hidden entries)."""
        return {}

    def _build_net(
        self,
        module,
        device,
        generator,
        validation=None,
        incremental=False,
        **loss_options,
    ):
        return AutoencoderNet(
            module=module,
            criterion=self._criterion(),
            optimizer=Adam,
            lr=self.learning_rate_init,
            optimizer__eps=1e-7,
            optimizer__weight_decay=self.alpha,
            optimizer__fused=torch.device(device).type in ("cpu", "cuda"),
            batch_size=self.batch_size_,
            iterator_train=BatchIterator,
            iterator_train__shuffle=True,
            iterator_train__generator=generator,
            iterator_train__noise=self.noise_,
            iterator_train__noise_type=self.noise_type,
            iterator_valid=BatchIterator,
            **self._iterator_options(generator),
            train_split=None if validation is None else predefined_split(validation),
            activity_regularization=self.activity_regularization,
            **loss_options,
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

    # --- fitted state ----------------------------------------------------------

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

    @property
    def n_components_(self):
        check_is_fitted(self)
        return self._n_features_out

    @property
    def _n_features_out(self):
        return self.net_.module_.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.device != "cpu"
        return tags

    # --- persistence -----------------------------------------------------------

    def __getstate__(self):
        # Store plain arrays, not pickled torch objects, so that a file loads
        # with another torch version and on a machine without the fit's GPU.
        state = dict(super().__getstate__())
        state.pop("_prepared_inference", None)
        net = state.pop("net_", None)
        if net is not None:
            state["_net_state"] = {
                "device": str(net.device),
                "module_params": net.module_.get_params(),
                "module": to_numpy(net.module_.state_dict()),
                "optimizer": to_numpy(net.optimizer_.state_dict()),
                "history": net.history.to_list(),
            }
        return state

    def __setstate__(self, state):
        state = dict(state)
        net_state = state.pop("_net_state", None)
        # Saved before noise='auto' existed: noise was the number used.
        if net_state is not None and "noise_" not in state:
            state["noise_"] = state.get("noise", 0.0)
        super().__setstate__(state)
        if net_state is None:
            return
        device = net_state["device"]
        if unavailable_cuda(torch.device(device)):
            device = "cpu"
        # Loaded as trainable tensors even inside torch.inference_mode() (a
        # model unpickled in serving code), so that warm_start can train on.
        with training_modes():
            module = build_module(
                self._module_class,
                **net_state["module_params"],
                generator=torch.Generator(),
            )
            module.load_state_dict(to_torch(net_state["module"]))
            self.net_ = self._build_net(module, device, generator=torch.Generator())
            self.net_.initialize()
            self.net_.optimizer_.load_state_dict(to_torch(net_state["optimizer"]))
        self.net_.history = History(net_state["history"])
        self._prepare_inference()

    # --- inference -------------------------------------------------------------

    def _prepare_inference(self):
        """Do once what every inference call would otherwise redo.

        The float64 copy of the module (float64 input is inferred in float64)
        and the decoder's growth bound are made here, at the end of a fit or
        on loading, never per call (again only if the weights change in
        place, see :attr:`_inference`).
        """
        module = self.net_.module_.eval()
        self._prepared_inference = Inference(module, self._sigmoid_output())

    @property
    def _inference(self):
        """What inference needs, for the weights the module holds now.

        Prepared again when they have changed in place since it was last
        prepared: fine-tuned in the user's own torch loop (the seed's use of
        the encoder on its own) or loaded with ``load_state_dict``. Otherwise
        inference would mix new weights with the copies made before.
        """
        if self._prepared_inference.is_stale():
            self._prepare_inference()
        return self._prepared_inference

    def _validate_rows(self, X):
        """Check `X` for inference: fitted, same features, float dtype kept."""
        check_is_fitted(self)
        return validate_data_without_holes(
            self, X, dtype=[np.float32, np.float64], reset=False
        )

    def score_samples(self, X):
        """Minus the reconstruction error of each sample: higher is more normal.

        With ``loss_ == 'bce'`` the error is the binary Kullback-Leibler
        divergence between each value and its reconstruction, which is the
        binary cross-entropy less the entropy of the value itself: 0 for a
        perfect reconstruction whatever the sample's brightness. A value
        outside [0, 1], where the divergence is not defined (new data scaled
        like the training data may exceed it), counts as the nearest bound
        plus its squared distance to it. With ``'mse'`` the error is the
        squared error. Both are averaged over features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to reconstruct.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the mean per-feature reconstruction error of each sample.
        """
        return self._score_rows(self._validate_rows(X))

    def _score_rows(self, X):
        """Return the scores of :meth:`score_samples` for the validated `X`."""
        return self._infer("negative_error", X, None)

    def _infer(self, method, X, n_outputs, code_bound=None, repeats=1):
        """Apply the inference's `method` to `X` in chunks, in `X`'s float dtype.

        `method` names one of :class:`Inference`'s ``encode``, ``decode`` and
        ``negative_error``, or is a function of ``(module, x, out)`` that
        passes each row through the graph `repeats` times (chunks are sized
        for that). Runs on the fitted weights directly, not through
        skorch's predict path, and never changes the fitted module, so that
        threads can share it. The output is checked for overflow unless
        `code_bound`, a bound on the magnitude of codes being decoded, bounds
        it far below the dtype's largest value.
        """
        inference = self._inference
        function = getattr(inference, method) if isinstance(method, str) else method
        bound = None if code_bound is None else inference.decode_bound(code_bound)
        module = inference.module(X.dtype)
        device = torch.device(self.net_.device)
        shape = (X.shape[0],) if n_outputs is None else (X.shape[0], n_outputs)
        out = np.empty(shape, dtype=X.dtype)
        out_tensor = torch.from_numpy(out)
        X = np.ascontiguousarray(X)
        chunk = max(1, _INFERENCE_BUDGET // (repeats * inference.width * out.itemsize))
        threads = inference_threads(
            self.n_jobs,
            min(chunk, len(X)) * repeats * inference.n_weights,
            blas=device.type == "cpu" and inference.blas,
        )
        with threads, torch.inference_mode(), autocast_disabled():
            for start in range(0, X.shape[0], chunk):
                x = as_tensor(X[start : start + chunk]).to(device)
                target = out_tensor[start : start + chunk]
                if device.type == "cpu":
                    function(module, x, target)
                else:
                    buffer = torch.empty(target.shape, dtype=x.dtype, device=device)
                    function(module, x, buffer)
                    target.copy_(buffer)
        overflow_possible = bound is None or not bound < np.finfo(out.dtype).max / 16
        if overflow_possible:
            _check_finite(out, X)
        return out


def _kind_classes(kind):
    """Return the classes of `kind`'s MRO that make the kind, not a role.

    Those before the first class that declares role parameters (the
    transformer's role, say): the kind's own class and its mixins
    (``_ConvolutionalKind``), and a kind it extends.
    """
    classes = []
    for klass in kind.__mro__:
        if "_role_parameters" in vars(klass):
            break
        classes.append(klass)
    return classes


def _delegate_to_kind(cls, kind):
    """Give the role `cls` the kind's hooks and fitted properties.

    A role on another class's kind (a detector on a transformer's graph)
    trains and scores with the kind's methods: every private method the
    kind's classes define (the hooks :meth:`_BaseAutoencoder._fit` calls, and
    the scores) and every fitted property (a public name ending in ``_``) is
    forwarded to :meth:`_BaseAutoencoder._as_kind`, unless the role defines
    the name itself. Derived here from the kind, so that a new hook or a new
    role needs no list of them.
    """
    own = set()
    for klass in cls.__mro__:
        if klass is _BaseAutoencoder:
            break
        own.update(
            name
            for name, value in vars(klass).items()
            if not getattr(value, "_forwarded", False)
        )
    for klass in reversed(_kind_classes(kind)):
        for name, value in vars(klass).items():
            hook = (
                name.startswith("_")
                and not name.startswith("__")
                and callable(value)
                and not isinstance(value, type)
            )
            fitted = (
                isinstance(value, property)
                and name.endswith("_")
                and not name.startswith("_")
            )
            if (hook or fitted) and name not in own:
                setattr(cls, name, _forwarder(name, value))


def _forwarder(name, value):
    """Return a method or property of the role that calls the kind's `name`."""
    if isinstance(value, property):

        def get(self):
            return getattr(self._as_kind(), name)

        return _ForwardedProperty(get, doc=value.__doc__)

    def method(self, *args, **kwargs):
        return getattr(self._as_kind(), name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = value.__doc__
    method._forwarded = True
    return method


class _ForwardedProperty(property):
    """A property forwarded to the kind, which a subclass's kind may replace."""

    _forwarded = True


def _check_finite(out, X):
    """Raise a clear error if inference on the finite `X` overflowed into `out`."""
    # The sum is a cheap test; the full one runs only when it fails. The sum
    # of huge values may overflow: that is what it tests for.
    with np.errstate(over="ignore", invalid="ignore"):
        finite = np.isfinite(out.sum())
    if not finite and not np.isfinite(out).all():
        raise ValueError(
            "The network produced non-finite values from finite input: X holds "
            f"values up to {np.abs(X).max():.4g} in magnitude, which overflow "
            "it. Scale X as the training data was scaled."
        )


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


def _value_range(X):
    """Return ``(min, max)`` of `X`, which training must fit in float32; NaN ignored."""
    low, high = float(np.nanmin(X)), float(np.nanmax(X))
    largest = float(np.finfo(np.float32).max)
    if max(-low, high) > largest:
        raise ValueError(
            f"X holds values up to {max(-low, high):.4g} in magnitude, beyond float32 "
            f"({largest:.4g}), in which training runs. Scale X first, e.g. with "
            "sklearn.preprocessing.StandardScaler."
        )
    return low, high


def validate_data_without_holes(estimator, X, **kwargs):
    """scikit-learn's ``validate_data``, whose error on NaN names skae's imputer.

    The autoencoders other than the imputer take no missing values; the
    message says which Pipeline fills them first.
    """
    try:
        return validate_data(estimator, X, **kwargs)
    except ValueError as error:
        if "contains NaN" not in str(error):
            raise
        name = type(estimator).__name__
        raise ValueError(
            f"{error}\nskae.AutoencoderImputer fills missing values before it: "
            f"make_pipeline(AutoencoderImputer(), {name}(...))."
        ) from error


def _check_callback(item):
    """Raise a TypeError unless `item` is a callback skorch accepts.

    skorch takes a ``Callback`` instance or subclass, alone or as a
    ``(name, callback)`` pair; anything else fails deep in skorch with an
    AttributeError that does not name the parameter.
    """
    callback = item
    if isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str):
        callback = item[1]
    is_class = isinstance(callback, type) and issubclass(callback, Callback)
    if not (isinstance(callback, Callback) or is_class):
        raise TypeError(
            "callbacks must hold skorch callbacks (skorch.callbacks.Callback "
            f"instances or subclasses) or (name, callback) pairs; got {item!r}."
        )
