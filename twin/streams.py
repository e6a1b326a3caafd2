"""Counter-based random numbers: the k-th draw of stream s, the same whatever else is drawn.

Samples that share a stream see the same sequence of failures and repairs, which is what
makes one-at-a-time comparisons (the tornado) low-noise: common random numbers. The mixer
is SplitMix64; the seed comes from the injected :class:`numpy.random.Generator`.

References
----------
.. [1] G. L. Steele, D. Lea, C. H. Flood, "Fast splittable pseudorandom number generators",
   OOPSLA 2014 (SplitMix64).
.. [2] A. M. Law, "Simulation Modeling and Analysis", 5th ed., McGraw-Hill (2015),
   ch. 11: common random numbers.
"""

import numpy as np

__all__ = ["exponential", "exponential_at", "new_seed", "stream_key"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S32, _S11 = (np.uint64(k) for k in (30, 27, 31, 32, 11))


def new_seed(rng):
    """A 64-bit seed for the streams, drawn from the injected generator."""
    return rng.integers(0, 2**63, dtype=np.uint64)


def _mix(z):
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def stream_key(stream, counter=0):
    """Key of draw ``counter`` of ``stream``: ``stream·2**32 + counter`` (uint64)."""
    return (np.asarray(stream, dtype=np.uint64) << _S32) | np.asarray(counter, dtype=np.uint64)


def exponential_at(seed, key):
    """Unit-mean exponential for each key from :func:`stream_key`.

    The draw is SplitMix64's output for the state ``seed + key·γ``: distinct keys give
    distinct states, so the next draw of a stream is simply ``key + 1``.
    """
    z = np.asarray(key, dtype=np.uint64) * _GOLDEN
    z += seed
    z = _mix(z)
    u = ((z >> _S11).astype(np.float64) + 0.5) * (1.0 / 2**53)
    return -np.log(u)


def exponential(seed, stream, counter):
    """Unit-mean exponential draw number ``counter`` (below 2**32) of each ``stream``."""
    return exponential_at(seed, stream_key(stream, counter))
