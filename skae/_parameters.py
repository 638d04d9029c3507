"""An estimator's parameters, assembled from the parts that own them.

A skae estimator's parameters come from three places: the kind of
autoencoder (its graph's arguments and its loss: ``hidden_layer_sizes`` for
the dense one, ``likelihood`` for the variational one), the training every
kind shares (``batch_size``, ``max_iter`` ...), and the estimator's role
(``whiten`` for a transformer, ``contamination`` for a detector). Each part
declares its parameters once, as ``{name: default}`` and scikit-learn's
``{name: constraints}``; :func:`make_init` writes the ``__init__`` that
scikit-learn reads them from, so that a new kind or role re-lists nothing
and an estimator takes exactly the parameters its parts use.
"""

import inspect

# scikit-learn's private helpers for parameter validation, imported here only
# (the house style): the rest of skae takes them from this module.
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in

__all__ = [
    "Interval",
    "StrOptions",
    "_check_feature_names_in",
    "_fit_context",
    "make_init",
]


def make_init(defaults):
    """Return an ``__init__`` taking `defaults`' names, which only assigns them.

    The first parameter may be given by position, the others by keyword only,
    as scikit-learn asks. The signature is the real one for ``inspect`` (and so
    for ``get_params``, ``clone``, ``help`` and the API docs), and a wrong
    argument is the ``TypeError`` Python gives for a written ``__init__``.

    Parameters
    ----------
    defaults : dict
        Parameter names, in order, and their defaults.

    Returns
    -------
    init : function
        The ``__init__``.
    """
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for i, (name, default) in enumerate(defaults.items()):
        kind = (
            inspect.Parameter.POSITIONAL_OR_KEYWORD
            if i == 0
            else inspect.Parameter.KEYWORD_ONLY
        )
        parameters.append(inspect.Parameter(name, kind, default=default))
    signature = inspect.Signature(parameters)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        for name, value in list(bound.arguments.items())[1:]:
            setattr(self, name, value)

    __init__.__signature__ = signature
    return __init__
