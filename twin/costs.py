"""Cost per kg of finished magnet, from the mass chain and prices.

Only what the inputs allow: oxide, heavy rare earth, electrolysis energy and a lumped
conversion cost (domestic), or the toll charge and freight (tolled). Capital is not included.
"""

import numpy as np

from twin import metallurgy

__all__ = ["unit_cost_usd_per_kg"]


def unit_cost_usd_per_kg(route, v, chain):
    """Cost per kg of finished magnet meeting the target grade [US$/kg].

    Parameters
    ----------
    route : str
        ``"domestic"`` or ``"tolled"``.
    v : Mapping[str, numpy.ndarray]
        Per-sample parameter values.
    chain : Mapping[str, numpy.ndarray]
        Mass factors from :func:`twin.routes.mass_chain` (possibly at a young line's yields).
    """
    finished = np.maximum(chain["finished_per_oxide"], 1e-9)
    oxide_per_kg = 1.0 / (v["sx_re_recovery"] * finished)
    alloy_per_kg = 1.0 / np.maximum(
        chain["sinter"] * chain["machining"] * chain["magnetizing"], 1e-9
    )
    cost = oxide_per_kg * v["oxide_price_usd_per_kg"]
    cost = cost + alloy_per_kg * v["dy_wt_fraction"] * v["dy_price_usd_per_kg"]
    if route == "tolled":
        return cost + v["toll_charge_usd_per_kg"] + v["freight_usd_per_kg"] * (oxide_per_kg + 1.0)
    metal_per_kg = oxide_per_kg * v["sx_re_recovery"] * chain["metal"]
    kwh = metallurgy.electrolysis_energy_kwh_per_kg(v["cell_voltage_v"], v["current_efficiency"])
    return (
        cost
        + metal_per_kg * kwh * v["electricity_price_usd_per_kwh"]
        + v["conversion_cost_usd_per_kg"]
    )
