"""The production line as a chain of stages, stepped a day at a time.

Each stage takes material from its input buffer up to what its capacity allows that day
(nameplate × up-time share × commissioning and scenario ramp × learning), converts it with
its yield, and passes it on after its delay (processing, sea, customs). A stage that is
*gated* stops during an export stop. Every operation of a day acts on all samples at once;
the only Python loops are over days and over the handful of stages.

Mass balance holds by construction: a stage never emits more than its input times its yield.

References
----------
.. [1] J. D. C. Little, "A proof for the queuing formula L = λW", Oper. Res. 9, 383 (1961):
   queue time as time-integrated buffer over throughput.
.. [2] T. P. Wright, "Factors affecting the cost of airplanes", J. Aeronaut. Sci. 3, 122
   (1936): learning per doubling of cumulative output.
"""

from dataclasses import dataclass

import numpy as np

from twin.availability import FailureProcess
from twin.delays import Delays

__all__ = ["LineResult", "Stage", "learning_gap", "run_line"]

#: A stage counts as the bottleneck when it ends at least this share of days with a backlog.
BOTTLENECK_MIN_SHARE = 0.25
#: Days between updates of the learning state (experience moves slowly).
LEARNING_STEP_DAYS = 7
#: Label used when no stage is bound that often: the line waits for oxide.
SUPPLY_LABEL = "oxide supply"


@dataclass
class Stage:
    """One stage; array fields have shape ``(samples,)`` or broadcast to it.

    ``capacity_kg_per_day`` is on the output basis and may be ``inf``. ``yield_initial``
    (with ``learns``) is the yield of the young line, moving towards ``yield_mature`` as
    experience accumulates. ``blocks_per_output`` counts sintered blocks made per kg of
    output (1 at the sintering stage, more at a lumped toll conversion).
    """

    name: str
    capacity_kg_per_day: object
    yield_mature: object
    yield_initial: object = None
    mtbf_days: object = np.inf
    mttr_days: object = 1.0
    delay_days: object = 0
    learns: bool = False
    ramps: bool = True
    gated: bool = False
    blocks_per_output: object = None
    in_lead_time: bool = True


@dataclass
class LineResult:
    """Per-sample outcome of :func:`run_line` (masses in kg, times in days)."""

    stage_names: list
    feed_kg: np.ndarray
    blocks_kg: np.ndarray
    finished_kg: np.ndarray
    processed_kg: np.ndarray
    bound_share: np.ndarray
    wip_end_kg: np.ndarray
    lead_time_days: np.ndarray
    bottleneck: np.ndarray
    snapshot_days: np.ndarray
    cum_blocks_kg: np.ndarray
    cum_finished_kg: np.ndarray


def learning_gap(cum_kg, ref_kg, progress_ratio):
    """Remaining share of the gap between young and mature performance [-] [2].

    gap = (1 + Q/Q_ref)^log2(progress_ratio): 1 at the start, falling by ``1 −
    progress_ratio`` for each doubling of cumulative output Q beyond Q_ref.
    """
    return np.exp(np.log2(progress_ratio) * np.log1p(np.asarray(cum_kg) / ref_kg))


