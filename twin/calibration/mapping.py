"""A recorded line in the twin's names: a tag map applied, and what it left out.

:func:`map_recorded_line` renames a :class:`~twin.recorded_line.RecordedLine` by a
:class:`~twin.calibration.tag_map.TagMap`: readings and text variables to the twin's
paths (the first rule that matches a path names it), values to the twin's units, state
and phase labels and lot kinds to the twin's. Tags no rule matches are left out and
listed. :func:`apply_tag_map` gives the calibration frames of the result and the
:class:`MapReport`: unmatched tags, the twin's needs no tag meets (:data:`NEEDS`) with the
figures and parameters each would feed, labels the twin does not know, unit conversions.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import NamedTuple

import polars as pl

from twin.calibration.data import LineData, line_data
from twin.calibration.needs import LOT_KINDS, NEEDS, PHASES, STATES, Need
from twin.calibration.tag_map import Rule, TagMap, TagMapError
from twin.calibration.units import UnitError, canonical_unit, conversion
from twin.recorded_line import RecordedLine

__all__ = ["MapReport", "Missing", "apply_tag_map", "map_recorded_line"]


class Missing(NamedTuple):
    """A need of calibration no recorded tag met: the figures calibration then lacks
    (``availability[stage]`` for a stage's) and the parameters left at their prior."""

    need: Need
    lost: tuple[str, ...]
    at_prior: tuple[str, ...]


@dataclass(frozen=True)
class MapReport:
    """What a tag map made of a recorded line.

    Before calibration, ``missing`` lists everything each unmet need feeds; after
    (:meth:`with_outcome`), only what the calibration really lacks: some figures have a
    second source (the banks' rate comes from oxide lots before the rate signal).
    """

    tag_map: str
    matched: int
    unmatched: tuple[str, ...]
    missing: tuple[Missing, ...]
    unknown_labels: tuple[str, ...]
    conversions: tuple[str, ...]
    assumed_units: tuple[str, ...]

    def with_outcome(self, estimated: set[str], calibrated: set[str]) -> MapReport:
        """The report once calibration has run: ``estimated`` figures (and
        ``availability[stage]``), ``calibrated`` parameters."""
        missing = tuple(
            Missing(
                m.need,
                tuple(e for e in m.need.estimates if e not in estimated),
                tuple(p for p in m.need.parameters if p not in calibrated),
            )
            for m in self.missing
        )
        return replace(self, missing=missing)

    def to_dict(self) -> dict:
        out = {k: list(getattr(self, k)) for k in ("unmatched", "unknown_labels")}
        out |= {k: list(getattr(self, k)) for k in ("conversions", "assumed_units")}
        out["missing"] = [
            {"name": m.need.name, "lost": list(m.lost), "at_prior": list(m.at_prior)}
            for m in self.missing
        ]
        return {"tag_map": self.tag_map, "matched": self.matched, **out}


def apply_tag_map(recorded: RecordedLine, tag_map: TagMap) -> tuple[LineData, MapReport]:
    """The calibration frames of ``recorded`` in the twin's names, and the map's report."""
    mapped, report = map_recorded_line(recorded, tag_map)
    data = line_data(mapped)
    present = {
        "signal": data.signals["tag"].unique(),
        "text": data.texts["tag"].unique(),
        "lot": data.lots["kind"].unique(),
    }
    missing = tuple(
        Missing(n, n.estimates, n.parameters)
        for n in NEEDS
        if not present[n.kind].str.contains(n.pattern).any()
    )
    return data, replace(report, missing=missing)


def map_recorded_line(recorded: RecordedLine, tag_map: TagMap) -> tuple[RecordedLine, MapReport]:
    """``recorded`` in the twin's names and units (``missing`` is left to :func:`apply_tag_map`)."""
    readings, signal_paths, units = _readings(recorded.readings, tag_map)
    states, text_paths, labels = _states(recorded.states, tag_map)
    lots, kinds = _lots(recorded.lots, tag_map)
    unmatched = sorted(
        (set(recorded.readings["path"]) - set(signal_paths))
        | (set(recorded.states["path"]) - set(text_paths))
    )
    conversions, assumed = units
    report = MapReport(
        tag_map.source,
        len(signal_paths) + len(text_paths),
        tuple(unmatched),
        (),
        (*labels, *kinds),
        conversions,
        assumed,
    )
    mapped = RecordedLine(
        readings, states, lots, recorded.events, recorded.start, recorded.end, recorded.source
    )
    return mapped, report


def _resolve(paths, rules: tuple[Rule, ...], source: str) -> dict[str, tuple[Rule, str]]:
    """Recorded path → (the first rule that matches it, its twin name); one name, one tag."""
    resolved, named = {}, {}
    for path in sorted(paths):
        for rule in rules:
            twin = rule.twin_name(path)
            if twin is not None:
                if twin in named:
                    raise TagMapError(
                        f"{source}: {rule.key}: {named[twin]} and {path} both map to {twin} "
                        "(one twin name, one tag)"
                    )
                named[twin] = path
                resolved[path] = (rule, twin)
                break
    return resolved


def _slashed(twin: str) -> str:
    return twin.replace(".", "/")


def _readings(frame: pl.DataFrame, tag_map: TagMap):
    """Readings of the matched signals, renamed and converted to the twin's units."""
    resolved = _resolve(frame["path"].unique().to_list(), tag_map.signals, tag_map.source)
    unit_key = pl.col("unit").fill_null("").alias("unit_key")
    pairs = frame.select("path", unit_key).unique().filter(pl.col("path").is_in(list(resolved)))
    table, notes = _unit_table(pairs, resolved, tag_map.source)
    identity = (pl.col("scale") == 1.0) & (pl.col("offset") == 0.0)
    converted = pl.col("value") * pl.col("scale") + pl.col("offset")
    out = (
        frame.with_columns(unit_key)
        .join(table, on=["path", "unit_key"], how="inner")
        .select(
            "time",
            pl.col("twin").alias("path"),
            pl.col("to_unit").alias("unit"),
            pl.when(identity).then(pl.col("value")).otherwise(converted).alias("value"),
            "status",
        )
        .sort("time", "path", maintain_order=True)
    )
    return out, list(resolved), notes


def _unit_table(pairs: pl.DataFrame, resolved: dict, source: str):
    """Per recorded path and unit: the twin path, the twin's unit, scale and offset; and
    the notes of conversions made and units assumed."""
    rows, conversions, assumed = [], Counter(), set()
    for path, unit in pairs.iter_rows():
        rule, twin = resolved[path]
        recorded = rule.recorded_unit or unit or None
        target = rule.unit or recorded
        if recorded is None and target is not None:
            assumed.add(twin)
        scale, offset = 1.0, 0.0
        if recorded is not None and target != recorded:
            try:
                scale, offset = conversion(recorded, target)
            except UnitError as exc:
                raise TagMapError(f"{source}: {rule.key} ({path}): {exc}") from None
            if canonical_unit(recorded) != canonical_unit(target):
                conversions[f"{recorded} → {target}"] += 1
        rows.append((path, unit, _slashed(twin), target, scale, offset))
    schema = {"path": pl.Utf8, "unit_key": pl.Utf8, "twin": pl.Utf8, "to_unit": pl.Utf8,
              "scale": pl.Float64, "offset": pl.Float64}  # fmt: skip
    notes = tuple(f"{k}: {n} tag(s)" for k, n in sorted(conversions.items()))
    return pl.DataFrame(rows, schema=schema, orient="row"), (notes, tuple(sorted(assumed)))


def _states(frame: pl.DataFrame, tag_map: TagMap):
    """Text variables of the matched rules, renamed, their labels translated."""
    resolved = _resolve(frame["path"].unique().to_list(), tag_map.texts, tag_map.source)
    frame = frame.filter(pl.col("path").is_in(list(resolved)))
    tables = {path: tag_map.labels_for(rule, twin) for path, (rule, twin) in resolved.items()}
    groups: dict[int, tuple[dict, list[str]]] = {}
    for path, table in tables.items():
        if table:
            groups.setdefault(id(table), (dict(table), []))[1].append(path)
    value = pl.col("value")
    for table, here in groups.values():
        translated = pl.col("value").replace(table)
        value = pl.when(pl.col("path").is_in(here)).then(translated).otherwise(value)
    twin = {path: _slashed(name) for path, (_, name) in resolved.items()}
    out = frame.select(
        "time", pl.col("path").replace_strict(twin, return_dtype=pl.Utf8), value.alias("value")
    ).sort("time", "path", maintain_order=True)
    return out, list(resolved), _unknown_labels(out)


def _unknown_labels(states: pl.DataFrame) -> list[str]:
    """State and phase labels, after translation, that the twin does not know (an empty
    value is none: a variable not yet set)."""
    notes = []
    for last, known in (("State", STATES), ("Phase", PHASES)):
        odd = (
            states.filter(
                pl.col("path").str.ends_with(f"/{last}") & ~pl.col("value").is_in([*known, ""])
            )
            .group_by("value")
            .agg(pl.col("path").n_unique().alias("n"))
            .sort("value")
        )
        notes += [f"{last} {v!r} on {n} variable(s)" for v, n in odd.iter_rows()]
    return notes


def _lots(frame: pl.DataFrame, tag_map: TagMap):
    lots = frame.with_columns(pl.col("kind").replace(dict(tag_map.lot_kinds)))
    odd = lots.filter(~pl.col("kind").is_in(LOT_KINDS))["kind"].value_counts(sort=True)
    return lots, [f"lot kind {k!r} on {n} lot(s)" for k, n in odd.iter_rows()]
