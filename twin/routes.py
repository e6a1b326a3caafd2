"""Stage chains of the two routes, built from per-sample parameter values.

Capacities are converted from t/yr to kg/day on each stage's output basis; yields carry the
stoichiometry (oxide → metal → alloy) so that every kg leaving a stage traces back to oxide.
The magnet alloy takes both cascade products (NdPr metal), so the Nd/Pr split sets the
product's purity, not the mass reaching the line; rare earth lost in separation is
``sx_re_recovery``.
"""

import numpy as np

from twin import metallurgy
from twin.line import Stage
from twin.logistics import one_way_days

__all__ = ["domestic_stages", "mass_chain", "tolled_stages"]

_T_PER_YR = 1000.0 / 365.0


def mass_chain(v, grade_share):
    """Mature per-stage mass factors [kg out/kg in] from separated oxide to finished magnet.

    Returns
    -------
    dict of numpy.ndarray
        ``metal`` (oxide → metal), ``alloy`` (metal → powder), ``sinter``, ``machining``,
        ``magnetizing`` (grade share), and ``blocks_per_oxide``, ``finished_per_oxide``.
    """
    metal = metallurgy.metal_fraction_ndpr_oxide(v["feed_nd_fraction"]) * v["metal_recovery"]
    alloy = (
        metallurgy.alloy_per_metal(v["re_wt_fraction"], v["dy_wt_fraction"] + v["tb_wt_fraction"])
        * v["powder_yield"]
    )
    chain = {
        "metal": metal,
        "alloy": alloy,
        "sinter": v["sinter_yield"],
        "machining": v["machining_yield"],
        "magnetizing": grade_share,
    }
    chain["blocks_per_oxide"] = metal * alloy * v["sinter_yield"]
    chain["finished_per_oxide"] = chain["blocks_per_oxide"] * v["machining_yield"] * grade_share
    return chain


def _separation(v):
    return Stage(
        "separation",
        v["sx_capacity_t_per_yr"] * _T_PER_YR * v["sx_re_recovery"],
        v["sx_re_recovery"],
        mtbf_days=v["sx_mtbf_days"],
        mttr_days=v["sx_mttr_days"],
        delay_days=v["sx_residence_days"],
        ramps=False,
        in_lead_time=False,
    )


def domestic_stages(v, grade_share):
    """Separation, electrolysis, alloy & powder, sintering, machining, magnetizing."""
    chain = mass_chain(v, grade_share)
    metal_frac = metallurgy.metal_fraction_ndpr_oxide(v["feed_nd_fraction"])
    mill = (v["particle_size_um"] / v["particle_size_ref_um"]) ** v["mill_rate_exponent"]
    apm = chain["alloy"] / v["powder_yield"]

    def learning_stage(name, cap_t, mature, initial, key, **kw):
        return Stage(
            name,
            cap_t * _T_PER_YR,
            mature,
            initial,
            v[f"{key}_mtbf_days"],
            v[f"{key}_mttr_days"],
            v[f"{key}_days"],
            learns=True,
            **kw,
        )

    return [
        _separation(v),
        learning_stage(
            "electrolysis",
            v["electrolysis_capacity_t_per_yr"],
            chain["metal"],
            metal_frac * v["metal_recovery_initial"],
            "electrolysis",
        ),
        learning_stage(
            "alloy & powder",
            v["powder_capacity_t_per_yr"] * mill,
            chain["alloy"],
            apm * v["powder_yield_initial"],
            "powder",
        ),
        learning_stage(
            "sintering",
            v["sinter_capacity_t_per_yr"],
            v["sinter_yield"],
            v["sinter_yield_initial"],
            "sinter",
            blocks_per_output=1.0,
        ),
        learning_stage(
            "machining",
            v["machining_capacity_t_per_yr"],
            v["machining_yield"],
            v["machining_yield_initial"],
            "machining",
        ),
        Stage(
            "magnetizing",
            v["magnetizing_capacity_t_per_yr"] * _T_PER_YR,
            grade_share,
            mtbf_days=v["magnetizing_mtbf_days"],
            mttr_days=v["magnetizing_mttr_days"],
            delay_days=v["magnetizing_days"],
        ),
    ]


def tolled_stages(v, grade_share):
    """Separation in India, shipping out, conversion at the partner, export and return."""
    chain = mass_chain(v, grade_share)
    per_oxide = chain["finished_per_oxide"]
    leg = one_way_days(v["sea_days"], v["sailing_wait_days"], v["handling_days"])
    blocks_per_finished = chain["blocks_per_oxide"] / np.maximum(per_oxide, 1e-12)
    return [
        _separation(v),
        Stage("shipping out", np.inf, 1.0, delay_days=leg, ramps=False),
        Stage(
            "toll conversion",
            v["toll_capacity_t_per_yr"] * _T_PER_YR * per_oxide,
            per_oxide,
            mtbf_days=v["partner_mtbf_days"],
            mttr_days=v["partner_mttr_days"],
            delay_days=v["conversion_days"],
            blocks_per_output=blocks_per_finished,
        ),
        Stage("export & return", np.inf, 1.0, delay_days=leg, ramps=False, gated=True),
    ]
