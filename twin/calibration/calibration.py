"""A calibration: the line's parameter set, its feed and grade, and what they came from.

Saved as JSON (``python -m twin calibrate ... --out FILE``) and read back by
``python -m twin predict --calibrated FILE`` and by the ingest side's scheduled forecast.
:func:`calibrate` reads the calibration frames in the twin's names; :func:`calibrate_recorded`
takes a recorded line in the plant's names and a tag map, and says what the map left out.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from twin.calibration.data import CalibrationDataError, LineData
from twin.calibration.estimates import LineEstimates, estimate_line
from twin.calibration.mapping import MapReport, apply_tag_map
from twin.calibration.model import calibrated_parameters, infer_grade
from twin.calibration.tag_map import TagMap, get_tag_map
from twin.grades import parse_grade
from twin.parameters import ParameterSet
from twin.recorded_line import RecordedLine
from twin.result import MODEL_VERSION

__all__ = ["FORMAT", "Calibration", "calibrate", "calibrate_recorded", "load_calibration"]

FORMAT = "magnetline-calibration/1"


@dataclass(frozen=True)
class Calibration:
    """Everything a forecast of the recorded line needs.

    ``backlog_kg`` is the sintered blocks waiting for the anneal and the magnetizer when
    the data end: the forecast starts with them in the line.
    """

    parameters: ParameterSet
    feed_t_per_yr: float
    grade: str
    grade_inferred: bool
    data_source: str
    data_start: datetime
    data_end: datetime
    estimates: dict
    backlog_kg: float = 0.0
    model_version: str = MODEL_VERSION

    def calibrated_names(self) -> list[str]:
        """Parameters whose value came from the data, sorted."""
        return sorted(
            k for k, v in self.parameters.entries.items() if "[calibrated]" in v["source"]
        )

    def to_dict(self) -> dict:
        return {
            "format": FORMAT,
            "model_version": self.model_version,
            "calibrated_at": datetime.now(UTC).isoformat(),
            "data": {
                "source": self.data_source,
                "start": self.data_start.isoformat(),
                "end": self.data_end.isoformat(),
            },
            "route": self.parameters.route,
            "parameter_set": self.parameters.name,
            "feed_t_per_yr": self.feed_t_per_yr,
            "grade": self.grade,
            "grade_inferred": self.grade_inferred,
            "backlog_kg": self.backlog_kg,
            "estimates": _finite(self.estimates),
            "parameters": self.parameters.to_dict(),
        }

    def save(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n")


def _finite(value):
    """JSON has no NaN: unknown uncertainties become null."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def calibrate(data: LineData, grade: str | None = None) -> Calibration:
    """Calibrate the twin to ``data``; ``grade`` is inferred from the lots when None."""
    estimates: LineEstimates = estimate_line(data)
    chosen = parse_grade(grade).name if grade else infer_grade(estimates)
    params, feed = calibrated_parameters(estimates, chosen)
    return Calibration(
        params,
        feed,
        chosen,
        grade is None,
        data.source,
        data.start,
        data.end,
        estimates.to_dict(),
        estimates.figures["backlog_blocks_kg"].value,
    )


def calibrate_recorded(
    recorded: RecordedLine, tag_map: TagMap | str | Path, grade: str | None = None
) -> tuple[Calibration, MapReport]:
    """Calibrate the twin to a recorded line named as ``tag_map`` (a map, a shipped map's
    name or a file) says; the calibration and what the map left unmatched or missing.

    Raises
    ------
    CalibrationDataError
        As :func:`calibrate`; the message names what the map left missing.
    TagMapError
        When the map cannot be read or applied.
    """
    tag_map = tag_map if isinstance(tag_map, TagMap) else get_tag_map(tag_map)
    data, report = apply_tag_map(recorded, tag_map)
    try:
        cal = calibrate(data, grade)
    except CalibrationDataError as exc:
        if not report.missing:
            raise
        names = ", ".join(m.need.name for m in report.missing)
        raise CalibrationDataError(
            f"{exc}; tag map {tag_map.source} maps nothing to {names}"
        ) from exc
    estimated = set(cal.estimates["figures"]) | {
        f"availability[{stage}]" for stage in cal.estimates["availability"]
    }
    return cal, report.with_outcome(estimated, set(cal.calibrated_names()))


def load_calibration(path: str | Path) -> Calibration:
    """Read a calibration file written by :meth:`Calibration.save`."""
    try:
        raw = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise CalibrationDataError(f"no calibration file {path}") from None
    except ValueError as exc:
        raise CalibrationDataError(f"{path} is not JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise CalibrationDataError(f"{path} is not a calibration file ({FORMAT})")
    try:
        params = ParameterSet(
            raw["parameter_set"], raw["route"], MappingProxyType(dict(raw["parameters"]))
        )
        return Calibration(
            params,
            float(raw["feed_t_per_yr"]),
            parse_grade(raw["grade"]).name,
            bool(raw["grade_inferred"]),
            raw["data"]["source"],
            datetime.fromisoformat(raw["data"]["start"]),
            datetime.fromisoformat(raw["data"]["end"]),
            raw["estimates"],
            float(raw.get("backlog_kg", 0.0)),
            raw["model_version"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CalibrationDataError(f"{path}: malformed calibration ({exc})") from None
