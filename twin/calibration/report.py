"""Calibration report: the fitted values against the data they came from, as text and PNG.

With a tag map's report, the text ends with what the map left out: recorded tags no rule
matched, the twin's needs no tag met and what calibration then lacks, labels and units.
"""

from __future__ import annotations

import math

import numpy as np

from twin.calibration.calibration import Calibration
from twin.calibration.data import LineData
from twin.calibration.forecast import Forecast
from twin.calibration.mapping import MapReport

__all__ = ["format_calibration", "format_map_report", "plot_calibration"]

#: Unmatched tags listed by name in the text report; the rest are counted.
UNMATCHED_SHOWN = 20

_FIGURE_ORDER = (
    "oxide_kg_per_h_per_bank",
    "sx_re_recovery",
    "nd_purity",
    "nd_purity_drift_per_day",
    "metal_per_oxide",
    "re_wt_fraction",
    "mill_kg_per_h",
    "particle_size_um",
    "oxygen_ppm",
    "align_field_t",
    "sinter_capacity_kg_per_h",
    "sinter_cycle_h",
    "alloy_to_blocks_yield",
    "sinter_temp_c",
    "furnace_temp_sd_c",
    "sinter_time_h",
    "hcj_ka_per_m",
    "magnetizer_field_t",
    "pulses_per_h",
    "br_t",
    "br_part_sd_t",
    "pass_fraction",
    "good_magnets_kg_per_day",
)


def _number(x) -> str:
    return "–" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.5g}"


def format_calibration(
    cal: Calibration, fc: Forecast | None = None, tag_map: MapReport | None = None
) -> str:
    """Plain-text report: data window, measured figures, availability, fitted parameters,
    the forecast and what the tag map left out, when given."""
    est = cal.estimates
    lines = [
        f"Calibration of {cal.parameters.name} (model {cal.model_version})",
        f"data: {cal.data_source}",
        f"window: {cal.data_start.isoformat()} to {cal.data_end.isoformat()} ({est['days']:.2f} d)",
        f"target grade: {cal.grade}{' (inferred from the lots)' if cal.grade_inferred else ''}",
        f"oxide feed at nameplate: {cal.feed_t_per_yr:.1f} t/yr",
        "",
        "Measured                         value        ± sd      unit    n      how",
    ]
    figures = est["figures"]
    for name in [*_FIGURE_ORDER, *sorted(set(figures) - set(_FIGURE_ORDER))]:
        if name in figures:
            f = figures[name]
            lines.append(
                f"  {name:<30} {_number(f['value']):>10}  {_number(f['sd']):>8}  "
                f"{f['unit']:<7} {f['n']:<6} {f['how']}"
            )
    lines += ["", "Availability (state variables)   units  failures  avail.  MTBF d   MTTR d"]
    for stage, a in est["availability"].items():
        lines.append(
            f"  {stage:<30} {a['units']:>5}  {a['failures']:>8}  {a['availability']:>6.3f}  "
            f"{a['unit_mtbf_days']:>6.3f}  {a['unit_mttr_days']:>7.3f}"
        )
    lines += ["", "Twin parameters from the data    value        P10        P90     unit"]
    for name in cal.calibrated_names():
        spec = cal.parameters[name]
        lines.append(
            f"  {name:<30} {_number(spec['value']):>10} {_number(spec.get('p10')):>10} "
            f"{_number(spec.get('p90')):>10}     {spec['unit']}   {spec['source']}"
        )
    if fc is not None:
        lines += [
            "",
            f"Forecast, {fc.horizon_days} d after a {fc.warmup_days} d warm-up: P10 / P50 / P90",
        ]
        for name, m in fc.to_dict()["metrics"].items():
            lines.append(
                f"  {name:<30} {m['p10']:>10.5g} {m['p50']:>10.5g} {m['p90']:>10.5g}  {m['unit']}"
            )
        lines.append(f"  bottleneck(s) across samples: {', '.join(fc.bottleneck)}")
    if tag_map is not None:
        lines += ["", format_map_report(tag_map)]
    return "\n".join(lines)


def format_map_report(report: MapReport) -> str:
    """What a tag map left out: the twin's needs no tag met and what calibration then
    lacks, labels it does not know, units converted or assumed, unmatched tags."""
    lines = [f"Tag map {report.tag_map}: {report.matched} recorded tag(s) matched"]
    for m in report.missing:
        cost = f"lacks {', '.join(m.lost)}" if m.lost else "did without it (other sources)"
        prior = f"; at the prior: {', '.join(m.at_prior)}" if m.at_prior else ""
        lines.append(f"  no tag for {m.need.name}: calibration {cost}{prior}")
    lines += [f"  label the twin does not know: {note}" for note in report.unknown_labels]
    lines += [f"  converted {note}" for note in report.conversions]
    if report.assumed_units:
        lines.append("  no unit recorded, read in the twin's: " + ", ".join(report.assumed_units))
    if report.unmatched:
        lines.append(f"  unmatched, left out: {len(report.unmatched)} tag(s)")
        lines += [f"    {path}" for path in report.unmatched[:UNMATCHED_SHOWN]]
        if len(report.unmatched) > UNMATCHED_SHOWN:
            lines.append(f"    and {len(report.unmatched) - UNMATCHED_SHOWN} more")
    if len(lines) == 1:
        lines.append("  every tag matched, every need met")
    return "\n".join(lines)


