"""The variational graph: a Gaussian posterior over the code and a likelihood.

:class:`VariationalModule` is the graph of
:class:`~skae.VariationalAutoencoder`: its encoder gives each row's posterior
(a mean and a log-variance per component), its decoder the parameters of the
likelihood of the row given a code, and it computes the training loss (the
negative evidence lower bound) and the importance-sampled log-likelihood.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

from ._module import BaseAutoencoderModule, _dense_stack

LIKELIHOODS = ("bernoulli", "continuous_bernoulli", "gaussian", "isotropic_gaussian")

_LOG_2PI = math.log(2 * math.pi)

# The Gaussian noise variance never falls below this, in units of scale ** 2
# (the mean feature variance), so that a constant feature cannot send the
# likelihood to infinity.
_LOG_VARIANCE_FLOOR = math.log(1e-6)
# The Bernoulli decoder starts at its features' log-odds, clipped to this.
_BERNOULLI_EPS = 1e-3


class VariationalModule(BaseAutoencoderModule):
    """Variational autoencoder: Gaussian posterior, standard normal prior.

    The encoder maps a row to the mean and log-variance of its posterior,
    side by side (``2 * n_components`` values); the code is the mean. The
    decoder maps a code to the likelihood's parameters: logits for the
    Bernoulli and continuous Bernoulli likelihoods, means for the Gaussian
    ones, whose noise variance is learned (``log_noise_variance``, one per
    feature or one shared, in units of ``scale ** 2``), never below a
    millionth of ``scale ** 2``.

    Parameters
    ----------
    n_features : int
        Width of the input.

    n_components : int
        Width of the code.

    hidden_layer_sizes : tuple of int, default=(256,)
        Widths of the encoder's hidden layers; the decoder uses them reversed.

    activation : {'relu', 'tanh', 'sigmoid', 'gelu'}, default='relu'
        Activation of the hidden layers (the code and output are linear).

    likelihood : {'bernoulli', 'continuous_bernoulli', 'gaussian', \
'isotropic_gaussian'}, default='gaussian'
        Distribution of a row given its code.

    location, scale : float, default=0.0, 1.0
        The Gaussian likelihoods model ``(X - location) / scale``, so that
        training starts at the data's scale whatever its units; the
        estimator sets them to the data's mean and the square root of its
        mean feature variance. Likelihoods and means are in the units of `X`.

    generator : torch.Generator, default=None
        Source of randomness for the initial weights.
    """

    def __init__(
        self,
        n_features,
        n_components,
        hidden_layer_sizes=(256,),
        activation="relu",
        likelihood="gaussian",
        location=0.0,
        scale=1.0,
        generator=None,
    ):
        super().__init__()
        self.n_features = n_features
        self.n_components = n_components
        self.hidden_layer_sizes = tuple(hidden_layer_sizes)
        self.activation = activation
        sizes = [n_features, *hidden_layer_sizes]
        encoder = _dense_stack(
            [*sizes, 2 * n_components], activation, 0.0, last_activation=False
        )
        decoder = _dense_stack(
            [n_components, *sizes[::-1]], activation, 0.0, last_activation=False
        )
        self._build(encoder, decoder, likelihood, location, scale, generator)

    def _build(self, encoder, decoder, likelihood, location, scale, generator):
        """Set the networks and the likelihood, then initialise from `generator`.

        `encoder` maps rows to ``2 * n_components`` values, `decoder` codes to
        the likelihood's parameters, ending with a layer whose ``bias`` holds
        one value per feature (see :meth:`initialize_output`); both on the
        meta device. A graph of another shape (convolutional) builds its
        networks and calls this.
        """
        self.likelihood = likelihood
        self.location = location
        self.scale = scale
        self.encoder = encoder
        self.decoder = decoder
        if likelihood in ("gaussian", "isotropic_gaussian"):
            width = self.n_features if likelihood == "gaussian" else 1
            self.log_noise_variance = nn.Parameter(torch.zeros(width, device="meta"))
        self.to_empty(device="cpu")
        self.reset_parameters(generator)
        if hasattr(self, "log_noise_variance"):
            nn.init.zeros_(self.log_noise_variance)

    def initialize_output(self, mean, variance):
        """Start the decoder at each feature's `mean` and `variance` (arrays).

        Its output bias becomes the mean (its log-odds for the Bernoulli
        likelihoods, as Burda et al. start theirs), and a Gaussian
        likelihood's noise variance the feature's variance, floored (their
        mean with one shared), as factor analysis starts: training then
        only has to learn what the code explains.
        """
        mean = torch.as_tensor(mean, dtype=torch.float32)
        variance = torch.as_tensor(variance, dtype=torch.float32)
        bias = self.decoder[-1].bias
        with torch.no_grad():
            if hasattr(self, "log_noise_variance"):
                bias.copy_(self._standardize(mean))
                variance = variance / self.scale**2
                if self.likelihood == "isotropic_gaussian":
                    variance = variance.mean(dim=0, keepdim=True)
                log_variance = variance.log().clamp_min(_LOG_VARIANCE_FLOOR)
                self.log_noise_variance.copy_(log_variance)
            else:
                bias.copy_(torch.logit(mean, eps=_BERNOULLI_EPS))

    def posterior(self, X):
        """Return the mean and log-variance of the posterior of each row."""
        return self.encoder(self._standardize(X)).chunk(2, dim=1)

    def _standardize(self, X):
        if self.location == 0 and self.scale == 1:
            return X
        return (X - self.location) / self.scale

    def forward(self, X):
        """Return ``(likelihood parameters, code)``, and the divergence in training.

        Training decodes a code drawn from the posterior (the
        reparameterisation trick) and adds each row's Kullback-Leibler
        divergence from the prior, per feature like the likelihood term.
        """
        mean, log_variance = self.posterior(X)
        if not self.training:
            return self.decoder(mean), mean
        code = mean + torch.randn_like(mean) * (0.5 * log_variance).exp()
        divergence = 0.5 * (mean.square() + log_variance.exp() - 1 - log_variance)
        return self.decoder(code), mean, divergence.sum(dim=1) / self.n_features

    def noise_variance(self):
        """Return the Gaussian likelihoods' noise variance, floored, in X's units."""
        return self._log_noise_variance().exp() * self.scale**2

    def _log_noise_variance(self):
        return self.log_noise_variance.clamp_min(_LOG_VARIANCE_FLOOR)

    def negative_log_likelihood(self, output, X):
        """Return each row's negative log-likelihood given `output`, per feature.

        The mean of :meth:`entry_negative_log_likelihood` over the row, with
        the change of units added once.
        """
        if self.likelihood != "gaussian":
            return self.entry_negative_log_likelihood(output, X).mean(dim=1)
        return self._gaussian_entries(output, X).mean(dim=1) + math.log(self.scale)

    def entry_negative_log_likelihood(self, output, X):
        """Return each entry's negative log-likelihood given `output`."""
        if self.likelihood == "bernoulli":
            return F.binary_cross_entropy_with_logits(output, X, reduction="none")
        if self.likelihood == "continuous_bernoulli":
            distribution = torch.distributions.ContinuousBernoulli(
                logits=output, validate_args=False
            )
            return -distribution.log_prob(X)
        # In standardized units, then the change of units: log(scale) a value.
        return self._gaussian_entries(output, X) + math.log(self.scale)

    def _gaussian_entries(self, output, X):
        log_variance = self._log_noise_variance()
        squared = (self._standardize(X) - output).square() * (-log_variance).exp()
        return 0.5 * (squared + log_variance + _LOG_2PI)

    def mean(self, output):
        """Return the likelihood's mean from its parameters, `output`."""
        if self.likelihood == "bernoulli":
            return torch.sigmoid(output)
        if self.likelihood == "continuous_bernoulli":
            return torch.distributions.ContinuousBernoulli(
                logits=output, validate_args=False
            ).mean
        return self._unstandardize(output)

    def _unstandardize(self, output):
        if self.location == 0 and self.scale == 1:
            return output
        return output * self.scale + self.location

    def draw(self, output, generator):
        """Draw rows from the likelihood with parameters `output`.

        The random numbers come from `generator`, on the CPU, whatever the
        device of `output`.
        """
        uniform = torch.rand(output.shape, generator=generator, dtype=output.dtype)
        uniform = uniform.to(output.device)
        if self.likelihood == "bernoulli":
            return (uniform < torch.sigmoid(output)).to(output.dtype)
        if self.likelihood == "continuous_bernoulli":
            return torch.distributions.ContinuousBernoulli(
                logits=output, validate_args=False
            ).icdf(uniform)
        normal = torch.randn(output.shape, generator=generator, dtype=output.dtype)
        noise = normal.to(output.device) * self._log_noise_variance().mul(0.5).exp()
        return self._unstandardize(output + noise)

    def encode_into(self, X, out):
        """Write the posterior mean of `X` into `out`."""
        out.copy_(self.posterior(X)[0])

    def decode_into(self, code, out, *, sigmoid):
        """Write the likelihood's mean given `code` into `out` (`sigmoid` unused)."""
        out.copy_(self.mean(self.decoder(code)))

    def log_likelihood_into(self, X, out, *, noise):
        """Write each row's importance-sampled log-likelihood into `out`.

        The bound of Burda et al. (2016) with one code per row of `noise`
        (standard normal draws of shape ``(n_samples, n_components)``) drawn
        from each row's posterior: ``log mean_k p(x, z_k) / q(z_k | x)``, in
        nats; one sample gives the evidence lower bound. Every row uses the
        same draws, so that its estimate depends on the row alone, not on
        the others or their order.
        """
        mean, log_variance = self.posterior(X)
        n_rows, n_components = mean.shape
        n_samples = len(noise)
        noise = noise.to(dtype=X.dtype, device=X.device)[:, None, :]
        code = mean + noise * (0.5 * log_variance).exp()
        log_prior = -0.5 * (code.square() + _LOG_2PI).sum(dim=2)
        log_posterior = -0.5 * (noise.square() + log_variance + _LOG_2PI).sum(dim=2)
        output = self.decoder(code.reshape(n_samples * n_rows, n_components))
        rows = X.repeat(n_samples, 1)
        log_likelihood = -self.n_features * self.negative_log_likelihood(output, rows)
        log_weight = log_likelihood.reshape(n_samples, n_rows) + log_prior
        log_weight -= log_posterior
        out.copy_(torch.logsumexp(log_weight, dim=0) - math.log(n_samples))
