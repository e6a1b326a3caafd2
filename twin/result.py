"""The result of a simulation: per-sample arrays with units, and their quantiles."""

import math
from dataclasses import dataclass, field

import numpy as np

from twin import metallurgy

__all__ = ["METRICS", "MODEL_VERSION", "QUANTILES", "SimulationResult"]

#: Version of the model's equations and outputs, stored with predictions; raise it when
#: results for the same inputs change.
MODEL_VERSION = "twin-1.0"

#: Reported quantiles [%].
QUANTILES = (10, 50, 90)

#: name → (label, unit). Throughputs are averages over the horizon (cold start); run rates
#: are over the horizon's last 30 days.
METRICS = {
    "blocks_t_per_yr": ("sintered blocks", "t/yr"),
    "finished_t_per_yr": ("finished magnets", "t/yr"),
    "blocks_kg_per_day": ("sintered blocks", "kg/day"),
    "finished_kg_per_day": ("finished magnets", "kg/day"),
    "run_rate_blocks_t_per_yr": ("blocks, last 30 d", "t/yr"),
    "run_rate_finished_t_per_yr": ("magnets, last 30 d", "t/yr"),
    "lead_time_days": ("lead time oxide→magnets in India", "d"),
    "wip_t": ("work in progress at end", "t"),
    "purity": ("Nd2O3/TREO of Nd product", "-"),
    "nd_recovery": ("Nd recovery to product", "-"),
    "density_g_cm3": ("density", "g/cm3"),
    "br_t": ("Br", "T"),
    "hcj_ka_per_m": ("Hcj", "kA/m"),
    "bh_max_kj_per_m3": ("(BH)max", "kJ/m3"),
    "grade_share": ("share meeting target grade", "-"),
    "scrap_share": ("block mass lost to machining and grade", "-"),
    "oxygen_ppm": ("oxygen", "ppm"),
    "grain_size_um": ("grain size", "µm"),
    "cost_usd_per_kg": ("cost per kg magnet", "US$/kg"),
    "oxide_t_per_yr": ("oxide fed", "t/yr"),
    "oxide_limit_blocks_t_per_yr": ("most blocks the oxide allows", "t/yr"),
}


def _finite(x):
    return None if x is None or not math.isfinite(x) else float(x)