def plot_calibration(cal: Calibration, data: LineData, fc: Forecast, path: str) -> None:
    """Four panels: daily output against the forecast band, furnace soak temperatures,
    lot Br against the twin's Br, and availability per stage."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from twin.calibration.estimates import _props
    from twin.calibration.signals import values_while

    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5))
    _plot_output(axes[0, 0], data, fc)
    _plot_soak(axes[0, 1], cal, data, values_while)
    _plot_br(axes[1, 0], data, fc, _props)
    _plot_availability(axes[1, 1], cal)
    fig.suptitle(
        f"Calibration of the recorded line, {cal.data_start:%Y-%m-%d} to {cal.data_end:%Y-%m-%d}"
        f" (grade {cal.grade}, model {cal.model_version})"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_output(ax, data, fc):
    lots = data.lots_of("magnetized")
    if lots.height:
        days = (lots["end"] - data.start).dt.total_seconds().to_numpy() / 86400.0
        bins = np.arange(0, math.ceil(data.days) + 1)
        kg, _ = np.histogram(days, bins=bins, weights=lots["mass_out_kg"].to_numpy())
        ax.bar(bins[:-1] + 0.5, kg, width=0.9, color="#8da0cb", label="recorded, per day")
    q = fc.quantiles("good_magnets_kg_per_day")
    ax.axhspan(q["p10"], q["p90"], color="#fc8d62", alpha=0.3, label="twin P10–P90")
    ax.axhline(q["p50"], color="#d95f02", label="twin P50")
    ax.set(
        xlabel="day of the window",
        ylabel="good magnets [kg/d]",
        title="Output: recorded days and the calibrated twin's rate",
    )
    ax.legend(fontsize=8)


def _plot_soak(ax, cal, data, values_while):
    est = cal.estimates
    soak = est["furnace_soak_c"]
    names = [n.rsplit(".", 1)[-1] for n in soak]
    ax.bar(names, list(soak.values()), color="#66c2a5", label="measured soak (median of zones)")
    temp = cal.parameters["sinter_temp_c"]["value"]
    sd = cal.parameters["furnace_temp_sd_c"]["value"]
    ax.axhline(temp, color="k", label=f"twin sinter_temp_c {temp:.1f} °C")
    ax.axhspan(temp - sd, temp + sd, color="grey", alpha=0.2, label=f"± furnace_temp_sd_c {sd:.1f}")
    if soak:
        lo, hi = min(soak.values()), max(soak.values())
        ax.set_ylim(lo - 3 * max(sd, 1), hi + 3 * max(sd, 1))
    ax.set(ylabel="°C", title="Furnace soak temperature (thermocouples during the soak)")
    ax.legend(fontsize=8)


def _plot_br(ax, data, fc, props):
    lots = props(data.lots_of("magnetized"), "br_mean_t")
    if lots.height:
        ax.hist(lots["br_mean_t"].to_numpy(), bins=20, color="#a6d854", label="lots' mean Br")
    q = fc.quantiles("br_t")
    ax.axvspan(q["p10"], q["p90"], color="#e78ac3", alpha=0.4, label="twin P10–P90 of the mean")
    ax.axvline(q["p50"], color="#e7298a", label=f"twin P50 {q['p50']:.4f} T")
    ax.set(xlabel="Br [T]", ylabel="lots", title="Remanence: lots against the fitted twin")
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.tick_params(axis="x", labelrotation=30)
    ax.legend(fontsize=8)


def _plot_availability(ax, cal):
    avail = cal.estimates["availability"]
    stages = list(avail)
    measured = [avail[s]["availability"] for s in stages]
    keys = {
        "separation": "sx",
        "alloy & powder": "powder",
        "sintering": "sinter",
        "anneal": "machining",
        "magnetizing": "magnetizing",
    }
    twin = []
    for s in stages:
        mtbf = cal.parameters[f"{keys[s]}_mtbf_days"]["value"]
        mttr = cal.parameters[f"{keys[s]}_mttr_days"]["value"]
        twin.append(mtbf / (mtbf + mttr))
    x = np.arange(len(stages))
    ax.bar(x - 0.2, measured, 0.4, label="recorded (state variables)", color="#ffd92f")
    # the twin's rates are pooled with the plant's: a stage with few failures moves towards it
    ax.bar(x + 0.2, twin, 0.4, label="twin MTBF/(MTBF+MTTR)", color="#b3b3b3")
    ax.set_xticks(x, stages)
    ax.set_ylim(0, 1.05)
    ax.set(ylabel="availability", title="Availability per stage")
    ax.legend(fontsize=8, loc="lower right")
