"""Separation: one counter-current mixer-settler bank splitting Nd from Pr.

Product purity follows the Fenske relation at an effective stage count: practical cascades
run at about twice the minimum stage count, so ``N_eff = stages · E_murphree / 2`` and
``logit(x_Nd) = N_eff · ln β − logit(y_Pr)`` for a raffinate at ``y_Pr`` Pr purity. The
cascade is a slow state: purity relaxes toward that steady value with a time constant of
hours, while β drifts slowly (hidden random walk) and operator set points move in steps.

References
----------
Fenske minimum stages and β(Nd/Pr) for P507/PC88A: ``domain.md``, "Separation".
"""

from __future__ import annotations

import math

import numpy as np

from simulators.plant.base import METER_CUTOFF, AnalogSpec, Equipment, TextSpec
from simulators.profiles import RouteProfile

__all__ = ["MixerSettlerBank", "nd_purity_fraction"]

CASCADE_TAU_S = 12 * 3600.0  # purity time constant of a ~100-stage cascade
RAFFINATE_PR_PURITY = 0.99
OA_OPTIMUM = 1.8
PUMP_ENERGY_KWH_PER_L = 0.02  # pumps and mixers per litre pumped [assumed]


def nd_purity_fraction(beta, stages, efficiency, raffinate_pr_purity=RAFFINATE_PR_PURITY):
    """Nd2O3/TREO of the product at an effective Fenske stage count.

    Parameters
    ----------
    beta : separation factor β(Nd/Pr) [-], scalar or array
    stages : extraction + scrub stages [-]
    efficiency : Murphree efficiency times any operating penalty [-]
    raffinate_pr_purity : Pr purity of the raffinate [-]

    Returns
    -------
    Product Nd purity as a fraction [-], same shape as the broadcast inputs.
    """
    n_eff = np.asarray(stages) * np.asarray(efficiency) / 2.0
    logit = n_eff * np.log(beta) - np.log(raffinate_pr_purity / (1.0 - raffinate_pr_purity))
    return 1.0 / (1.0 + np.exp(-logit))


class MixerSettlerBank(Equipment):
    """A bank of mixer-settlers with its feed, organic and product streams."""

    KIND = "MixerSettlerBank"
    ANALOG = (
        AnalogSpec(
            "FeedFlow", "L/h", 0, 200, "Aqueous feed flow into the bank", cutoff=METER_CUTOFF
        ),
        AnalogSpec(
            "OrganicFlow", "L/h", 0, 400, "Organic (P507 in kerosene) flow", cutoff=METER_CUTOFF
        ),
        AnalogSpec("OARatio", "1", 0, 5, "Organic to aqueous flow ratio"),
        AnalogSpec("Acidity", "mol/L", 0, 2, "Free HCl acidity of the scrub liquor"),
        AnalogSpec("Temperature", "°C", 0, 80, "Mixer temperature"),
        AnalogSpec("ProductNdPurity", "%", 95, 100, "Online assay: Nd2O3/TREO of the product"),
        AnalogSpec("ProductPrContent", "%", 0, 5, "Online assay: Pr6O11/TREO of the product"),
        AnalogSpec("RaffinatePrPurity", "%", 90, 100, "Online assay: Pr6O11/TREO of raffinate"),
        AnalogSpec("RaffinateNdContent", "%", 0, 10, "Online assay: Nd2O3/TREO of raffinate"),
        AnalogSpec("FeedTankLevel", "%", 0, 100, "Feed tank level"),
        AnalogSpec(
            "ProductTankLevel", "%", 0, 100, "Product oxide hold tank level", cutoff=METER_CUTOFF
        ),
        AnalogSpec("OxideRate", "kg/h", 0, 30, "Oxide production rate", cutoff=METER_CUTOFF),
        AnalogSpec("Energy", "kWh", 0, 1e9, "Energy meter", noise=0.0, drifts=False),
    )
    TEXTS = (TextSpec("State", "Equipment state: running, idle, down, maintenance"),)

    def __init__(self, path: str, profile: RouteProfile, rng: np.random.Generator) -> None:
        super().__init__(path)
        self.profile = profile
        self.beta = profile.beta_nd_pr * (1.0 + rng.normal(0.0, 0.01))
        self.feed_sp = profile.feed_flow_l_per_h * (1.0 + rng.normal(0.0, 0.03))
        self.oa_sp = OA_OPTIMUM * (1.0 + rng.normal(0.0, 0.03))
        self.temp_c = 35.0
        self.purity = float(self._steady_purity())
        self.feed_tank = float(rng.uniform(40, 90))
        self.energy_kwh = 0.0
        self.produced_kg = 0.0
        self.state = "running"

    def _steady_purity(self) -> float:
        penalty = math.exp(-(((self.oa_sp - OA_OPTIMUM) / 0.6) ** 2))
        penalty *= math.exp(-(((self.temp_c - 35.0) / 20.0) ** 2))
        return nd_purity_fraction(
            self.beta, self.profile.cascade_stages, self.profile.murphree_efficiency * penalty
        )

    def step(self, t_s: float, dt_s: float, rng: np.random.Generator) -> None:
        p = self.profile
        day_fraction = dt_s / 86400.0
        self.beta += p.beta_walk_per_day * math.sqrt(day_fraction) * rng.normal()
        self.beta += (p.beta_nd_pr - self.beta) * day_fraction * 0.2  # mean reversion
        if rng.random() < dt_s / (4 * 3600.0):  # operator moves set points now and then
            self.feed_sp = p.feed_flow_l_per_h * (1.0 + rng.normal(0.0, 0.04))
            self.oa_sp = OA_OPTIMUM * (1.0 + rng.normal(0.0, 0.04))
        if not self.is_down:
            self.state = "running"
        feed = 0.0 if self.is_down else self.feed_sp
        self.temp_c += (35.0 + 3.0 * math.sin(2 * math.pi * t_s / 86400.0) - self.temp_c) * min(
            1.0, dt_s / 1800.0
        )
        self.purity += (self._steady_purity() - self.purity) * min(1.0, dt_s / CASCADE_TAU_S)
        self.produced_kg = feed * p.feed_reo_g_per_l / 1000.0 * dt_s / 3600.0
        self.feed_tank -= feed * dt_s / 3600.0 / 50.0  # 5 m³ tank, in %
        if self.feed_tank < 15.0:
            self.feed_tank = 95.0  # refilled from the leach circuit
        self.energy_kwh += feed * (1 + self.oa_sp) * PUMP_ENERGY_KWH_PER_L * dt_s / 3600.0
        self._publish(feed)

    def _publish(self, feed: float) -> None:
        nd_pct = 100.0 * self.purity
        self.values[:] = (
            feed,
            feed * self.oa_sp,
            self.oa_sp,
            0.5 + 0.05 * (self.oa_sp - OA_OPTIMUM),
            self.temp_c,
            nd_pct,
            0.9 * (100.0 - nd_pct),
            100.0 * RAFFINATE_PR_PURITY,
            0.8 * (100.0 - 100.0 * RAFFINATE_PR_PURITY),
            self.feed_tank,
            self.values[10],  # product tank level is set by the line from its lot buffer
            feed * self.profile.feed_reo_g_per_l / 1000.0,
            self.energy_kwh,
        )
