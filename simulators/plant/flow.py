"""Material flow and lot genealogy of one line (see ``simulators.plant.line``).

Lot-to-lot scatter of the magnets comes from here: each alloy lot draws its composition and
powder batch (``_alloy_batch``), carried mass-weighted through the pools into the furnace
loads, and each furnace load draws its density deviation at unloading
(``simulators.profiles``, "Lot-to-lot scatter", for the figures and their sources).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simulators.plant.events import PlantEvent
from simulators.plant.lots import FifoPool, Lot, PoolPart, mass_weighted
from simulators.plant.magnetization import PartBatch
from simulators.plant.physics import (
    THEORETICAL_DENSITY_G_CM3,
    coercivity_ka_per_m,
    density_ratio,
    grain_size_um,
)

if TYPE_CHECKING:
    from simulators.plant.furnace import VacuumFurnace
    from simulators.plant.line import Line

__all__ = ["METAL_IN_OXIDE", "MaterialFlow"]

METAL_IN_OXIDE = 0.857  # Nd in Nd2O3, domain.md
SX_LOSS = 0.015  # oxide lost to the raffinate and crud [assumed]
ANNEAL_BATCH = 4
INITIAL_ALLOY_LOADS = 6
BATCH_KEYS = ("nonmagnetic_fraction", "hcj_factor", "alignment_dev")
"""Properties an alloy lot passes to everything made from it."""
POWDER_KEYS = ("d50_um", "oxygen_ppm", "alignment_cos", "nonmagnetic_fraction", "hcj_factor")
"""Mass-weighted properties of the green parts in a furnace load."""


class MaterialFlow:
    """Pools between stages, lot numbering, and the lots and parts finished so far."""

    def __init__(
        self,
        line: Line,
        t0_s: float,
        rng: np.random.Generator,
        lot_counters: dict[str, int] | None = None,
    ) -> None:
        """``lot_counters`` (prefix -> last number) continues the lot ids of an earlier run."""
        self.line, self.p, self.rng = line, line.profile, rng
        self.alloy, self.green = FifoPool(), FifoPool()
        self.sinter_queue: list[Lot] = []
        self.magnet_queue: list[Lot] = []
        self.counters: dict[str, int] = dict(lot_counters or {})
        self.oxide_fed_kg = self.oxide_kg = self.purity_sum = 0.0
        self.oxide_start_s = t0_s
        self.lots: list[Lot] = []  # finished, not yet drained
        self.parts: list[PartBatch] = []
        self._events: list[PlantEvent] = []
        self._magnetized: list[PartBatch] = []
        self._seed_stock(t0_s)

    def _next_id(self, prefix: str) -> str:
        n = self.counters.get(prefix, 0) + 1
        self.counters[prefix] = n
        return f"{self.line.name}-{prefix}{n:05d}"

    def _finish(self, lot: Lot) -> None:
        self.lots.append(lot)
        self._events.append(
            PlantEvent(
                lot.end_s,
                lot.equipment or self.line.name,
                "lot",
                f"{lot.kind} lot {lot.lot_id} finished",
                lot.published(),
            )
        )

    def drain_events(self) -> list[PlantEvent]:
        """Events since the last call (lot completions)."""
        events, self._events = self._events, []
        return events

    def _seed_stock(self, t0_s: float) -> None:
        """Start with alloy in stock so the line runs from the first second."""
        kg = INITIAL_ALLOY_LOADS * self.p.load_kg
        oxide_kg = kg * self.p.alloy_re_fraction / (METAL_IN_OXIDE * self.p.metal_recovery)
        self._close_oxide(t0_s, oxide_kg / (1 - SX_LOSS), oxide_kg, 99.5, {})
        keep = (1 - self.p.mill_loss_fraction) * (1 - self.p.press_reject_fraction)
        powder = {"d50_um": self.p.particle_size_um, "oxygen_ppm": self.p.mill_oxygen_ppm}
        for piece in self.alloy.take(self.p.load_kg / keep):
            attrs = self._green_attrs(piece, powder)
            self.green.put(PoolPart(piece.lot_id, piece.kg * keep, piece.kg, attrs))

    def _alloy_batch(self) -> dict[str, float]:
        """Composition and powder batch of a new alloy lot (its share of the scatter)."""
        p, rng = self.p, self.rng
        return {
            "nonmagnetic_fraction": p.nonmagnetic_fraction
            + p.alloy_nonmagnetic_sigma * rng.normal(),
            "hcj_factor": 1.0 + p.alloy_hcj_sigma * rng.normal(),
            "alignment_dev": p.alignment_sigma * rng.normal(),
        }

    def _green_attrs(self, piece: PoolPart, powder: dict[str, float]) -> dict[str, float]:
        """Properties of green parts pressed from ``piece`` of an alloy lot."""
        batch = {k: piece.attrs[k] for k in BATCH_KEYS}
        aligned = self.line.press.alignment_cos() + batch["alignment_dev"]
        return {**powder, **batch, "alignment_cos": aligned}

    def separation(self, t_s: float) -> None:
        """Collect the banks' oxide; close an oxide lot (and make its alloy) when full."""
        for bank in self.line.banks:
            self.oxide_kg += bank.produced_kg
            self.oxide_fed_kg += bank.produced_kg / (1 - SX_LOSS)
            self.purity_sum += bank.produced_kg * bank.values[5]
        if self.oxide_kg >= self.p.oxide_lot_kg:
            purity = self.purity_sum / self.oxide_kg
            true = {"beta_nd_pr": float(np.mean([b.beta for b in self.line.banks]))}
            self._close_oxide(t_s, self.oxide_fed_kg, self.oxide_kg, purity, true)
            self.oxide_fed_kg = self.oxide_kg = self.purity_sum = 0.0
            self.oxide_start_s = t_s
        # after a full tank is emptied into its lot: the level never shows more than full
        level = 100.0 * self.oxide_kg / self.p.oxide_lot_kg
        for bank in self.line.banks:
            bank.values[10] = level

    def _close_oxide(self, t_s, fed_kg, oxide_kg, purity_pct, true) -> None:
        sep = f"{self.line.name}.Separation"
        oxide = Lot(
            self._next_id("OX"),
            "oxide",
            "Separation",
            sep,
            [],
            self.oxide_start_s,
            t_s,
            fed_kg,
            oxide_kg,
            fed_kg - oxide_kg,
            measured={"nd_purity_pct": purity_pct},
            true=true,
        )
        self._finish(oxide)
        metal = oxide_kg * METAL_IN_OXIDE * self.p.metal_recovery
        alloy_kg = metal / self.p.alloy_re_fraction
        additions = alloy_kg - metal
        alloy = Lot(
            self._next_id("AL"),
            "alloy",
            "Alloy",
            "",
            [oxide.lot_id],
            t_s,
            t_s,
            oxide_kg + additions,
            alloy_kg,
            oxide_kg - metal,
            measured={"re_wt_pct": 100 * self.p.alloy_re_fraction, "fe_b_additions_kg": additions},
            true=self._alloy_batch(),
        )
        self._finish(alloy)
        self.alloy.put(PoolPart(alloy.lot_id, alloy_kg, alloy_kg, dict(alloy.true)))

    def mill_and_press(self, t_s: float, dt_s: float, rng: np.random.Generator) -> None:
        """Mill alloy into powder and press it at once into green parts."""
        mill, press = self.line.mill, self.line.press
        mill.available_kg, mill.blocked = self.alloy.kg, press.is_down
        mill.step(t_s, dt_s, rng)
        keep = (1 - self.p.mill_loss_fraction) * (1 - self.p.press_reject_fraction)
        powder = {"d50_um": mill.d50_um, "oxygen_ppm": mill.oxygen_ppm}
        pressed = 0.0
        for piece in self.alloy.take(mill.milled_kg):
            attrs = self._green_attrs(piece, powder)
            self.green.put(PoolPart(piece.lot_id, piece.kg * keep, piece.kg, attrs))
            pressed += piece.kg * keep
        press.pressed_kg = pressed
        press.step(t_s, dt_s, rng)

    def load_furnace(self, furnace: VacuumFurnace, t_s: float, rng) -> None:
        """Load an empty furnace when a full load of green parts is waiting."""
        if furnace.phase != "waiting" or furnace.is_down or self.green.kg < self.p.load_kg:
            return
        parts = self.green.take(self.p.load_kg)
        true = {k: mass_weighted(parts, k) for k in POWDER_KEYS}
        true["green_kg"] = sum(p.kg for p in parts)
        load = Lot(
            self._next_id("FL"),
            "furnace_load",
            "Sintering",
            furnace.path,
            sorted({p.lot_id for p in parts}),
            t_s,
            t_s,
            sum(p.source_kg for p in parts),
            0.0,
            0.0,
            true=true,
        )
        furnace.begin_load(load)

    def unload_furnace(self, furnace: VacuumFurnace, t_s: float, rng) -> None:
        """Finish a furnace load: properties from its true soak, rejects, whole parts."""
        load, furnace.unloaded = furnace.unloaded, None
        if load is None:
            return
        t = load.true
        densified = density_ratio(t["soak_temp_c"], t["soak_h"])
        spread = 1.0 + self.p.load_density_sigma * rng.normal()  # this load's own density
        t["density_ratio"] = float(min(1.0, densified * spread))  # never above theoretical
        grain = float(grain_size_um(t["d50_um"], t["soak_temp_c"], t["soak_h"]))
        t["grain_um"] = grain
        hcj = coercivity_ka_per_m(grain, t["oxygen_ppm"]) * t["hcj_factor"]
        t["hcj_ka_per_m"] = float(hcj)
        reject = self.p.sinter_reject_fraction * (1 + abs(furnace.offset_c) / 10.0)
        load.parts = math.floor(t["green_kg"] * (1 - reject) / self.p.part_mass_kg)
        load.mass_out_kg = load.parts * self.p.part_mass_kg
        load.scrap_kg = load.mass_in_kg - load.mass_out_kg
        load.end_s = t_s
        load.measured = {
            "density_g_cm3": t["density_ratio"] * THEORETICAL_DENSITY_G_CM3 + 0.005 * rng.normal(),
            "hcj_ka_per_m": t["hcj_ka_per_m"] * (1 + 0.01 * rng.normal()),
            "soak_h": t["soak_h"],
        }
        self._finish(load)
        self.sinter_queue.append(load)

    def feed_anneal(self) -> None:
        """Start an anneal batch with the sintered loads waiting."""
        anneal = self.line.anneal
        if anneal.finished:
            self.magnet_queue.extend(anneal.finished)
            anneal.finished = []
        if anneal.phase == "waiting" and not anneal.is_down and self.sinter_queue:
            batch = self.sinter_queue[:ANNEAL_BATCH]
            del self.sinter_queue[:ANNEAL_BATCH]
            anneal.start(batch, [lot.lot_id for lot in batch])

    def feed_magnetizer(self, t_s: float) -> None:
        """Give the magnetizer the next annealed load when it has none."""
        mag = self.line.magnetizer
        while mag.job is None and self.magnet_queue:
            load = self.magnet_queue.pop(0)
            self._magnetized = []
            self._current_load = load
            mag.texts["LotId"] = load.lot_id
            if load.parts > 0:
                mag.job = (load, load.parts)
            else:
                self._close_magnetized(load, t_s)

    def collect_parts(self, t_s: float) -> None:
        """Record the parts pulsed in this step; close the lot after its last part."""
        mag = self.line.magnetizer
        self.parts.extend(mag.parts)
        self._magnetized.extend(mag.parts)
        if mag.parts and mag.job is None:
            self._close_magnetized(self._current_load, t_s)

    def _close_magnetized(self, load: Lot, t_s: float) -> None:
        batches, self._magnetized = self._magnetized, []
        n = sum(len(b) for b in batches)
        passed = int(sum(b.passed.sum() for b in batches))
        m = self.p.part_mass_kg
        measured = np.concatenate([b.br_measured_t for b in batches]) if n else np.zeros(1)
        true = np.concatenate([b.br_true_t for b in batches]) if n else np.zeros(1)
        lot = Lot(
            self._next_id("MG"),
            "magnetized",
            "Magnetization",
            self.line.magnetizer.path,
            [load.lot_id],
            batches[0].t_s if batches else t_s,
            t_s,
            n * m,
            passed * m,
            (n - passed) * m,
            parts=n,
            measured={
                "br_mean_t": float(measured.mean()),
                "br_p10_t": float(np.percentile(measured, 10)),
                "pass_fraction": passed / max(1, n),
                "pulses": float(sum(len(b.peak_field_t) for b in batches)),
            },
            true={"br_true_mean_t": float(true.mean()), **load.true},
        )
        self._finish(lot)
        self.line.magnetizer.texts["LotId"] = ""
