"""Plain-text tables of results for people at a terminal."""

from twin.result import METRICS

__all__ = ["format_comparison", "format_parameters", "format_result", "format_value"]

#: Metrics shown in text tables, in order (the JSON has them all).
SHOWN = (
    "blocks_t_per_yr",
    "finished_t_per_yr",
    "blocks_kg_per_day",
    "finished_kg_per_day",
    "run_rate_blocks_t_per_yr",
    "run_rate_finished_t_per_yr",
    "lead_time_days",
    "wip_t",
    "purity",
    "density_g_cm3",
    "br_t",
    "hcj_ka_per_m",
    "bh_max_kj_per_m3",
    "grade_share",
    "scrap_share",
    "cost_usd_per_kg",
)
_PRECISION = {"purity": 4, "br_t": 3, "density_g_cm3": 3, "grade_share": 3, "scrap_share": 3}


def format_value(name, x):
    """A metric value as text with a precision that suits it (``n/a`` for None)."""
    if x is None:
        return "n/a"
    digits = _PRECISION.get(name)
    if digits is not None:
        return f"{x:.{digits}f}"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.1f}"


def _label(name):
    label, unit = METRICS[name]
    return f"{label} [{unit}]"


def _header(result):
    s = result.scenario
    return (
        f"{result.parameter_set}: {result.n_samples} samples, {s.horizon_days} days, "
        f"{s.oxide_t_per_yr:g} t/yr oxide, target {s.target_grade}"
    )


def _bottleneck_line(result):
    shares = ", ".join(f"{k} {v:.0%}" for k, v in result.bottleneck_shares().items() if v)
    return f"bottleneck (share of samples): {shares}"


def format_result(result):
    """A P10/P50/P90 table of one route's result."""
    summary = result.summary()
    width = max(len(_label(n)) for n in SHOWN)
    lines = [_header(result), f"{'':{width}}  {'P10':>9} {'P50':>9} {'P90':>9}"]
    for name in SHOWN:
        q = summary[name]
        cells = " ".join(f"{format_value(name, q[p]):>9}" for p in ("p10", "p50", "p90"))
        lines.append(f"{_label(name):{width}}  {cells}")
    lines.append(_bottleneck_line(result))
    lines.append(f"Nd product meets its purity spec in {result.purity_spec_share:.0%} of samples")
    stages = result.stage_summary()
    if stages:
        wip = ", ".join(f"{s['name']} {s['wip_end_t_p50']:,.0f}" for s in stages)
        lines.append(f"work in progress at end by stage (P50, t): {wip}")
    return "\n".join(lines)


def format_comparison(comparison, top=12):
    """Both routes' P10/P50/P90 side by side, then the ranked tornado."""
    a, b = comparison.results
    sa, sb = a.summary(), b.summary()
    width = max(len(_label(n)) for n in SHOWN)
    col = 29
    lines = [
        _header(a),
        _header(b),
        "",
        f"{'':{width}}  {a.parameter_set:^{col}} | {b.parameter_set:^{col}}",
        f"{'':{width}}  " + " | ".join(f"{'P10':>9}{'P50':>10}{'P90':>10}" for _ in (a, b)),
    ]
    for name in SHOWN:
        cells = [
            " ".join(f"{format_value(name, s[name][p]):>9}" for p in ("p10", "p50", "p90"))
            for s in (sa, sb)
        ]
        lines.append(f"{_label(name):{width}}  {cells[0]} | {cells[1]}")
    lines += [
        f"{a.parameter_set} {_bottleneck_line(a)}",
        f"{b.parameter_set} {_bottleneck_line(b)}",
        "",
    ]
    lines += _tornado_lines(comparison, top)
    return "\n".join(lines)


def _tornado_lines(comparison, top):
    a, b = (r.parameter_set for r in comparison.results)
    label, unit = METRICS[comparison.metric]
    rows = comparison.tornado[:top]
    base = rows[0]["base"] if rows else float("nan")
    lines = [
        f"what drives {a} − {b} in {label} [{unit}] (base {base:,.0f}); each input "
        "swung P10 → P90, others at P50:"
    ]
    width = max((len(r["name"]) for r in rows), default=10)
    for r in rows:
        lines.append(
            f"  {r['name']:{width}}  {r['low']:>9,.0f} → {r['high']:>9,.0f}   "
            f"swing {r['swing']:+,.0f}"
        )
    return lines


def format_parameters(params):
    """One line per parameter: name, value, P10–P90 where uncertain, unit and source."""
    width = max(len(n) for n in params.names())
    lines = [
        f"{params.name} ({params.route} route): {len(params.names())} parameters",
        f"{'name':{width}}  {'value':>9}  {'P10':>9}  {'P90':>9}  unit / source",
    ]
    for name in params.names():
        spec = params[name]
        p10, p90 = (f"{spec[k]:>9g}" if k in spec else " " * 9 for k in ("p10", "p90"))
        lines.append(
            f"{name:{width}}  {spec['value']:>9g}  {p10}  {p90}  {spec['unit']}; {spec['source']}"
        )
    return "\n".join(lines)
