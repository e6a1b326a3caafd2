"""Per-sample parameter values drawn from a parameter set.

An uncertain entry (with ``p10`` and ``p90``) is drawn from a two-piece normal distribution
whose median is ``value`` and whose 10th and 90th percentiles are ``p10`` and ``p90``, then
clipped to its ``low``/``high`` bounds. A certain entry is repeated.

References
----------
.. [1] S. John, "The three-parameter two-piece normal family of distributions",
   Commun. Stat. Theory Methods 11, 879 (1982).
"""

import numpy as np

__all__ = ["Z90", "draw_values", "nominal_values", "percentile_value"]

#: Standard normal 90th percentile.
Z90 = 1.2815515655446004


def _sigmas(spec):
    return (spec["value"] - spec["p10"]) / Z90, (spec["p90"] - spec["value"]) / Z90


def _clip(spec, x):
    return np.clip(x, spec.get("low", -np.inf), spec.get("high", np.inf))


def draw_values(params, n_samples, rng):
    """Draw ``n_samples`` values of every parameter.

    Parameters
    ----------
    params : twin.parameters.ParameterSet
        The set to draw from.
    n_samples : int
        Length of the leading sample axis.
    rng : numpy.random.Generator
        Source of randomness (one draw per uncertain parameter, in name order).

    Returns
    -------
    dict of numpy.ndarray
        Name → array of shape ``(n_samples,)``.
    """
    values = {}
    for name in params.names():
        spec = params[name]
        if "p10" in spec:
            z = rng.standard_normal(n_samples)
            lo, hi = _sigmas(spec)
            values[name] = _clip(spec, spec["value"] + np.where(z < 0.0, lo, hi) * z)
        else:
            values[name] = np.full(n_samples, spec["value"])
    return values


def nominal_values(params, n_samples):
    """Every parameter at its central value, shape ``(n_samples,)``."""
    return {name: np.full(n_samples, params[name]["value"]) for name in params.names()}


def percentile_value(spec, which):
    """The entry's ``"p10"``, ``"p50"`` or ``"p90"`` value (clipped to its bounds)."""
    key = "value" if which == "p50" else which
    return float(_clip(spec, spec.get(key, spec["value"])))
