"""The line engine: mass balance, delays, capacity, failures and learning."""

import numpy as np
from numpy.testing import assert_allclose

from twin.availability import FailureProcess, steady_availability
from twin.line import SUPPLY_LABEL, Stage, learning_gap, run_line
from twin.streams import exponential, new_seed

N = 64


def _run(stages, feed=100.0, days=60, rng=None, **kw):
    kw.setdefault("commission", (np.ones(N), np.ones(N)))
    kw.setdefault("schedule", np.ones(days))
    return run_line(stages, np.full(N, feed), days, rng or np.random.default_rng(0), **kw)


def test_mass_is_conserved_through_delays():
    """With unit yields, feed = finished + work in progress, in every sample."""
    delays = np.random.default_rng(1).integers(1, 9, N)
    stages = [
        Stage("a", 1e9, 1.0, delay_days=2),
        Stage("b", 1e9, 1.0, delay_days=delays),
        Stage("c", 150.0, 1.0, delay_days=3),
    ]
    line = _run(stages)
    assert_allclose(line.finished_kg + line.wip_end_kg.sum(axis=0), line.feed_kg, rtol=1e-6)


def test_yields_scale_output_and_delays_hold_it_back():
    """Output = input × yields once the pipeline is full; nothing arrives before the delay."""
    stages = [
        Stage("a", 1e9, 0.5, delay_days=5),
        Stage("b", 1e9, 0.8, delay_days=5, blocks_per_output=1.0),
    ]
    short = _run(stages, days=9)
    assert np.all(short.finished_kg == 0.0)
    line = _run(stages, days=109)
    assert_allclose(line.finished_kg, 100.0 * 0.4 * 100, rtol=1e-5)
    assert_allclose(line.blocks_kg, line.finished_kg)


def test_capacity_binds_and_names_the_bottleneck():
    """A stage below the feed rate caps output and is reported as the bottleneck."""
    stages = [Stage("wide", 1e9, 1.0), Stage("narrow", 60.0, 1.0), Stage("end", 1e9, 1.0)]
    line = _run(stages, days=200)
    assert_allclose(line.finished_kg / 200, 60.0, rtol=0.02)
    assert all(line.stage_names[b] == "narrow" for b in line.bottleneck)


def test_supply_is_the_bottleneck_when_capacity_is_ample():
    """With every stage well above the feed, the line waits for oxide."""
    line = _run([Stage("a", 1e9, 1.0), Stage("b", 1e9, 1.0)])
    assert all(line.stage_names[b] == SUPPLY_LABEL for b in line.bottleneck)


def test_gated_stage_holds_material_during_a_stop():
    """An export stop over the whole horizon delivers nothing past the gate."""
    stops = (np.zeros((1, N)), np.full((1, N), 1000.0))
    stages = [Stage("make", 1e9, 1.0), Stage("ship", np.inf, 1.0, gated=True)]
    line = _run(stages, stops=stops)
    assert np.all(line.finished_kg == 0.0)
    assert_allclose(line.wip_end_kg.sum(axis=0), line.feed_kg)


def test_failures_reach_steady_availability():
    """Long-run up-time share matches MTBF / (MTBF + MTTR), also for sub-day repairs."""
    mtbf = np.array([[10.0] * 2000, [3.0] * 2000])
    mttr = np.array([[2.0] * 2000, [0.25] * 2000])
    process = FailureProcess(mtbf, mttr, np.random.default_rng(2))
    share = np.mean([process.step().mean(axis=1) for _ in range(400)], axis=0)
    assert_allclose(share, steady_availability(mtbf[:, 0], mttr[:, 0]), atol=0.01)


def test_shared_streams_share_failures():
    """Samples given the same stream see the same failures (common random numbers)."""
    mtbf, mttr = np.full((1, 4), 5.0), np.full((1, 4), 1.0)
    process = FailureProcess(mtbf, mttr, np.random.default_rng(3), streams=np.array([0, 1, 0, 1]))
    days = np.array([process.step()[0].copy() for _ in range(100)])
    assert_allclose(days[:, 0], days[:, 2])
    assert not np.allclose(days[:, 0], days[:, 1])


def test_stream_draws_are_exponential():
    """Counter-based draws have the unit exponential's mean and median."""
    x = exponential(new_seed(np.random.default_rng(4)), np.arange(50_000), np.zeros(50_000))
    assert_allclose([x.mean(), np.median(x)], [1.0, np.log(2.0)], atol=0.02)


def test_learning_gap_halves_per_doubling_at_ratio_half():
    """With a progress ratio of 0.5 the gap halves each doubling of experience."""
    gap = learning_gap(np.array([0.0, 1.0, 3.0]), 1.0, 0.5)
    assert_allclose(gap, [1.0, 0.5, 0.25])
