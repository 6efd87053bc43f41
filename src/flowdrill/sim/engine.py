"""The simulation engine: the estate's flows run minute by minute under the scenario's faults.

Each tick: new records arrive (columnar batch), queued records that may run are released, the
batch walks the flows' step positions with vectorised fault and retry decisions, rows are
written to datasets, counters close and monitors are checked. Faults, participant actions and
monitor checks are the only discrete events. Pure: no I/O, no clock, no global random state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from flowdrill.catalog.load import load_catalog
from flowdrill.catalog.model import Action, Catalog
from flowdrill.errors import InputError
from flowdrill.estate.model import Estate
from flowdrill.scenario.generate import EstateIndex
from flowdrill.scenario.model import Scenario
from flowdrill.sim.actions import SimAction
from flowdrill.sim.arrivals import ArrivalSchedule
from flowdrill.sim.faults import (
    ACTION_CAUSED,
    ONE_OFF,
    Effect,
    Kind,
    Knobs,
    build_effects,
    compile_knobs,
)
from flowdrill.sim.golden import GoldenTrace
from flowdrill.sim.history import ErrorEntry, PastRuns, Run, flow_history
from flowdrill.sim.layout import CONTINUE, PARK, STOP, compile_layout
from flowdrill.sim.metrics import Metrics
from flowdrill.sim.monitors import Alert, MonitorSet, Probe
from flowdrill.sim.reconcile import Reconciliation, reconcile_store
from flowdrill.sim.records import (
    Arr,
    Flag,
    Ledger,
    RowStore,
    Status,
    record_key,
    step_salt,
    uniform,
)

_NO_STATE = {
    Action.acknowledge,
    Action.open_incident,
    Action.notify,
    Action.escalate,
    Action.do_nothing,
}


@dataclass(frozen=True)
class _EffectPlan:
    """When the set of active effects can change, so knobs are recompiled only then."""

    times: frozenset[int]  # minutes at which an effect starts, ends or was cleared
    rate_from: float  # from then on, every tick: rate limits depend on the minute's load
    rate: tuple[Effect, ...]
    once: tuple[tuple[int, Effect], ...]  # one-off kinds: (position in the list, effect)

    @classmethod
    def of(cls, effects: list[Effect]) -> _EffectPlan:
        times = {t for e in effects for t in (e.start, e.end, e.cleared_at) if t is not None}
        rate = tuple(e for e in effects if e.kind is Kind.rate)
        return cls(
            frozenset(times),
            min((e.start - 1 for e in rate), default=float("inf")),
            rate,
            tuple((i, e) for i, e in enumerate(effects) if e.kind in ONE_OFF),
        )

    def changes_at(self, now: int) -> bool:
        return now in self.times or now >= self.rate_from


@dataclass
class _Batch:
    """The records of one pass through the flows, and what has happened to them so far."""

    gids: Arr
    flow: Arr
    key: Arr
    live: Arr | None  # False: switched to the alternate process (None: all on the platform)
    alive: Arr
    outcome: Arr
    flags: Arr
    partial: Arr  # a write of the record was lost or went elsewhere
    quarantined: Arr
    fail_at: Arr
    twice: Arr  # a row of the record was written again: a duplicate

    @classmethod
    def start(cls, gids: Arr, ledger: Ledger, bypass: Arr) -> _Batch:
        n, f = len(gids), ledger.flow[gids].astype(np.intp)  # intp: the fastest index type
        return cls(
            gids=gids,
            flow=f,
            key=record_key(f, ledger.seq[gids]),
            live=~bypass[f] if bypass.any() else None,
            alive=np.ones(n, bool),
            outcome=np.full(n, Status.delivered, np.int8),
            flags=np.zeros(n, np.uint8),
            partial=np.zeros(n, bool),
            quarantined=np.zeros(n, bool),
            fail_at=np.full(n, -1, np.int64),
            twice=np.zeros(n, bool),
        )


def _both(a: Arr | None, b: Arr | None) -> Arr | None:
    """``a & b`` for optional masks, where None means "all true"."""
    if a is None:
        return b
    return a if b is None else a & b


@dataclass(frozen=True)
class SimConfig:
    """Knobs of the simulated world that the estate does not describe."""

    start_minute_of_day: int = 9 * 60
    diurnal: bool = True
    alternate_latency_minutes: int = 30
    credential_update_minutes: int = 2
    baseline_quota_share: float = 0.5
    golden_limit: int = 50
    monitors: bool = True
    history_hours: int = 168  # how far back faults that began before T+0 are run (a week)
    history_records: int = 2_000_000  # and at most about this many records of that past


class Simulation:
    """One simulated run of an estate under a scenario.

    API: :meth:`step` (advance to a minute), :meth:`apply` (an action now), :meth:`schedule`
    (timed actions), :attr:`alerts`, :meth:`flow_metrics`, :meth:`tick_series`,
    :meth:`reconcile`, :meth:`conservation`, :meth:`history`, :meth:`story`, :meth:`snapshot`.
    """

    def __init__(
        self,
        estate: Estate,
        scenario: Scenario | None = None,
        *,
        seed: int | None = None,
        catalog: Catalog | None = None,
        config: SimConfig | None = None,
    ) -> None:
        self.estate = estate
        self.scenario = scenario
        self.seed = seed if seed is not None else (scenario.seed if scenario else 0)
        self.config = config or SimConfig()
        self.layout = layout = compile_layout(estate)
        self.catalog = catalog = catalog or load_catalog()
        self.effects: list[Effect] = []
        index = EstateIndex(estate)
        for failure in scenario.failures if scenario else []:
            mode = catalog.get(failure.mode)
            if mode is None:
                raise InputError(f"unknown failure mode {failure.mode!r}")
            self.effects.extend(build_effects(failure, mode, index, layout))
        nf, nd = len(layout.flows), len(layout.datasets)
        self.now = 0
        self.schedule_ = ArrivalSchedule(
            layout.rate_per_min,
            layout.period,
            layout.offset,
            seed=self.seed,
            start_minute_of_day=self.config.start_minute_of_day,
            diurnal=self.config.diurnal,
        )
        self.ledger = Ledger(max(1024, int(layout.rate_per_min.sum() * 2 * 120)))
        self.rows = RowStore()
        self.quarantine = RowStore()
        self.elsewhere = RowStore()  # rows written to the wrong environment
        self.counts = np.zeros((layout.ranks, len(self.ledger.flow)), np.int32)
        self.rank_of = np.full((nf, max(nd, 1)), -1, np.int32)
        for f in range(nf):
            for d, r in zip(layout.creates[f].ravel(), layout.rank[f].ravel(), strict=True):
                if d >= 0:
                    self.rank_of[f, d] = r
        self._creating_column: Arr = np.asarray((layout.creates >= 0).any(axis=(0, 2)))
        self.queue = np.zeros(0, np.int64)
        self.paused = np.zeros(nf, bool)
        self.bypass = np.zeros(nf, bool)
        self.cap = np.full(nf, np.inf)
        self.flood_blocked = np.zeros(nf, bool)
        self.idempotent = np.zeros(nf, bool)
        self.revoked = np.zeros(nf, bool)
        self.isolated = np.zeros(max(nd, 1), bool)
        self.exposed = np.zeros(nf, np.int64)
        daily = np.bincount(
            layout.platform_of,
            layout.rate_per_min * 1440 * layout.tasks_per_run,
            minlength=len(layout.platforms),
        )
        self.quota_day = np.where(layout.quota > 0, layout.quota, np.maximum(daily, 1.0))
        self.quota_used = self.quota_day * self.config.baseline_quota_share
        self._started: set[int] = set()  # one-off effects already applied
        self._backlog_seq = np.full(nf, 1 << 31, np.int64)  # backlog keys stay clear of arrivals
        self.last_success = np.zeros(nf)
        self.last_write = np.zeros(max(nd, 1))
        self.metrics = Metrics(nf, max(nd, 1))
        self.monitors = MonitorSet(list(estate.monitors) if self.config.monitors else [], layout)
        self.alerts: list[Alert] = []
        self._error_log: list[tuple[int, Arr, Arr]] = []  # (minute, codes, counts)
        self._messages: list[str] = []
        self._last_error = np.full(nf, -1, np.int64)
        self.action_log: list[dict[str, Any]] = []
        self.pending: list[SimAction] = []
        self.golden = GoldenTrace([f.id for f in layout.flows], self.config.golden_limit)
        self._knobs: Knobs | None = None
        self._effect_plan: _EffectPlan | None = None
        self._salts = {
            (j, p): step_salt(self.seed, j, p) for j in range(layout.width + 1) for p in range(10)
        }
        self.past: PastRuns | None = None
        self._run_the_past()

    # ------------------------------------------------------------------ driving

    def schedule(self, actions: list[SimAction]) -> None:
        """Queue timed actions; each is applied at the start of its minute."""
        self.pending = sorted([*self.pending, *actions], key=lambda a: a.at)

    def step(self, until: int) -> None:
        """Advance the simulation to minute ``until`` (exclusive of it)."""
        while self.now < until:
            while self.pending and self.pending[0].at <= self.now:
                self.apply(self.pending.pop(0))
            self._tick()

    def run(self, until: int, actions: list[SimAction] | None = None) -> Simulation:
        self.schedule(actions or [])
        self.step(until)
        return self

    # ------------------------------------------------------------------ the tick

    def _salt(self, j: int, purpose: int) -> int:
        return self._salts[(j, purpose)]

    def _plan(self) -> _EffectPlan:
        """What the effects imply for every tick, rebuilt after an action changes them."""
        if self._effect_plan is None or self._knobs is None:
            self._effect_plan = _EffectPlan.of(self.effects)
        return self._effect_plan

    def _run_the_past(self) -> None:
        """Faults that began before T+0 (hours unnoticed, a change made hours ago) have done
        their damage when the drill starts: run those hours first, an hour per tick and with
        nobody watching, so datasets, dead letters and the execution log hold it at T+0."""
        earliest = min((e.start for e in self.effects), default=0)
        per_hour = max(float(self.layout.rate_per_min.sum()) * 60, 1.0)
        hours = min(self.config.history_hours, int(self.config.history_records / per_hour))
        start = max(earliest, -60 * max(hours, 1))
        if start >= 0:
            return
        self.now, quota, minutes = start, self.quota_used.copy(), []
        while self.now < 0:
            minutes.append(self.now)
            self._tick(span=(-self.now) % 60 or 60)
        self.past = PastRuns(self.metrics, minutes)
        self.metrics = Metrics(len(self.layout.flows), max(len(self.layout.datasets), 1))
        self.quota_used = quota  # the daily quota is counted from the drill on
        self._knobs = None

    def _tick(self, span: int = 1) -> None:
        """Advance ``span`` minutes (more than one only for the unwatched past)."""
        lay, now = self.layout, self.now
        plan = self._plan()
        if self._knobs is None or span > 1 or plan.changes_at(now):
            self._knobs = compile_knobs(self.effects, now, lay, self.bypass)
        k = self._knobs
        if span > 1 or now in plan.times:  # trace a record of each flow a fault starts on
            for e in self.effects:
                if now <= e.start < now + span and e.kind not in ONE_OFF and not e.by_action:
                    self.golden.hunt(np.unique(e.flows))
        self._begin(plan, now + span)
        block = k.block | self._quota_block()
        counts = self.schedule_.counts(now)
        for minute in range(now + 1, now + span):
            counts = counts + self.schedule_.counts(minute)
        flows = np.repeat(np.arange(len(lay.flows), dtype=np.int32), counts)
        seq = np.arange(len(flows), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        seq += np.repeat(self.schedule_.emitted - counts, counts)
        gids = self.ledger.add(flows, seq, now)
        self._grow_counts()
        self.metrics.add_counts("arrivals", counts)
        self.golden.adopt(gids, flows)
        for i in self.golden.hits(gids):
            self.golden.note(now, int(gids[i]), int(flows[i]), "arrived")
        if len(self.queue):
            queue = np.concatenate([self.queue, gids])
            qf = self.ledger.flow[queue]
            born = self.ledger.born[queue]
        else:
            queue, qf, born = gids, flows, np.full(len(gids), now)
        stopped = self.paused | block
        eligible = self.bypass[qf] | (~stopped[qf] & (now >= born + k.delay[qf]))
        if np.isfinite(self.cap).any():
            eligible &= _rank_in_group(qf, eligible) < self.cap[qf]
        run = queue[eligible]
        self.queue = queue[~eligible]
        if any(e.active(now) for e in plan.rate):
            load = np.bincount(self.ledger.flow[run], minlength=len(lay.flows)) / span
            k = compile_knobs(self.effects, now, lay, self.bypass, load)
        polls = np.flatnonzero(k.poll_fail & ~self.bypass & ~self.paused)
        if len(polls):  # one failed poll a minute
            for name in ("executions", "failed", "errors"):
                self.metrics.add(name, polls, np.full(len(polls), float(span)))
            self._log_errors(
                now, polls, np.zeros(len(polls), np.int64), "ECONNREFUSED: source down"
            )
        self._process(run, k, fresh=True)
        self._flood(counts, k, block)
        self._account_quota()
        held = np.bincount(self.ledger.flow[self.queue], minlength=len(lay.flows))
        self.metrics.close_tick(held)
        self.now = now + span
        if self.monitors.monitors and span == 1:
            probe = Probe(
                self.now, self.last_success, self.last_write, self.quota_share, self.last_error
            )
            self.alerts.extend(self.monitors.check(self.metrics, probe))

    def _grow_counts(self) -> None:
        need = len(self.ledger.flow)
        if self.counts.shape[1] < need:
            grown = np.zeros((self.counts.shape[0], need), np.int32)
            grown[:, : self.counts.shape[1]] = self.counts
            self.counts = grown

    def _count_cells(self, flows: Arr, ds: Arr, gids: Arr) -> tuple[Arr, Arr]:
        """The row counts as one flat array, and the cells of (record, dataset) pairs in it:
        flat indexing is several times faster than a 2-D lookup on the hot path."""
        flat = self.counts.reshape(-1)
        if self.counts.shape[0] == 1:
            return flat, gids
        rank = self.rank_of[flows, ds].astype(np.int64)
        return flat, rank * self.counts.shape[1] + gids

    # ------------------------------------------------------------------ records through steps

    def _draw(self, chance: Arr, ff: Arr, keys: Arr, live: Arr | None, salt: int) -> Arr:
        """Positions (into ``ff``) of the records a per-flow probability ``chance`` hits."""
        cand, p = _exposed_to(chance, ff, live)
        return cand[uniform(keys[cand], salt) < p] if len(cand) else cand

    def _process(self, gids: Arr, k: Knobs, *, dedupe: bool = False, fresh: bool = False) -> None:
        """Run records through their flows now: the vectorised hot path.

        ``fresh`` records have never run, so they cannot have written rows already (each flow
        creates a dataset's row at one step only) and the existing-row lookup is skipped."""
        if not len(gids):
            return
        lay, now = self.layout, self.now
        b = _Batch.start(gids, self.ledger, self.bypass)
        latency = lay.base_latency[b.flow] + (now - self.ledger.born[gids]) * 60.0
        if b.live is not None:
            latency[~b.live] += self.config.alternate_latency_minutes * 60.0
        nsteps = lay.nsteps[b.flow]
        for j in range(lay.width):
            col = k.column_any(j)
            if not self._creating_column[j] and not any(col.values()):
                continue  # nothing can happen to a record at this position
            idx = np.flatnonzero(b.alive & (j < nsteps))
            if not len(idx):
                break
            ff, kk = b.flow[idx], b.key[idx]
            lv = b.live[idx] if b.live is not None else None
            if col["corrupt_p"]:
                hit = self._draw(k.corrupt_p[:, j], ff, kk, lv, self._salt(j, 1))
                b.flags[idx[hit]] |= k.corrupt_flags[ff[hit], j]
            if col["drop"]:
                gone = self._draw(k.drop[:, j], ff, kk, lv, self._salt(j, 2))
                if len(gone):
                    b.outcome[idx[gone]] = Status.dropped
                    b.alive[idx[gone]] = False
                    keep = np.ones(len(idx), bool)
                    keep[gone] = False
                    idx, ff, kk = idx[keep], ff[keep], kk[keep]
                    lv = lv[keep] if lv is not None else None
            failed = np.zeros(len(idx), bool)
            msg = np.zeros(len(idx), np.int64)
            used: Arr | None = None  # retries spent by records that got through in the end
            if col["fail"]:
                perm = self._draw(k.fail[:, j], ff, kk, lv, self._salt(j, 3))
                failed[perm] = True
                msg[perm] = k.fail_msg[ff[perm], j]
            if col["transient"]:
                used = self._retry(k, j, ff, kk, lv, failed, msg)
            if k.reject_null.any():
                rej = (
                    k.reject_null[ff]
                    & (lay.creates[ff, j, 0] >= 0)
                    & ((b.flags[idx] & Flag.null) != 0)
                    & ~failed
                )
                if lv is not None:
                    rej &= lv
                if rej.any():
                    failed |= rej
                    text = "400 Bad Request: a required field is missing"
                    if text not in k.messages:
                        k.messages.append(text)
                    msg[rej] = k.messages.index(text)
            any_failed = bool(failed.any())
            if any_failed or used is not None:  # retries add their waits to the latency
                w = np.flatnonzero(failed if used is None else failed | (used > 0))
                fw = ff[w]
                waits = np.where(
                    failed[w], lay.tries[fw, j] - 1, used[w] if used is not None else 0
                )
                retry_after = k.retry_after[fw, j]
                base = np.where(retry_after >= 0, retry_after, lay.wait[fw, j])
                latency[idx[w]] += np.where(lay.expo[fw, j], base * (2.0**waits - 1), base * waits)
            writes = ~failed
            if any_failed and col["timeout_write"]:
                fi = np.flatnonzero(failed)
                done = self._draw(
                    k.timeout_write[:, j],
                    ff[fi],
                    kk[fi],
                    lv[fi] if lv is not None else None,
                    self._salt(j, 5),
                )
                writes[fi[done]] = True
            if self._creating_column[j]:
                self._write(b, idx[writes], j, k, dedupe=dedupe, fresh=fresh)
            if any_failed:
                fi, mode = idx[failed], lay.on_error[ff[failed], j]
                self.metrics.add("errors", b.flow[fi])
                self._log_errors(now, b.flow[fi], np.full(len(fi), j), k.messages, msg[failed])
                b.fail_at[fi] = j
                stop = fi[mode == STOP]
                park = fi[mode == PARK]
                b.outcome[stop], b.outcome[park] = Status.failed, Status.parked
                b.alive[stop] = b.alive[park] = False
                cont = fi[mode == CONTINUE]
                creating = lay.creates[b.flow[cont], j, 0] >= 0
                b.partial[cont[creating]] = True
        self._settle(b, latency)

    def _retry(
        self, k: Knobs, j: int, ff: Arr, kk: Arr, lv: Arr | None, failed: Arr, msg: Arr
    ) -> Arr:
        """Transient errors at position ``j``: a record fails when every try fails; the others
        spend the tries that failed before one worked. Marks ``failed``; returns tries used."""
        used = np.zeros(len(ff), np.int64)
        c, pt = _exposed_to(k.transient[:, j], ff, lv)
        if not len(c):
            return used
        tries = self.layout.tries[ff[c], j]
        u = uniform(kk[c], self._salt(j, 4))
        lost = (u < pt**tries) & ~failed[c]
        with np.errstate(divide="ignore", invalid="ignore"):
            k_fail = np.where(pt < 1, np.floor(np.log(u) / np.log(pt)), 0).astype(np.int64)
        used[c] = np.where(pt >= 1, tries, np.clip(k_fail, 0, tries - 1))
        failed[c[lost]] = True
        msg[c[lost]] = k.transient_msg[ff[c[lost]], j]
        return used

    def _settle(self, b: _Batch, latency: Arr) -> None:
        """Record where each record of the batch ended up, and count it."""
        lay, f, outcome = self.layout, b.flow, b.outcome
        done = outcome == Status.delivered
        if b.partial.any():
            outcome[done & b.partial] = Status.dropped
        if b.quarantined.any():
            outcome[done & ~b.partial & b.quarantined] = Status.quarantined
        self.ledger.status[b.gids] = outcome
        nf, ns = len(lay.flows), len(Status)
        per = np.bincount(f * ns + outcome, minlength=nf * ns).reshape(nf, ns)
        m = self.metrics
        executions = per.sum(axis=1)
        failed = per[:, Status.failed]
        m.add_counts("executions", executions)
        m.add_counts("succeeded", executions - failed)
        m.add_counts("failed", failed)
        m.add_counts("parked", per[:, Status.parked])
        m.add_counts("dropped", per[:, Status.dropped])
        m.add_counts("delivered", per[:, Status.delivered] + per[:, Status.quarantined])
        m.add("latency", f, latency)
        m.add("schema", f[(b.flags & Flag.shape) != 0])
        self.last_success[executions > failed] = self.now + 1
        src = np.flatnonzero(failed & (lay.error_flow >= 0))
        if len(src):
            runs = np.bincount(lay.error_flow[src], failed[src], minlength=nf).astype(np.int64)
            if self._knobs is not None:
                runs[self._knobs.block] = 0
            m.add_counts("executions", runs)
            m.add_counts("succeeded", runs)
        if self.golden.hunting:
            hit = (outcome != Status.delivered) | (b.flags != 0) | b.twice
            for i in self.golden.catch(b.gids, f, hit):
                gid = int(b.gids[i])
                self.golden.note(int(self.ledger.born[gid]), gid, int(f[i]), "arrived")
        for i in self.golden.hits(b.gids):
            step = lay.steps[int(f[i])][int(b.fail_at[i])] if b.fail_at[i] >= 0 else ""
            where = f"at step {step}" if step else ""
            if b.live is not None and not b.live[i]:
                where = "via alternate process"
            twice = "written twice" if b.twice[i] else ""
            detail = "; ".join(x for x in (where, _payload_problem(int(b.flags[i])), twice) if x)
            name = Status(int(outcome[i])).name
            self.golden.note(self.now, int(b.gids[i]), int(f[i]), name, detail)

    def _write(self, b: _Batch, idx: Arr, j: int, k: Knobs, *, dedupe: bool, fresh: bool) -> None:
        """Create the rows of step position ``j`` for the records ``b.gids[idx]``."""
        lay, now = self.layout, self.now
        if not len(idx):
            return
        col = k.column_any(j)
        for s in range(lay.creates.shape[2]):
            d = lay.creates[:, j, s][b.flow[idx]]
            ok = d >= 0
            if not ok.any():
                continue
            sel = idx[ok]
            dd, ff, g, fl, keys = d[ok], b.flow[sel], b.gids[sel], b.flags[sel], b.key[sel]
            lv = b.live[sel] if b.live is not None else None
            if col["wrong_env"]:
                away = self._draw(k.wrong_env[:, j], ff, keys, lv, self._salt(j, 6))
                if len(away):
                    self.elsewhere.append(dd[away], g[away], fl[away], now)
                    b.partial[sel[away]] = True
                    keep = np.ones(len(sel), bool)
                    keep[away] = False
                    sel, dd, ff, g, fl, keys = (x[keep] for x in (sel, dd, ff, g, fl, keys))
                    lv = lv[keep] if lv is not None else None
            if col["expose"]:
                allowed = _both(lv, ~self.revoked[ff] if self.revoked.any() else None)
                shown = ff[self._draw(k.expose[:, j], ff, keys, allowed, self._salt(j, 7))]
                np.add.at(self.exposed, shown, 1)
                self.metrics.add("exposed", shown)
            iso = self.isolated[dd]
            if iso.any():
                self.quarantine.append(dd[iso], g[iso], fl[iso], now)
                b.quarantined[sel[iso]] = True
                keep = ~iso
                sel, dd, ff, g, fl, keys = (x[keep] for x in (sel, dd, ff, g, fl, keys))
                lv = lv[keep] if lv is not None else None
            counts, cell = self._count_cells(ff, dd, g)
            again_f, again_d = ff[:0], dd[:0]  # rewrites of rows that exist: duplicates
            if fresh:
                counts[cell] = 1
            else:
                exists = counts[cell] > 0
                upsert = exists & (dedupe | self.idempotent[ff])
                if upsert.any():
                    self._update_flags(dd[upsert], g[upsert], fl[upsert])
                new = ~upsert
                sel, g, dd, ff, fl, cell, keys = (x[new] for x in (sel, g, dd, ff, fl, cell, keys))
                lv = lv[new] if lv is not None else None
                again = exists[new]
                again_f, again_d = ff[again], dd[again]
                b.twice[sel[again]] = True
                counts[cell] += 1
            self.rows.append(dd, g, fl, now)
            if col["duplicate"] and not dedupe:
                allowed = _both(lv, ~self.idempotent[ff] if self.idempotent.any() else None)
                twice = self._draw(k.duplicate[:, j], ff, keys, allowed, self._salt(j, 8))
                self.rows.append(dd[twice], g[twice], fl[twice], now)
                counts[cell[twice]] += 1
                b.twice[sel[twice]] = True
                again_f = np.concatenate([again_f, ff[twice]])
                again_d = np.concatenate([again_d, dd[twice]])
            self.metrics.add("duplicates", again_f)
            self.metrics.add_ds("duplicates", again_d)
            self.metrics.add_ds("rows", dd)
            self.last_write[dd] = now + 1

    def _update_flags(self, ds: Arr, gids: Arr, flags: Arr) -> None:
        """Upsert: rows already there take the new payload (a corrected value)."""
        rds, rg, rfl, rt = self.rows.columns()
        code = rds.astype(np.int64) * (1 << 40) + rg
        want = ds.astype(np.int64) * (1 << 40) + gids
        order = np.argsort(want)
        pos = np.searchsorted(want[order], code)
        pos[pos == len(want)] = 0
        hit = want[order][pos] == code
        rfl = rfl.copy()
        rfl[hit] = flags[order][pos[hit]]
        self.rows.replace(rds, rg, rfl, rt)

    def _flood(self, counts: Arr, k: Knobs, block: Arr) -> None:
        """Extra webhook calls: replays of old events, or new calls nobody sent."""
        lay = self.layout
        for f in np.flatnonzero(k.flood > 0):
            if self.flood_blocked[f] or self.paused[f] or block[f] or self.bypass[f]:
                continue
            n = int(np.floor(counts[f] * k.flood[f]))
            js = lay.creating_positions(int(f))
            if not n or not js:
                continue
            if k.flood_replay[f]:
                if self.idempotent[f]:
                    continue
                mine = np.flatnonzero(self.ledger.flow[: self.ledger.size] == f)
                pick = uniform(
                    np.arange(n, dtype=np.uint64) + np.uint64(self.now << 20), self._salt(0, 9)
                )
                g = mine[(pick * len(mine)).astype(np.int64)]
            else:
                start = int(self.metrics.total("injected")[f])
                g = -(np.arange(start, start + n, dtype=np.int64) + 1 + (int(f) << 32))
            for d in lay.creates[f, js[0]]:
                if d < 0:
                    continue
                ds = np.full(n, d, np.int32)
                self.rows.append(ds, g, np.zeros(n, np.uint8), self.now)
                real = g[g >= 0]
                r = self.rank_of[f, d]
                dups = int((self.counts[r, real] > 0).sum())
                np.add.at(self.counts[r], real, 1)
                self.metrics.add("duplicates", np.full(dups, f))
                self.metrics.add_ds("duplicates", np.full(dups, d))
                self.metrics.add_ds("rows", ds)
            self.metrics.add("injected", np.full(n, f))
            self.metrics.add("executions", np.full(n, f))
            self.metrics.add("succeeded", np.full(n, f))

    def _log_errors(
        self,
        now: int,
        flows: Arr,
        cols: Arr,
        messages: list[str] | str,
        msg: Arr | None = None,
    ) -> None:
        codes = msg if msg is not None else np.zeros(len(flows), np.int64)
        texts = [messages] if isinstance(messages, str) else messages
        ids = np.array([self._message_id(t) for t in texts], np.int64)
        combo = (flows.astype(np.int64) << 32) | (cols.astype(np.int64) << 16) | ids[codes]
        uniq, count = np.unique(combo, return_counts=True)
        self._error_log.append((now, uniq, count))
        self._last_error[uniq >> 32] = uniq & 0xFFFF

    def _message_id(self, text: str) -> int:
        if text not in self._messages:
            self._messages.append(text)
        return self._messages.index(text)

    @property
    def errors(self) -> list[ErrorEntry]:
        """The platform's error log: one entry per flow, step and message per minute."""
        out = []
        for at, codes, counts in self._error_log:
            for code, n in zip(codes.tolist(), counts.tolist(), strict=True):
                f, j, m = code >> 32, (code >> 16) & 0xFFFF, code & 0xFFFF
                steps = self.layout.steps[f]
                step = steps[j] if steps else "trigger"
                out.append(ErrorEntry(at, self.layout.flows[f].id, step, self._messages[m], n))
        return out

    @property
    def last_error(self) -> dict[int, str]:
        return {int(f): self._messages[int(m)] for f, m in enumerate(self._last_error) if m >= 0}

    # ------------------------------------------------------------------ quota

    @property
    def quota_share(self) -> Arr:
        return self.quota_used / self.quota_day

    def _begin(self, plan: _EffectPlan, until: int) -> None:
        """Apply the one-off effects starting before minute ``until``: a quota already mostly
        used, a backlog already waiting, copies already somewhere unapproved."""
        for i, e in plan.once:
            if i in self._started or e.start >= until or e.cleared_at is not None:
                continue
            self._started.add(i)
            flows = np.unique(e.flows)
            if e.kind is Kind.quota:
                for p in np.unique(self.layout.platform_of[flows]):
                    self.quota_used[p] = max(self.quota_used[p], e.value * self.quota_day[p])
            elif e.kind is Kind.backlog:
                self._add_backlog(flows, int(e.value), e.start)
            else:
                shares = _split(int(e.value), self.layout.rate_per_min[flows])
                self.exposed[flows] += shares
                self.metrics.add("exposed", flows, shares.astype(float))

    def _add_backlog(self, flows: Arr, records: int, born: int) -> None:
        """Records that have been waiting since ``born``, queued ahead of new arrivals."""
        counts = _split(records, self.layout.rate_per_min[flows])
        f = np.repeat(flows, counts).astype(np.int32)
        seq = np.arange(len(f)) - np.repeat(np.cumsum(counts) - counts, counts)
        seq += np.repeat(self._backlog_seq[flows], counts)
        self._backlog_seq[flows] += counts
        gids = self.ledger.add(f, seq, born)
        self._grow_counts()
        self.queue = np.concatenate([self.queue, gids])

    def _quota_block(self) -> Arr:
        exhausted = self.quota_share >= 1.0
        return np.asarray(exhausted[self.layout.platform_of] & ~self.bypass)

    def _account_quota(self) -> None:
        ex = self.metrics.tick["executions"] * self.layout.tasks_per_run * ~self.bypass
        self.quota_used += np.bincount(
            self.layout.platform_of, ex, minlength=len(self.layout.platforms)
        )

    # ------------------------------------------------------------------ actions

    def _flows_for(self, target: str | None) -> list[int]:
        lay = self.layout
        if target is None:
            return list(range(len(lay.flows)))
        flow_id = target.partition("/")[0]
        if flow_id in lay.flow_index:
            return [lay.flow_index[flow_id]]
        if target in lay.dataset_index:
            return sorted(lay.creators.get(lay.dataset_index[target], []))
        if target in lay.platforms:
            return lay.flows_on_platform(target)
        found = [e.flow_set for e in self.effects if e.failure == target]
        if found:
            return sorted(set().union(*found))
        return [
            i
            for i, flow in enumerate(lay.flows)
            if any(target in (s.system, s.credential) for s in flow.steps)
        ]

    def _matches(self, e: Effect, target: str | None, flows: list[int]) -> bool:
        if target is None or e.failure == target or target in e.credentials:
            return True
        return bool(e.flow_set & set(flows))

    def check(self, action: SimAction) -> list[int]:
        """The flows an action would touch, or InputError if its target matches nothing."""
        a, target = action.action, action.target
        flows = self._flows_for(target)
        quiet = _NO_STATE | {Action.isolate_dataset}
        if (
            target is not None
            and not flows
            and a not in quiet
            and target not in self.layout.dataset_index
        ):
            raise InputError(f"{a.value}: nothing in the estate matches {target!r}")
        return flows

    def apply(self, action: SimAction) -> dict[str, Any]:
        """Apply a participant action now; return the log entry describing its effect."""
        a, target = action.action, action.target
        flows = self.check(action)
        lay = self.layout
        effect = "recorded"
        if a is Action.pause_flow:
            self.paused[flows] = True
            effect = f"paused {len(flows)} flow(s); new records wait at the source"
        elif a is Action.resume_flow:
            self.paused[flows] = False
            self.bypass[flows] = False
            self.cap[flows] = np.inf
            effect = f"resumed {len(flows)} flow(s)"
        elif a is Action.switch_to_alternate:
            self.bypass[flows] = True
            effect = f"{len(flows)} flow(s) switched to the alternate (manual) process"
        elif a is Action.throttle:
            per = action.option_int("per_minute")
            for f in flows:
                limits = [e.value for e in self.effects if e.kind is Kind.rate and f in e.flow_set]
                self.cap[f] = per or (min(limits) if limits else max(1.0, 2 * lay.rate_per_min[f]))
            ended = self._fix(action, flows)
            effect = f"intake capped on {len(flows)} flow(s); {ended}"
        elif a is Action.block_source:
            self.flood_blocked[flows] = True
            effect = "unsigned or replayed calls are rejected"
        elif a in (Action.apply_fix, Action.rollback_connector, Action.rotate_credential):
            effect = self._fix(action, flows)
        elif a is Action.revoke_access:
            self.revoked[flows] = True
            removed = int(self.exposed[flows].sum())
            self.exposed[flows] = 0
            effect = f"access revoked; {removed} exposed copies removed"
        elif a is Action.isolate_dataset:
            effect = self._isolate(action)
        elif a is Action.replay:
            self._fix(action, flows)
            effect = self._replay(action, flows)
        elif a is Action.reconcile:
            effect = self._repair(target, flows)
        self._knobs = None
        entry = {**action.to_dict(), "applied_at": self.now, "effect": effect}
        self.action_log.append(entry)
        return entry

    def _fix(self, action: SimAction, flows: list[int]) -> str:
        ended = []
        for e in self.effects:
            if action.action not in e.fixed_by or not e.active(self.now):
                continue
            if action.action is Action.rotate_credential:
                hit = action.target in e.credentials if action.target else True
            else:
                hit = self._matches(e, action.target, flows)
            if not hit:
                continue
            e.cleared_at = self.now
            ended.append(e)
            if e.mode in ("duplicate_delivery", "webhook_flood"):
                self.idempotent[e.flows] = True
            if e.kind is Kind.quota:
                for p in np.unique(self.layout.platform_of[e.flows]):
                    self.quota_day[p] *= 2
        if action.action is Action.rotate_credential and action.target:
            minutes = action.option_int("updated_after")
            minutes = self.config.credential_update_minutes if minutes is None else minutes
            cells = [
                (f, j)
                for f, flow in enumerate(self.layout.flows)
                for j, sid in enumerate(self.layout.steps[f])
                if any(s.id == sid and s.credential == action.target for s in flow.steps)
            ]
            if minutes > 0 and cells:
                self.effects.append(
                    Effect(
                        failure=f"{ACTION_CAUSED}{action.target}",
                        mode="credential_rotation",
                        kind=Kind.fail,
                        flows=np.array([c[0] for c in cells]),
                        cols=np.array([c[1] for c in cells]),
                        message="401 Unauthorized: consumer not yet updated with the new secret",
                        start=self.now,
                        end=self.now + minutes,
                        fixed_by=frozenset(),
                    )
                )
        modes = sorted({e.mode for e in ended})
        return f"ended: {', '.join(modes)}" if modes else "no active fault was ended"

    def _isolate(self, action: SimAction) -> str:
        d = self.layout.dataset_index.get(action.target or "")
        if d is None:
            raise InputError(f"isolate_dataset needs a dataset id, not {action.target!r}")
        since = action.option_int("since")
        if since is None:
            creators = set(self.layout.creators.get(d, []))
            starts = [e.start for e in self.effects if e.flow_set & creators]
            since = min(starts) if starts else 0
        self.isolated[d] = True
        ds, _, _, t = self.rows.columns()
        moved = self.rows.take((ds == d) & (t >= since))
        self.quarantine.append(moved[0], moved[1], moved[2], self.now)
        g = moved[1][moved[1] >= 0]
        r = self.rank_of[self.ledger.flow[g], d]
        np.subtract.at(self.counts, (r, g), 1)
        g = np.unique(g)
        delivered = g[self.ledger.status[g] == Status.delivered]
        self.ledger.status[delivered] = Status.quarantined
        return f"{len(moved[1])} rows written since T+{since} quarantined; new writes held"

    def _replay(self, action: SimAction, flows: list[int]) -> str:
        dedupe = action.option_bool("dedupe")
        since = action.option_int("since")
        status = self.ledger.status[: self.ledger.size]
        if action.target in self.layout.dataset_index:
            d = self.layout.dataset_index[action.target or ""]
            self.isolated[d] = False
            qds, _, _, _ = self.quarantine.columns()
            held = self.quarantine.take(qds == d)[1]
            gids = np.unique(held[held >= 0])
            what = "quarantined records"
        else:
            mine = np.isin(self.ledger.flow[: self.ledger.size], flows)
            if since is not None:
                pick = mine & (self.ledger.born[: self.ledger.size] >= since)
                pick &= status != Status.held
                what = f"records since T+{since}"
            else:
                pick = mine & ((status == Status.failed) | (status == Status.parked))
                backlog = np.isin(self.ledger.flow[self.queue], flows)
                pick[self.queue[backlog]] = True
                self.queue = self.queue[~backlog]
                what = "failed, dead-lettered and queued records"
            gids = np.flatnonzero(pick).astype(np.int64)
        for i in self.golden.hits(gids):
            self.golden.note(self.now, int(gids[i]), int(self.ledger.flow[gids[i]]), "replayed")
        k = compile_knobs(self.effects, self.now, self.layout, self.bypass)
        self._knobs = k
        self._process(gids, k, dedupe=dedupe)
        return f"replayed {len(gids)} {what}" + (" with de-duplication" if dedupe else "")

    def _repair(self, target: str | None, flows: list[int]) -> str:
        """Void duplicates and unexpected rows, correct values from the source, and move rows
        written to the wrong environment back; missing records are not invented."""
        lay = self.layout
        if target in lay.dataset_index:
            chosen = {lay.dataset_index[target or ""]}
        else:
            chosen = {int(d) for f in flows for d in lay.creates[f].ravel() if d >= 0}
        mask = np.zeros(len(lay.datasets) + 1, bool)
        mask[list(chosen)] = True
        eds = self.elsewhere.columns()[0]
        back = mask[eds]
        moved = self.elsewhere.take(back)
        self.rows.append(moved[0], moved[1], moved[2], self.now)
        ds, g, fl, t = self.rows.columns()
        sel = mask[ds]
        creators = np.zeros((len(lay.datasets) + 1, len(lay.flows)), bool)
        for d, fs in lay.creators.items():
            creators[d, fs] = True
        real = g >= 0
        expected = np.zeros(len(g), bool)
        expected[real] = creators[ds[real], self.ledger.flow[g[real]]]
        code = ds.astype(np.int64) * (1 << 40) + np.where(real, g, 0)
        order = np.lexsort((t, code))
        first = np.ones(len(g), bool)
        first[1:] = code[order][1:] != code[order][:-1]
        keep_first = np.zeros(len(g), bool)
        keep_first[order] = first
        keep = ~sel | (expected & keep_first)
        voided = int((~keep).sum())
        fixed = int(((fl & (Flag.null | Flag.bad)) != 0)[sel & keep].sum())
        fl = np.where(sel & keep, np.uint8(0), fl).astype(np.uint8)
        self.rows.replace(ds[keep], g[keep], fl[keep], t[keep])
        self.counts[:] = 0
        kg = g[keep][g[keep] >= 0]
        kd = ds[keep][g[keep] >= 0]
        np.add.at(self.counts, (self.rank_of[self.ledger.flow[kg], kd], kg), 1)
        restored = np.unique(moved[1][moved[1] >= 0])
        restored = restored[self.ledger.status[restored] == Status.dropped]
        self.ledger.status[restored] = Status.delivered
        return (
            f"voided {voided} duplicate or unexpected rows, corrected {fixed}, "
            f"moved back {len(moved[1])} misplaced rows"
        )

    # ------------------------------------------------------------------ reading

    def reconcile(self) -> Reconciliation:
        """Compare every dataset with the expected business state, now."""
        qds = self.quarantine.columns()[0]
        eds = self.elsewhere.columns()[0]
        mis = np.zeros((1, len(self.layout.datasets)), np.int64)
        if len(eds):
            mis[0] = np.bincount(eds, minlength=len(self.layout.datasets))
        return reconcile_store(
            at=self.now,
            estate=self.estate,
            layout=self.layout,
            record_flow=self.ledger.flow[: self.ledger.size],
            rows=self.rows.columns(),
            quarantine_ds=qds,
            misrouted=mis,
            exposed=int(self.exposed.sum()),
        )

    def conservation(self) -> dict[str, int]:
        """delivered + lost + in_flight + quarantined = produced, over all records."""
        c = self.ledger.counts()
        return {
            "produced": self.ledger.size,
            "delivered": c["delivered"],
            "lost": c["failed"] + c["dropped"],
            "in_flight": c["held"] + c["parked"],
            "quarantined": c["quarantined"],
            "dead_letter": c["parked"],
            "failed": c["failed"],
            "dropped": c["dropped"],
        }

    def flow_metrics(self) -> dict[str, dict[str, Any]]:
        return self.metrics.per_flow([f.id for f in self.layout.flows])

    def tick_series(self, name: str) -> dict[str, list[int]]:
        """Per-tick values of a counter, per flow with any activity."""
        series = self.metrics.series(name) if self.metrics.ticks else np.zeros((0, 0))
        return {
            f.id: [int(v) for v in series[:, i]]
            for i, f in enumerate(self.layout.flows)
            if series.size and series[:, i].any()
        }

    def history(
        self, flow_id: str, *, since: int | None = None, status: str | None = None, limit: int = 200
    ) -> list[Run]:
        """The flow's runs, newest first: its platform's execution list. When a fault began
        before T+0, the hours before are listed too, one entry per hour."""
        if flow_id not in self.layout.flow_index:
            raise InputError(f"no flow {flow_id!r} in the estate")

        def read(past: PastRuns | None, limit: int) -> list[Run]:
            return flow_history(
                estate=self.estate,
                layout=self.layout,
                metrics=self.metrics,
                errors=self.errors,
                flow_id=flow_id,
                since=since,
                status=status,
                limit=limit,
                past=past,
            )

        runs = read(None, limit)
        if self.past is not None and len(runs) < limit and (since is None or since < 0):
            runs += read(self.past, limit - len(runs))
        return runs

    def telling_story(self) -> tuple[int, list[dict[str, Any]]] | None:
        """The traced record of the flows the scenario's faults hit whose story says most
        (what participants' own actions caused, such as a rotation, is left out)."""
        gid = self.golden.telling({f for e in self.effects if not e.by_action for f in e.flow_set})
        return None if gid is None else (gid, self.story(gid))

    def story(self, gid: int | None = None) -> list[dict[str, Any]]:
        """Trace events of one golden record (default: the first), or of all of them."""
        events = self.golden.events if gid is None else self.golden.story(gid)
        return [e.to_dict() for e in events]

    def active_faults(self) -> list[dict[str, Any]]:
        seen: dict[tuple[str, str], dict[str, Any]] = {}
        for e in self.effects:
            if e.active(self.now) and not e.by_action:
                seen.setdefault(
                    (e.failure, e.mode), {"failure": e.failure, "mode": e.mode, "since": e.start}
                )
        return list(seen.values())

    def snapshot(self) -> dict[str, Any]:
        """The state of the run as plain JSON-able data."""
        names = [f.id for f in self.layout.flows]
        return {
            "at": self.now,
            "seed": self.seed,
            "scenario": self.scenario.id if self.scenario else None,
            "conservation": self.conservation(),
            "active_faults": self.active_faults(),
            "paused": [names[i] for i in np.flatnonzero(self.paused)],
            "switched_to_alternate": [names[i] for i in np.flatnonzero(self.bypass)],
            "throttled": [names[i] for i in np.flatnonzero(np.isfinite(self.cap))],
            "isolated": [
                self.layout.datasets[i]
                for i in np.flatnonzero(self.isolated[: len(self.layout.datasets)])
            ],
            "queued": len(self.queue),
            "quota_share": {
                p: round(float(s), 4)
                for p, s in zip(self.layout.platforms, self.quota_share, strict=True)
            },
            "alerts": [a.to_dict() for a in self.alerts],
            "actions": list(self.action_log),
            "flows": {k: v for k, v in self.flow_metrics().items() if v["arrivals"]},
            "golden_records": [int(g) for g in self.golden.gids],
        }


def _exposed_to(chance: Arr, ff: Arr, live: Arr | None) -> tuple[Arr, Arr]:
    """Positions of the records whose flow has a non-zero ``chance`` (and which run on the
    platform), with that chance: random numbers are drawn for these only, and most flows are
    healthy, so most records cost one lookup."""
    p = chance.take(ff)
    may = p > 0
    if live is not None:
        may &= live
    cand = np.flatnonzero(may)
    return cand, p[cand]


def _payload_problem(flags: int) -> str:
    """What is wrong with a record's payload, in the words of its story."""
    if flags & Flag.null:
        return "written with a required field missing"
    if flags & Flag.bad:
        return "written with a wrong value"
    return "written in a changed shape" if flags & Flag.shape else ""


def _split(total: int, weights: Arr) -> Arr:
    """``total`` split into whole parts in proportion to ``weights`` (equal parts if all zero)."""
    w = np.asarray(weights, float)
    w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
    parts: Arr = np.floor(w * total).astype(np.int64)
    parts[: total - int(parts.sum())] += 1
    return parts


def _rank_in_group(groups: Arr, mask: Arr) -> Arr:
    """Position of each masked element among the masked elements of its group (in order)."""
    rank = np.full(len(groups), np.iinfo(np.int64).max, np.int64)
    idx = np.flatnonzero(mask)
    if not len(idx):
        return rank
    g = groups[idx]
    order = np.argsort(g, kind="stable")
    sg = g[order]
    starts = np.flatnonzero(np.r_[True, sg[1:] != sg[:-1]])
    pos = np.arange(len(sg)) - np.repeat(starts, np.diff(np.r_[starts, len(sg)]))
    rank[idx[order]] = pos
    return rank
