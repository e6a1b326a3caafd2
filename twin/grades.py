"""Sintered NdFeB grades and the share of parts that meet one.

A part meets a grade when its Br reaches the grade's lower Br bound and its Hcj reaches the
grade's coercivity floor (a stronger magnet can always be sold as a weaker grade).

References
----------
.. [1] Vendor grade tables for sintered NdFeB (N35 … N52; suffixes M, H, SH, UH, EH),
   ``domain.md``, "Magnetic properties".
"""

import math
import re
from typing import NamedTuple

import numpy as np
from scipy.special import ndtr

from twin.errors import ParameterError

__all__ = ["GRADES", "Grade", "grade_pass_share", "parse_grade"]


class Grade(NamedTuple):
    """One grade: Br band [T], Hcj floor [kA/m] and (BH)max band [kJ/m³]."""

    name: str
    br_min_t: float
    br_max_t: float
    hcj_min_ka_per_m: float
    bh_min_kj_per_m3: float
    bh_max_kj_per_m3: float


# name: (Br min, Br max, Hcj min without suffix, (BH)max min, (BH)max max) [1]
GRADES = {
    "N35": (1.17, 1.22, 955.0, 263.0, 287.0),
    "N38": (1.22, 1.25, 955.0, 287.0, 310.0),
    "N42": (1.28, 1.32, 955.0, 318.0, 342.0),
    "N45": (1.32, 1.37, 955.0, 342.0, 366.0),
    "N48": (1.37, 1.42, 876.0, 358.0, 390.0),
    "N52": (1.42, 1.48, 876.0, 390.0, 422.0),
}
# suffix: Hcj floor [kA/m] [1]
SUFFIXES = {"": None, "M": 1114.0, "H": 1353.0, "SH": 1592.0, "UH": 1990.0, "EH": 2388.0}

_GRADE_RE = re.compile(r"^(N\d\d)(M|H|SH|UH|EH)?$")


def parse_grade(name):
    """Return the :class:`Grade` for a name such as ``"N42"`` or ``"N45SH"``.

    Raises
    ------
    ParameterError
        If the base grade or the suffix is unknown; the message lists the known ones.
    """
    match = _GRADE_RE.match(str(name).strip().upper())
    if match is None or match.group(1) not in GRADES:
        known = ", ".join(GRADES)
        suffixes = ", ".join(s for s in SUFFIXES if s)
        raise ParameterError(
            f"unknown grade {name!r}: use one of {known}, optionally with a suffix ({suffixes})"
        )
    base, suffix = match.group(1), match.group(2) or ""
    br_lo, br_hi, hcj, bh_lo, bh_hi = GRADES[base]
    floor = SUFFIXES[suffix]
    return Grade(base + suffix, br_lo, br_hi, floor or hcj, bh_lo, bh_hi)


def grade_pass_share(br_t, br_sd_t, hcj_ka_per_m, hcj_sd_ka_per_m, grade):
    """Share of parts meeting ``grade`` when Br and Hcj vary normally and independently [-].

    Parameters
    ----------
    br_t, br_sd_t : float or array_like
        Mean and part-to-part standard deviation of Br [T].
    hcj_ka_per_m, hcj_sd_ka_per_m : float or array_like
        Mean and part-to-part standard deviation of Hcj [kA/m].
    grade : Grade
        The target grade.
    """
    tiny = math.ulp(1.0)
    z_br = (np.asarray(br_t) - grade.br_min_t) / np.maximum(br_sd_t, tiny)
    z_hcj = (np.asarray(hcj_ka_per_m) - grade.hcj_min_ka_per_m) / np.maximum(hcj_sd_ka_per_m, tiny)
    return ndtr(z_br) * ndtr(z_hcj)
