"""PNG figures for people: a route's distributions, the route comparison, a sweep.

Matplotlib with the Agg backend (no screen needed); imported only when a plot is asked for.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from twin.grades import parse_grade
from twin.result import METRICS

__all__ = ["plot_comparison", "plot_result", "plot_sweep"]

_COLORS = ("tab:blue", "tab:orange")


def _band(ax, result, color, label):
    """Cumulative finished magnets [t] over time: P50 line and P10–P90 band."""
    days = result.snapshot_days + 1
    for cum, style, what in (
        (result.cum_finished_kg, "-", "magnets"),
        (result.cum_blocks_kg, ":", "blocks"),
    ):
        p10, p50, p90 = np.percentile(cum / 1000.0, [10, 50, 90], axis=1)
        ax.plot(days, p50, style, color=color, label=f"{label} {what} P50")
        if what == "magnets":
            ax.fill_between(
                days, p10, p90, color=color, alpha=0.25, label=f"{label} magnets P10–P90"
            )
    ax.set_xlabel("day")
    ax.set_ylabel("cumulative output [t]")
    ax.grid(alpha=0.3)


def _hist(ax, values, color, label):
    """Histogram (the top 0.5 % left out of the range so outliers do not squash it)."""
    finite = values[np.isfinite(values)]
    top = np.percentile(finite, 99.5)
    ax.hist(
        finite,
        bins=40,
        range=(finite.min(), max(top, finite.min() + 1e-9)),
        color=color,
        alpha=0.55,
        label=label,
    )
    for q, style in zip(np.percentile(finite, [10, 50, 90]), (":", "-", ":"), strict=True):
        ax.axvline(q, color=color, linestyle=style, linewidth=1.2)


def _quality(ax, result, color, label):
    m = result.metrics
    grade = parse_grade(result.scenario.target_grade)
    ax.scatter(m["hcj_ka_per_m"], m["br_t"], s=4, alpha=0.3, color=color, label=label)
    ax.axhline(grade.br_min_t, color="k", linewidth=0.8)
    ax.axvline(grade.hcj_min_ka_per_m, color="k", linewidth=0.8)
    ax.text(
        grade.hcj_min_ka_per_m, grade.br_min_t, f" {grade.name} minimum", va="bottom", fontsize=8
    )
    ax.set_xlabel("Hcj [kA/m]")
    ax.set_ylabel("Br [T]")
    ax.set_title("quality per sample (mean of its parts)")
    ax.grid(alpha=0.3)


def _title(result):
    s = result.scenario
    return (
        f"{s.oxide_t_per_yr:g} t/yr oxide, {s.horizon_days} days, target "
        f"{s.target_grade}, {result.n_samples} samples"
    )


def plot_result(result, path):
    """Four panels: output over time, throughput, quality and bottleneck shares."""
    fig, axes = plt.subplots(2, 2, figsize=(12, 8.5), layout="constrained")
    _band(axes[0, 0], result, _COLORS[0], "")
    axes[0, 0].set_title("cumulative output (magnets solid, blocks dotted)")
    axes[0, 0].legend(fontsize=8)
    _hist(axes[0, 1], result.metrics["finished_t_per_yr"], _COLORS[0], "finished magnets")
    _hist(axes[0, 1], result.metrics["blocks_t_per_yr"], "tab:gray", "sintered blocks")
    axes[0, 1].set_xlabel("average over the horizon [t/yr]")
    axes[0, 1].set_ylabel("samples")
    axes[0, 1].set_title("throughput (lines: P10, P50, P90)")
    axes[0, 1].legend(fontsize=8)
    _quality(axes[1, 0], result, _COLORS[0], result.parameter_set)
    shares = result.bottleneck_shares()
    names = list(shares)[::-1]
    axes[1, 1].barh(names, [shares[n] * 100 for n in names], color=_COLORS[0])
    axes[1, 1].set_xlabel("share of samples [%]")
    axes[1, 1].set_title("bottleneck stage")
    fig.suptitle(f"{result.parameter_set}: {_title(result)}")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _tornado(ax, comparison, top=10):
    rows = comparison.tornado[:top][::-1]
    base = rows[-1]["base"] if rows else 0.0
    for i, r in enumerate(rows):
        ax.barh(i + 0.18, r["low"] - base, left=base, height=0.36, color="tab:red")
        ax.barh(i - 0.18, r["high"] - base, left=base, height=0.36, color="tab:green")
    ax.set_yticks(range(len(rows)), [r["name"] for r in rows], fontsize=8)
    ax.axvline(base, color="k", linewidth=0.8)
    label, unit = METRICS[comparison.metric]
    a, b = (r.parameter_set for r in comparison.results)
    ax.set_xlabel(f"{a} − {b}, {label} [{unit}]")
    ax.set_title("what drives the difference (red: input at P10, green: at P90)")


def plot_comparison(comparison, path):
    """Four panels: output over time, throughput, lead time and the tornado."""
    fig, axes = plt.subplots(2, 2, figsize=(13, 9), layout="constrained")
    for result, color in zip(comparison.results, _COLORS, strict=True):
        _band(axes[0, 0], result, color, result.parameter_set)
        _hist(axes[0, 1], result.metrics["finished_t_per_yr"], color, result.parameter_set)
        _hist(axes[1, 0], result.metrics["lead_time_days"], color, result.parameter_set)
    axes[0, 0].set_title("cumulative output (magnets solid, blocks dotted)")
    axes[0, 0].legend(fontsize=7)
    axes[0, 1].set_xlabel("finished magnets, average over the horizon [t/yr]")
    axes[0, 1].set_title("throughput (lines: P10, P50, P90)")
    axes[0, 1].legend(fontsize=8)
    axes[1, 0].set_xlabel("lead time, oxide to magnets in India [d]")
    axes[1, 0].set_title("lead time (lines: P10, P50, P90)")
    axes[1, 0].legend(fontsize=8)
    for ax in (axes[0, 1], axes[1, 0]):
        ax.set_ylabel("samples")
    _tornado(axes[1, 1], comparison)
    fig.suptitle(f"routes compared: {_title(comparison.results[0])}")
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_sweep(sweep, metric, path):
    """The metric's P50 (P10–P90 bars) against the first grid variable, a line per rest."""
    first, rest = sweep.names[0], sweep.names[1:]
    groups = {}
    for point in sweep.points:
        key = tuple(point["settings"][n] for n in rest)
        groups.setdefault(key, []).append(point)
    fig, ax = plt.subplots(figsize=(9, 6), layout="constrained")
    for key, points in groups.items():
        x = [p["settings"][first] for p in points]
        q = [p["metrics"][metric] for p in points]
        mid = np.array([np.nan if v["p50"] is None else v["p50"] for v in q])
        lo = mid - np.array([np.nan if v["p10"] is None else v["p10"] for v in q])
        hi = np.array([np.nan if v["p90"] is None else v["p90"] for v in q]) - mid
        label = ", ".join(f"{n}={v}" for n, v in zip(rest, key, strict=True)) or "P50"
        ax.errorbar(x, mid, yerr=[lo, hi], marker="o", capsize=4, label=label)
    label, unit = METRICS[metric]
    ax.set_xlabel(first)
    ax.set_ylabel(f"{label} [{unit}]")
    ax.set_title(f"{sweep.parameter_set}: {label}, P50 with P10–P90 bars")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110)
    plt.close(fig)
