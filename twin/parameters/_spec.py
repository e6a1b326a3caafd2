"""The shape of one parameter entry: plain data, so calibrated values can replace it."""

__all__ = ["entry"]


def entry(value, unit, source, p10=None, p90=None, low=None, high=None):
    """One parameter as a plain dict.

    Parameters
    ----------
    value : float
        Central (P50) value.
    unit : str
        Unit, ``"-"`` for dimensionless.
    source : str
        Where the value comes from, tagged as in ``domain.md`` ([paper], [gov], [news],
        [vendor], [derived], [assumed]).
    p10, p90 : float, optional
        10th and 90th percentiles of its uncertainty; both or neither.
    low, high : float, optional
        Physical bounds that sampled values are clipped to.
    """
    spec = {"value": float(value), "unit": unit, "source": source}
    if (p10 is None) != (p90 is None):
        raise ValueError("give both p10 and p90, or neither")
    if p10 is not None:
        spec.update(p10=float(p10), p90=float(p90))
    if low is not None:
        spec["low"] = float(low)
    if high is not None:
        spec["high"] = float(high)
    return spec