@dataclass
class SimulationResult:
    """Per-sample outcome of :func:`twin.simulate`.

    Attributes
    ----------
    parameter_set, route : str
        Which parameters and which line were simulated.
    scenario : twin.Scenario
        The operating conditions.
    metrics : dict of numpy.ndarray
        Name → per-sample values; names and units in :data:`METRICS`.
    stage_names : list of str
        Line stages, then the pseudo-stage ``"oxide supply"``.
    bottleneck : numpy.ndarray of int
        Index into ``stage_names`` per sample.
    snapshot_days : numpy.ndarray
        Days at which cumulative outputs were recorded.
    cum_blocks_kg, cum_finished_kg : numpy.ndarray
        Cumulative sintered blocks and finished magnets [kg], shape ``(days, samples)``.
    stage_wip_kg : numpy.ndarray
        Material waiting at or travelling through each stage at the end [kg].
    stage_wait_days : numpy.ndarray
        Mean wait of material in front of each stage [d] (the bottleneck has the longest).
    purity_spec_share : float
        Share of samples whose Nd product meets ``sx_purity_spec`` [-].
    """

    parameter_set: str
    route: str
    scenario: object
    metrics: dict
    stage_names: list
    bottleneck: np.ndarray
    snapshot_days: np.ndarray = field(repr=False)
    cum_blocks_kg: np.ndarray = field(repr=False)
    cum_finished_kg: np.ndarray = field(repr=False)
    stage_wip_kg: np.ndarray = field(repr=False, default=None)
    stage_wait_days: np.ndarray = field(repr=False, default=None)
    purity_spec_share: float = float("nan")

    @property
    def n_samples(self):
        """Length of the sample axis."""
        return int(self.bottleneck.shape[0])

    @classmethod
    def build(cls, params, scenario, v, line, quality, purity, nd_recovery, cost, scrap):
        """Assemble a result from the stages' outputs (used by :func:`twin.simulate`)."""
        years = scenario.horizon_days / 365.0
        metal = metallurgy.metal_fraction_ndpr_oxide(v["feed_nd_fraction"])
        light_re = v["re_wt_fraction"] - v["dy_wt_fraction"] - v["tb_wt_fraction"]
        m = {
            "blocks_t_per_yr": line.blocks_kg / years / 1000.0,
            "finished_t_per_yr": line.finished_kg / years / 1000.0,
            "blocks_kg_per_day": line.blocks_kg / scenario.horizon_days,
            "finished_kg_per_day": line.finished_kg / scenario.horizon_days,
            "run_rate_blocks_t_per_yr": _run_rate(line.snapshot_days, line.cum_blocks_kg),
            "run_rate_finished_t_per_yr": _run_rate(line.snapshot_days, line.cum_finished_kg),
            "lead_time_days": line.lead_time_days,
            "wip_t": line.wip_end_kg.sum(axis=0) / 1000.0,
            "purity": purity,
            "nd_recovery": nd_recovery,
            "cost_usd_per_kg": cost,
            "scrap_share": scrap,
            "oxide_t_per_yr": line.feed_kg / years / 1000.0,
            "oxide_limit_blocks_t_per_yr": line.feed_kg * metal / light_re / years / 1000.0,
        }
        for key in (
            "density_g_cm3",
            "br_t",
            "hcj_ka_per_m",
            "bh_max_kj_per_m3",
            "grade_share",
            "oxygen_ppm",
            "grain_size_um",
        ):
            m[key] = np.asarray(quality[key], dtype=float)
        return cls(
            params.name,
            params.route,
            scenario,
            m,
            line.stage_names,
            line.bottleneck,
            line.snapshot_days,
            line.cum_blocks_kg,
            line.cum_finished_kg,
            line.wip_end_kg,
            line.wait_days,
            float(np.mean(purity >= v["sx_purity_spec"])),
        )

    def quantiles(self, name, q=QUANTILES):
        """``{"p10": …, "p50": …, "p90": …}`` of one metric."""
        values = np.percentile(self.metrics[name], q)
        return {f"p{p}": float(x) for p, x in zip(q, values, strict=True)}

    def bottleneck_shares(self):
        """Share of samples in which each stage is the bottleneck, largest first."""
        counts = np.bincount(self.bottleneck, minlength=len(self.stage_names))
        shares = {n: c / self.n_samples for n, c in zip(self.stage_names, counts, strict=True)}
        return dict(sorted(shares.items(), key=lambda kv: -kv[1]))

    def stage_summary(self):
        """P50 per stage of the mean wait of its input [d] and of its end WIP [t]."""
        if self.stage_wip_kg is None:
            return []
        wait = np.median(self.stage_wait_days, axis=1)
        wip = np.median(self.stage_wip_kg, axis=1) / 1000.0
        return [
            {"name": name, "wait_days_p50": float(d), "wip_end_t_p50": float(w)}
            for name, d, w in zip(self.stage_names, wait, wip, strict=False)
        ]

    def summary(self, q=QUANTILES):
        """Metric → quantiles, label and unit (JSON-ready: non-finite values become None)."""
        out = {}
        for name, (label, unit) in METRICS.items():
            qs = {k: _finite(x) for k, x in self.quantiles(name, q).items()}
            out[name] = {**qs, "label": label, "unit": unit}
        return out

    def to_dict(self):
        """Everything a client needs, JSON-ready."""
        shares = self.bottleneck_shares()
        return {
            "model_version": MODEL_VERSION,
            "parameter_set": self.parameter_set,
            "route": self.route,
            "scenario": self.scenario.to_dict(),
            "n_samples": self.n_samples,
            "metrics": self.summary(),
            "bottleneck": next(iter(shares)),
            "bottleneck_shares": shares,
            "stages": self.stage_summary(),
            "purity_spec_share": _finite(self.purity_spec_share),
        }


def _run_rate(days, cum_kg, window=30):
    """Output rate over the last ``window`` days of the horizon [t/yr]."""
    end = days[-1]
    earlier = np.nonzero(days <= end - window)[0]
    if earlier.size == 0:
        return cum_kg[-1] / (end + 1) * 365.0 / 1000.0
    j = earlier[-1]
    return (cum_kg[-1] - cum_kg[j]) / (end - days[j]) * 365.0 / 1000.0