def _snapshot_days(horizon):
    stride = max(1, horizon // 120)
    days = np.arange(stride - 1, horizon, stride)
    return days if days[-1] == horizon - 1 else np.append(days, horizon - 1)


def _stack(stages, attr, n, default=None):
    rows = []
    for st in stages:
        value = getattr(st, attr)
        rows.append(
            np.broadcast_to(np.asarray(default if value is None else value, dtype=float), (n,))
        )
    return np.stack(rows)


def _column(stages, attr):
    return np.array([getattr(st, attr) for st in stages], dtype=float)[:, None]


def run_line(
    stages,
    feed_kg_per_day,
    horizon_days,
    rng,
    *,
    commission,
    schedule,
    learning=None,
    stops=None,
    streams=None,
):
    """Step the line for ``horizon_days`` days, all samples and stages at once.

    Every stage takes at least one day: material a stage emits on day t reaches the next
    stage's buffer on day t + delay (delay ≥ 1).

    Parameters
    ----------
    stages : list of Stage
        In flow order; the first receives the feed.
    feed_kg_per_day : numpy.ndarray
        Oxide fed to the first stage each day [kg/d], shape ``(n,)``.
    horizon_days : int
        Number of daily steps.
    rng : numpy.random.Generator
        Source of failures and repairs.
    commission : tuple of numpy.ndarray
        ``(start_fraction, ramp_days)``: installed share of nameplate rising linearly to 1.
    schedule : numpy.ndarray
        Scenario capacity multiplier per day, shape ``(horizon_days,)``.
    learning : tuple of numpy.ndarray, optional
        ``(progress_ratio, ref_kg, capacity_initial)`` for stages with ``learns``.
    stops : tuple of numpy.ndarray, optional
        ``(begin, end)`` days of export stops, shape ``(windows, n)``; a stop closes gated
        stages on days ``begin <= t < end``.
    streams : numpy.ndarray of int, optional
        Random stream of each sample (samples sharing one share failures); default one each.
    """
    n = feed_kg_per_day.shape[0]
    last = len(stages) - 1
    capacity = np.minimum(_stack(stages, "capacity_kg_per_day", n), 1e30)
    y_mature = _stack(stages, "yield_mature", n)
    y_initial = np.where(
        _column(stages, "learns") > 0, _stack(stages, "yield_initial", n, 1.0), y_mature
    )
    y_gain = y_mature - y_initial
    bpo = _stack(stages, "blocks_per_output", n, 0.0)
    block_rows = [s for s, st in enumerate(stages) if st.blocks_per_output is not None]
    ramps, learns = _column(stages, "ramps"), _column(stages, "learns")
    gated = np.flatnonzero(_column(stages, "gated")[:, 0])
    failures = FailureProcess(
        _stack(stages, "mtbf_days", n), _stack(stages, "mttr_days", n), rng, streams
    )
    delay = np.maximum(np.rint(_stack(stages, "delay_days", n)), 1.0).astype(np.int64)
    delays = Delays(delay - 1)
    buf, processed, queued = (np.zeros((last + 1, n)) for _ in range(3))
    bound = np.zeros((last + 1, n), dtype=np.int32)
    blocks, finished = np.zeros(n), np.zeros(n)
    snap_days = _snapshot_days(horizon_days)
    snaps = np.zeros((2, snap_days.size, n))
    start, ramp_days = commission
    y, factor = y_mature, np.ones((last + 1, n))
    ramp_end = float(np.max(np.where(start < 1.0, ramp_days, 0.0)))
    flat_schedule = bool(np.all(schedule == 1.0))
    proc, made, limit = (np.empty((last + 1, n)) for _ in range(3))
    backlog = np.empty((last + 1, n), dtype=bool)
    base = learned = capacity / y
    k = 0
    for t in range(horizon_days):
        ramping = t <= ramp_end or not flat_schedule
        relearn = learning is not None and t % LEARNING_STEP_DAYS == 0
        if relearn:
            progress = 1.0 - learning_gap(blocks, learning[1], learning[0])
            y = y_initial + y_gain * progress
            learned = capacity / y * (1.0 + learns * ((learning[2] - 1.0) * (1.0 - progress)))
        if ramping or relearn:
            installed = np.minimum(start + (1.0 - start) * t / ramp_days, 1.0) * schedule[t]
            np.multiply(ramps, installed - 1.0, out=factor)
            factor += 1.0
            base = learned * factor
        np.multiply(base, failures.step(), out=limit)
        if stops is not None:
            limit[gated] *= ~((stops[0] <= t) & (t < stops[1])).any(axis=0)
        buf[0] += feed_kg_per_day
        np.minimum(buf, limit, out=proc)
        buf -= proc
        processed += proc
        queued += buf
        np.greater(buf, 1e-6, out=backlog)
        bound += backlog
        np.multiply(proc, y, out=made)
        out = delays.push_pop(t, made)
        for b in block_rows:
            blocks += out[b] * bpo[b]
        finished += out[last]
        buf[1:] += out[:-1]
        if t == snap_days[k]:
            snaps[:, k] = blocks, finished
            k += 1
    wip = buf + delays.in_transit(horizon_days - 1)
    return _result(
        stages,
        feed_kg_per_day * horizon_days,
        blocks,
        finished,
        processed,
        bound / horizon_days,
        wip,
        queued,
        delay,
        snap_days,
        snaps,
    )


def _result(
    stages, feed, blocks, finished, processed, bound_share, wip, queued, delay, snap_days, snaps
):
    lead = np.zeros(feed.shape)
    for s, st in enumerate(stages):
        if st.in_lead_time:
            wait = np.divide(
                queued[s], processed[s], out=np.zeros_like(lead), where=processed[s] > 0
            )
            lead += wait + delay[s]
    top = np.argmax(bound_share, axis=0)
    supply = np.take_along_axis(bound_share, top[None], axis=0)[0] < BOTTLENECK_MIN_SHARE
    bottleneck = np.where(supply, len(stages), top)
    names = [*(st.name for st in stages), SUPPLY_LABEL]
    return LineResult(
        names,
        feed,
        blocks,
        finished,
        processed,
        bound_share,
        wip,
        lead,
        bottleneck,
        snap_days,
        snaps[0],
        snaps[1],
    )
