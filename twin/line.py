"""The production line as a chain of stages, stepped a day at a time.

Each stage takes material from its input buffer up to what its capacity allows that day
(nameplate × up-time share × commissioning and scenario ramp × learning), converts it with
its yield, and passes it on after its delay (processing, sea, customs). A stage that is
*gated* stops during an export stop. Every operation of a day acts on all stages and all
samples at once; the only Python loop is over days.

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

#: The bottleneck is the stage where material waits longest, if that wait is at least this
#: long [d] (mean over all material it processed); otherwise the line waits for oxide.
BOTTLENECK_MIN_WAIT_DAYS = 1.0
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
    wait_days: np.ndarray
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


#: Stands for "no limit" where infinity would turn into NaN (times a zero up-time share).
_UNLIMITED_KG_PER_DAY = 1e30


def _input_capacity(output_capacity, yield_):
    """What a stage can take in a day [kg/d]: its output capacity over its yield; a stage
    that keeps nothing (yield 0, e.g. no part meets the grade) is no limit on its input."""
    unlimited = np.full(np.shape(output_capacity), _UNLIMITED_KG_PER_DAY)
    return np.divide(output_capacity, yield_, out=unlimited, where=yield_ > 0)


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
    stock=None,
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
    stock : tuple of (int, array_like), optional
        ``(day, kg)``: material put into the stages' input buffers at the start of ``day``,
        ``kg`` of shape ``(stages,)`` or ``(stages, samples)`` (a recorded line's work in
        progress, placed after a warm-up).

    Returns
    -------
    LineResult
    """
    line = _Line(stages, feed_kg_per_day, horizon_days, rng, streams)
    line.plan(commission, schedule, learning, stops)
    stock_day, stock_kg = stock if stock is not None else (-1, None)
    for t in range(horizon_days):
        if t == stock_day:
            line.buf += np.broadcast_to(
                np.asarray(stock_kg, dtype=float).reshape(len(stages), -1), line.buf.shape
            )
        line.update_rates(t)
        line.step(t)
    return line.result()


class _Line:
    """The state of a run, shape ``(stages, samples)``: buffers, rates and tallies."""

    def __init__(self, stages, feed, horizon, rng, streams):
        n = feed.shape[0]
        self.stages, self.feed, self.horizon = stages, feed, horizon
        self.capacity = np.minimum(_stack(stages, "capacity_kg_per_day", n), _UNLIMITED_KG_PER_DAY)
        self.y_mature = self.y = _stack(stages, "yield_mature", n)
        learns = _column(stages, "learns")
        self.y_initial = np.where(learns > 0, _stack(stages, "yield_initial", n, 1.0), self.y)
        self.ramps, self.learns = _column(stages, "ramps"), learns
        self.gated = np.flatnonzero(_column(stages, "gated")[:, 0])
        self.bpo = _stack(stages, "blocks_per_output", n, 0.0)
        self.block_rows = [s for s, st in enumerate(stages) if st.blocks_per_output is not None]
        mtbf, mttr = _stack(stages, "mtbf_days", n), _stack(stages, "mttr_days", n)
        self.failures = FailureProcess(mtbf, mttr, rng, streams)
        self.delay = np.maximum(np.rint(_stack(stages, "delay_days", n)), 1.0).astype(np.int64)
        self.delays = Delays(self.delay - 1)
        shape = self.capacity.shape
        self.buf, self.processed, self.queued = (np.zeros(shape) for _ in range(3))
        self.proc, self.made, self.limit, self.factor = (np.empty(shape) for _ in range(4))
        self.blocks, self.finished = np.zeros(n), np.zeros(n)
        self.snap_days = _snapshot_days(horizon)
        self.snaps, self.k = np.zeros((2, self.snap_days.size, n)), 0
        self.base = self.learned = _input_capacity(self.capacity, self.y)

    def plan(self, commission, schedule, learning, stops):
        """Set the commissioning ramp, scenario schedule, learning and export stops."""
        self.commission, self.schedule = commission, schedule
        self.learning, self.stops = learning, stops
        start, ramp_days = commission
        self.ramp_end = float(np.max(np.where(start < 1.0, ramp_days, 0.0)))
        self.flat_schedule = bool(np.all(schedule == 1.0))

    def update_rates(self, t):
        """Recompute capacities and yields on days the ramp or the learning moves them."""
        start, ramp_days = self.commission
        ramping = t <= self.ramp_end or not self.flat_schedule
        relearn = self.learning is not None and t % LEARNING_STEP_DAYS == 0
        if relearn:
            ratio, ref_kg, cap0 = self.learning
            progress = 1.0 - learning_gap(self.blocks, ref_kg, ratio)
            self.y = self.y_initial + (self.y_mature - self.y_initial) * progress
            young = 1.0 + self.learns * ((cap0 - 1.0) * (1.0 - progress))
            self.learned = _input_capacity(self.capacity, self.y) * young
        if ramping or relearn:
            installed = np.minimum(start + (1.0 - start) * t / ramp_days, 1.0) * self.schedule[t]
            np.multiply(self.ramps, installed - 1.0, out=self.factor)
            self.factor += 1.0
            self.base = self.learned * self.factor

    def step(self, t):
        """One day: process what capacity allows, hold it for its delay, pass it on."""
        buf, proc = self.buf, self.proc
        np.multiply(self.base, self.failures.step(), out=self.limit)
        if self.stops is not None:
            begin, end = self.stops
            self.limit[self.gated] *= ~((begin <= t) & (t < end)).any(axis=0)
        buf[0] += self.feed
        np.minimum(buf, self.limit, out=proc)
        buf -= proc
        self.processed += proc
        self.queued += buf
        np.multiply(proc, self.y, out=self.made)
        out = self.delays.push_pop(t, self.made)
        for b in self.block_rows:
            self.blocks += out[b] * self.bpo[b]
        self.finished += out[-1]
        buf[1:] += out[:-1]
        if t == self.snap_days[self.k]:
            self.snaps[:, self.k] = self.blocks, self.finished
            self.k += 1

    def result(self):
        """Totals, lead time (Little's law per stage) and bottleneck per sample."""
        done = self.processed > 0
        wait = np.divide(self.queued, self.processed, out=np.zeros_like(self.queued), where=done)
        in_lead = np.array([st.in_lead_time for st in self.stages])
        lead = ((wait + self.delay) * in_lead[:, None]).sum(axis=0)
        stuck = np.where(done, wait, np.where(self.queued > 0, np.inf, 0.0))
        top = np.argmax(stuck, axis=0)
        supply = np.take_along_axis(stuck, top[None], axis=0)[0] < BOTTLENECK_MIN_WAIT_DAYS
        names = [*(st.name for st in self.stages), SUPPLY_LABEL]
        wip = self.buf + self.delays.in_transit(self.horizon - 1)
        return LineResult(
            names,
            self.feed * self.horizon,
            self.blocks,
            self.finished,
            self.processed,
            wait,
            wip,
            lead,
            np.where(supply, len(self.stages), top),
            self.snap_days,
            self.snaps[0],
            self.snaps[1],
        )
