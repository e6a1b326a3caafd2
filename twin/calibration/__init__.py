"""Calibration: the twin learns the line it watches from what the line recorded.

Data (:class:`LineData`, of a recorded line: :func:`load_recorded_line`) →
:func:`calibrate` (figures with uncertainty, then the twin's parameter set for that line)
→ :func:`forecast` (good magnets per day, Br and grade share as P10/P50/P90). A recorded
line in a plant's own names calibrates through a tag map (``twin/TAG_MAP.md``):
:func:`calibrate_recorded` with :func:`get_tag_map`, and a :class:`MapReport` of what
the map left out.

>>> from twin.calibration import calibrate, forecast, load_recorded_line  # doctest: +SKIP
>>> cal = calibrate(load_recorded_line("runs/.../"))                      # doctest: +SKIP
>>> forecast(cal, 20, np.random.default_rng(0)).to_dict()             # doctest: +SKIP
"""

from twin.calibration.calibration import (
    Calibration,
    calibrate,
    calibrate_recorded,
    load_calibration,
)
from twin.calibration.data import CalibrationDataError, LineData, load_recorded_line
from twin.calibration.forecast import Forecast, forecast
from twin.calibration.mapping import MapReport, apply_tag_map
from twin.calibration.tag_map import TagMap, TagMapError, get_tag_map

__all__ = [
    "Calibration",
    "CalibrationDataError",
    "Forecast",
    "LineData",
    "MapReport",
    "TagMap",
    "TagMapError",
    "apply_tag_map",
    "calibrate",
    "calibrate_recorded",
    "forecast",
    "get_tag_map",
    "load_calibration",
    "load_recorded_line",
]
