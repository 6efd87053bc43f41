"""Failure modes of the catalog turned into effects on flows and step positions.

A bound failure becomes one or more :class:`Effect` s: a kind (what it does to records), the
cells it hits (flow, step position), a strength, a message like the platform would log, when it
is active and which actions end it. :func:`compile_knobs` folds the active effects into dense
per-(flow, step) matrices, so the engine's hot path is a handful of array lookups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from flowdrill.catalog.model import Action, FailureMode, TargetKind
from flowdrill.estate.model import Estate
from flowdrill.scenario.generate import EstateIndex, affected_steps, bind
from flowdrill.scenario.model import BoundFailure, Target, TargetRef
from flowdrill.sim.layout import Layout
from flowdrill.sim.records import Arr, Flag


class Kind(StrEnum):
    fail = "fail"  # calls fail, retries do not help (auth, retired API, rejected payload)
    transient = "transient"  # calls fail per try; retries may help (outage, timeouts)
    rate = "rate"  # HTTP 429 above a calls-per-minute limit shared by the cells
    drop = "drop"  # records vanish without an error
    duplicate = "duplicate"  # records are written twice
    corrupt = "corrupt"  # payload flags (null / bad / shape) set at the cell
    reject_null = "reject_null"  # records missing a required field are refused on write
    expose = "expose"  # a copy goes to a destination not approved for it
    wrong_env = "wrong_env"  # the write goes to another environment instead
    timeout_write = "timeout_write"  # share of failed writes that did happen
    block = "block"  # the flow cannot run; records wait at the source
    poll_fail = "poll_fail"  # the trigger's polls fail (one failed execution per minute)
    delay = "delay"  # records wait ``value`` minutes before running
    flood = "flood"  # extra webhook calls: ``value`` times normal traffic
    quota = "quota"  # the platform's task quota is nearly used up
    backlog = "backlog"  # ``value`` records are already waiting when it starts (one-off)
    exposed = "exposed"  # ``value`` copies are already somewhere unapproved when it starts


#: Modes whose fault had been going on for a number of hours (the parameter) before its start
#: minute: the effects begin that long before, and the engine runs those hours first.
PAST_HOURS = {"silent_failure": "hours_unnoticed", "config_drift": "changed_hours_ago"}

#: Prefix of the failure id of effects that participants' actions cause.
ACTION_CAUSED = "rotation:"

#: Kinds that change the state once, when they start, rather than every record.
ONE_OFF = frozenset({Kind.quota, Kind.backlog, Kind.exposed})


@dataclass
class Effect:
    """One thing a bound failure does while it is active."""

    failure: str
    mode: str
    kind: Kind
    flows: Arr  # flow index per cell
    cols: Arr  # step position per cell (-1: the whole flow)
    value: float = 1.0
    message: str = ""
    start: int = 0
    end: int | None = None
    fixed_by: frozenset[Action] = frozenset({Action.apply_fix})
    credentials: frozenset[str] = frozenset()
    flags: int = 0
    extra: dict[str, float] = field(default_factory=dict)
    cleared_at: int | None = None

    def active(self, now: int) -> bool:
        if now < self.start or (self.cleared_at is not None and now >= self.cleared_at):
            return False
        return self.end is None or now < self.end

    @property
    def by_action(self) -> bool:
        """Caused by a participant's action (a rotation's consumers not yet updated), not by
        the scenario."""
        return self.failure.startswith(ACTION_CAUSED)

    @property
    def flow_set(self) -> set[int]:
        return {int(f) for f in self.flows}


@dataclass
class Knobs:
    """Dense view of the active effects, rebuilt whenever the control state changes."""

    fail: Arr
    fail_msg: Arr
    transient: Arr
    transient_msg: Arr
    retry_after: Arr
    drop: Arr
    duplicate: Arr
    corrupt_p: Arr
    corrupt_flags: Arr
    expose: Arr
    wrong_env: Arr
    timeout_write: Arr
    reject_null: Arr
    block: Arr
    poll_fail: Arr
    delay: Arr
    flood: Arr
    flood_replay: Arr
    messages: list[str]
    _columns: dict[int, dict[str, bool]] = field(default_factory=dict)

    def column_any(self, j: int) -> dict[str, bool]:
        """Which per-step grids have any effect at position ``j`` (skips work on the hot
        path when a column is all zero)."""
        if j not in self._columns:
            self._columns[j] = {
                name: bool(getattr(self, name)[:, j].any())
                for name in (
                    "fail",
                    "transient",
                    "drop",
                    "duplicate",
                    "corrupt_p",
                    "expose",
                    "wrong_env",
                    "timeout_write",
                )
            }
        return self._columns[j]


def empty_knobs(flows: int, width: int) -> Knobs:
    def grid(dtype: type = np.float64) -> Arr:
        return np.zeros((flows, width), dtype)

    return Knobs(
        fail=grid(),
        fail_msg=grid(np.int32),
        transient=grid(),
        transient_msg=grid(np.int32),
        retry_after=np.full((flows, width), -1.0),
        drop=grid(),
        duplicate=grid(),
        corrupt_p=grid(),
        corrupt_flags=grid(np.uint8),
        expose=grid(),
        wrong_env=grid(),
        timeout_write=grid(),
        reject_null=np.zeros(flows, bool),
        block=np.zeros(flows, bool),
        poll_fail=np.zeros(flows, bool),
        delay=np.zeros(flows, np.int64),
        flood=np.zeros(flows, np.float64),
        flood_replay=np.zeros(flows, bool),
        messages=[""],
    )


def compile_knobs(
    effects: list[Effect], now: int, layout: Layout, bypass: Arr, rate_load: Arr | None = None
) -> Knobs:
    """Fold the effects active at ``now`` into matrices; ``bypass`` flows (switched to an
    alternate process) are untouched. ``rate_load`` is the calls per flow this minute."""
    k = empty_knobs(len(layout.flows), layout.width)
    for e in effects:
        if not e.active(now) or e.kind in ONE_OFF:  # the engine applies those at their start
            continue
        keep = ~bypass[e.flows]
        fs, cols = e.flows[keep], e.cols[keep]
        if not len(fs):
            continue
        whole = cols < 0
        if e.kind in (Kind.block, Kind.poll_fail, Kind.delay, Kind.flood, Kind.reject_null):
            _flow_level(k, e, fs)
            continue
        if whole.any():
            raise ValueError(f"effect {e.kind} needs step positions")
        if e.kind is Kind.rate:
            load = float(rate_load[np.unique(fs)].sum()) if rate_load is not None else 0.0
            p = max(0.0, 1.0 - e.value / load) if load > 0 else 0.0
            _raise(k.transient, k.transient_msg, k, fs, cols, p, e.message)
            k.retry_after[fs, cols] = e.extra.get("retry_after", 60.0)
        elif e.kind is Kind.fail:
            _raise(k.fail, k.fail_msg, k, fs, cols, e.value, e.message)
        elif e.kind is Kind.transient:
            _raise(k.transient, k.transient_msg, k, fs, cols, e.value, e.message)
        elif e.kind is Kind.corrupt:
            k.corrupt_p[fs, cols] = np.maximum(k.corrupt_p[fs, cols], e.value)
            k.corrupt_flags[fs, cols] |= np.uint8(e.flags)
        else:
            grid = getattr(k, e.kind.value)
            grid[fs, cols] = np.maximum(grid[fs, cols], e.value)
    return k


def _flow_level(k: Knobs, e: Effect, fs: Arr) -> None:
    if e.kind is Kind.block:
        k.block[fs] = True
    elif e.kind is Kind.poll_fail:
        k.poll_fail[fs] = True
    elif e.kind is Kind.delay:
        k.delay[fs] = np.maximum(k.delay[fs], int(e.value))
    elif e.kind is Kind.reject_null:
        k.reject_null[fs] = True
    else:
        k.flood[fs] = np.maximum(k.flood[fs], e.value)
        k.flood_replay[fs] |= bool(e.extra.get("replay", 0.0))


def _raise(grid: Arr, msgs: Arr, k: Knobs, fs: Arr, cols: Arr, p: float, message: str) -> None:
    if message not in k.messages:
        k.messages.append(message)
    stronger = grid[fs, cols] < p
    grid[fs[stronger], cols[stronger]] = p
    msgs[fs[stronger], cols[stronger]] = k.messages.index(message)


# --------------------------------------------------------------------------- building


def _cells(pairs: list[tuple[int, int]]) -> tuple[Arr, Arr]:
    uniq = sorted(set(pairs))
    return (
        np.array([f for f, _ in uniq], np.int64),
        np.array([j for _, j in uniq], np.int64),
    )


def bound_cells(
    failure: BoundFailure, mode: FailureMode, estate: Estate | EstateIndex, layout: Layout
) -> list[tuple[int, int]]:
    """The (flow, step position) cells the failure's target stands for, as the generator binds
    it; steps that never run (disabled, error handlers) are left out."""
    ref = failure.target
    binding = bind(mode, Target(ref.kind, ref.id, 0.0, ""), estate)
    pairs = binding.steps if binding is not None else affected_steps(estate, ref)
    if not pairs and failure.step:
        pairs = affected_steps(estate, TargetRef(kind=TargetKind.step, id=failure.step))
    cells = []
    for flow, step in pairs:
        pos = layout.position(flow.id, step.id)
        if pos is not None:
            cells.append(pos)
    return cells


def build_effects(
    failure: BoundFailure, mode: FailureMode, estate: Estate | EstateIndex, layout: Layout
) -> list[Effect]:
    """The effects of one bound failure (pure)."""
    p = {**mode.defaults(), **failure.parameters}
    cells = bound_cells(failure, mode, estate, layout)
    flows = sorted({f for f, _ in cells})
    if failure.target.kind is TargetKind.flow and failure.target.id in layout.flow_index:
        flows = [layout.flow_index[failure.target.id]]
    elif failure.target.kind is TargetKind.platform:
        flows = layout.flows_on_platform(failure.target.id)
    hours_before = PAST_HOURS.get(mode.id)
    start = failure.starts_at - (60 * int(p[hours_before]) if hours_before else 0)

    def eff(kind: Kind, pairs: list[tuple[int, int]], **kw: object) -> Effect:
        fs, cols = _cells(pairs)
        return Effect(failure.id, mode.id, kind, fs, cols, start=start, **kw)  # type: ignore[arg-type]

    def whole(kind: Kind, flow_ids: list[int], **kw: object) -> Effect:
        return eff(kind, [(f, -1) for f in flow_ids], **kw)

    def creating(dataset: str | None = None) -> list[tuple[int, int]]:
        d = layout.dataset_index.get(dataset) if dataset else None
        return [(f, j) for f in flows for j in layout.creating_positions(f, d)]

    target_ds = failure.target.id if failure.target.kind is TargetKind.dataset else None
    creds = frozenset(
        {failure.target.id} if failure.target.kind is TargetKind.credential else set()
    ) | frozenset(
        s.credential
        for f, j in cells
        for s in layout.flows[f].steps
        if s.id == layout.steps[f][j] and s.credential
    )
    m = mode.id
    if m == "api_deprecation":
        msg = f"{p['http_status']} Gone: this API version has been retired"
        return [eff(Kind.fail, cells, message=msg)]
    if m == "auth_mismatch":
        msg = f"{p['http_status']} Unauthorized: {str(p['cause']).replace('_', ' ')}"
        fixes = frozenset({Action.apply_fix, Action.rotate_credential})
        return [eff(Kind.fail, cells, message=msg, fixed_by=fixes, credentials=creds)]
    if m == "credential_rotation_failure":
        stale = flows[: int(p["stale_consumers"])]
        pairs = [(f, j) for f, j in cells if f in stale]
        msg = "401 Unauthorized: secret was rotated; this flow still holds the old one"
        fixes = frozenset({Action.apply_fix, Action.rotate_credential})
        e = eff(Kind.fail, pairs, message=msg, fixed_by=fixes, credentials=creds)
        e.start = start + int(p["overlap_minutes"])
        return [e]
    if m == "config_drift":
        fixes = frozenset({Action.apply_fix, Action.rollback_connector})
        what = p["what"]
        if what == "mapping":
            flags = Flag.bad | Flag.shape
            return [eff(Kind.corrupt, creating(), value=1.0, flags=flags, fixed_by=fixes)]
        if what == "filter":
            first = [(f, 0) for f in flows]
            return [eff(Kind.drop, first, value=0.3, fixed_by=fixes)]
        return [eff(Kind.wrong_env, creating(), value=1.0, fixed_by=fixes)]
    if m == "connector_upgrade":
        fixes = frozenset({Action.apply_fix, Action.rollback_connector})
        change = p["change"]
        if change == "default_changed":
            return [eff(Kind.corrupt, cells, value=0.5, flags=Flag.bad, fixed_by=fixes)]
        if change == "empty_fields_omitted":
            flags = Flag.null | Flag.shape
            return [eff(Kind.corrupt, cells, value=0.3, flags=flags, fixed_by=fixes)]
        rate = 0.2 if change == "pagination_changed" else 0.05
        return [eff(Kind.drop, cells, value=rate, fixed_by=fixes)]
    if m == "delayed_delivery":
        fixes = frozenset({Action.apply_fix, Action.throttle, Action.replay})
        return [
            whole(Kind.delay, flows, value=float(p["delay_minutes"]), fixed_by=fixes),
            whole(
                Kind.backlog,
                flows,
                value=float(p["backlog_records"]),
                end=start + 1,
                fixed_by=frozenset(),
            ),
        ]
    if m == "destination_outage":
        end = start + int(p["duration_minutes"])
        pairs = cells if failure.target.kind is TargetKind.system else creating()
        msg = "503 Service Unavailable (destination down; some calls time out)"
        return [
            eff(Kind.transient, pairs, message=msg, end=end, fixed_by=frozenset()),
            eff(
                Kind.timeout_write,
                pairs,
                value=float(p["timeout_share"]),
                end=end,
                fixed_by=frozenset(),
            ),
        ]
    if m == "duplicate_delivery":
        return [eff(Kind.duplicate, creating(target_ds), value=float(p["duplicate_rate"]))]
    if m == "format_mismatch":
        share = float(p["affected_share"])
        if p["kind"] in ("decimal_separator", "encoding"):
            msg = f"400 Bad Request: value not parseable ({p['kind']})"
            return [eff(Kind.fail, cells, value=share, message=msg)]
        flags = Flag.bad | Flag.shape
        return [eff(Kind.corrupt, cells, value=share, flags=flags)]
    if m == "partial_data_loss":
        return [eff(Kind.drop, creating(target_ds), value=float(p["loss_rate"]))]
    if m == "platform_outage":
        end = start + int(p["duration_minutes"])
        return [whole(Kind.block, flows, end=end)]
    if m == "rate_limit":
        msg = "429 Too Many Requests"
        extra = {"retry_after": float(p["retry_after_seconds"])}
        limit = float(p["limit_per_minute"])
        return [eff(Kind.rate, cells, value=limit, message=msg, extra=extra)]
    if m == "schema_drift":
        share = float(p["affected_share"])
        if p["change"] == "type_changed":
            return [eff(Kind.corrupt, cells, value=share, flags=Flag.bad | Flag.shape)]
        out = [eff(Kind.corrupt, cells, value=share, flags=Flag.null | Flag.shape)]
        strict = [f for f in flows if str(p["field"]) in layout.required[f]]
        if strict:
            out.append(whole(Kind.reject_null, strict))
        return out
    if m == "sensitive_data_misroute":
        fixes = frozenset({Action.apply_fix})
        already = float(p["records_exposed"])
        return [
            eff(Kind.expose, cells, value=1.0, fixed_by=fixes),
            whole(Kind.exposed, flows, value=already, end=start + 1, fixed_by=frozenset()),
        ]
    if m == "silent_failure":
        return [eff(Kind.corrupt, cells, value=float(p["wrong_share"]), flags=Flag.bad)]
    if m == "source_outage":
        end = start + int(p["duration_minutes"])
        polling = [f for f in flows if not layout.webhook[f]]
        out = [whole(Kind.block, flows, end=end, fixed_by=frozenset())]
        if polling:
            out.append(whole(Kind.poll_fail, polling, end=end, fixed_by=frozenset()))
        return out
    if m == "task_quota_exhausted":
        platforms = sorted({int(layout.platform_of[f]) for f in flows})
        on = [int(f) for f in np.nonzero(np.isin(layout.platform_of, platforms))[0]]
        return [whole(Kind.quota, on, value=float(p["used_at_start"]))]
    if m == "webhook_flood":
        replay = 1.0 if int(p["replayed_hours"]) > 0 else 0.0
        fixes = frozenset({Action.apply_fix, Action.block_source})
        return [
            whole(
                Kind.flood,
                flows,
                value=float(p["multiplier"]) - 1.0,
                extra={"replay": replay},
                fixed_by=fixes,
            )
        ]
    return []  # a workspace mode the simulator has no model for: no effect
