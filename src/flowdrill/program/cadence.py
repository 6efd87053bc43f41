"""The program calendar and its coverage: quarterly full drills and monthly micro-exercises
(both configurable to the organisation's risk appetite), a coverage matrix of failure modes
against critical flows with the last drill date and what is overdue, and an iCalendar export
with an invitation list per drill.

Pure: dates come in (``today``, ``stamp``); the .ics is returned as bytes.
"""

from __future__ import annotations

import calendar as _calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from pydantic import BaseModel, ConfigDict, Field

from flowdrill.estate.model import Criticality, Estate, Person
from flowdrill.exercise.plan import Assignment, Plan, Role, assign_roles
from flowdrill.program.model import DrillRecord


class CadenceConfig(BaseModel):
    """``[program]`` in flowdrill.toml; the defaults suit a moderate risk appetite."""

    model_config = ConfigDict(extra="forbid")

    full_every_months: int = Field(3, ge=1, le=12, description="months between full drills")
    micro_every_months: int = Field(1, ge=0, le=12, description="0 turns micro-exercises off")
    coverage_days: int = Field(
        365, ge=30, description="every mode and critical flow drilled within this many days"
    )
    horizon_months: int = Field(12, ge=1, le=36, description="how far the calendar looks ahead")
    critical: list[Criticality] = Field(
        default_factory=lambda: [Criticality.high, Criticality.critical],
        description="flow criticalities the coverage matrix tracks",
    )
    weekday: int = Field(1, ge=0, le=4, description="0 = Monday; drills fall on this weekday")
    start_hour: int = Field(10, ge=0, le=23, description="UTC hour the drills start")
    full_minutes: int = Field(120, ge=15)
    micro_minutes: int = Field(30, ge=10)
    leadership_every: int = Field(3, ge=1, description="leadership joins every n-th full drill")
    micro_roles: list[Role] = Field(
        default_factory=lambda: [Role.facilitator, Role.incident_lead, Role.platform_engineer],
        description="who a micro-exercise invites",
    )


def planned_between(config: CadenceConfig, first: date, today: date) -> int:
    """How many drills the cadence planned from the month of ``first`` to that of ``today``
    (inclusive): a full drill every ``full_every_months``, a micro-exercise in the months in
    between when they are on."""
    months = (today.year - first.year) * 12 + today.month - first.month + 1
    return sum(
        1
        for m in range(max(months, 0))
        if m % config.full_every_months == 0
        or (config.micro_every_months and m % config.micro_every_months == 0)
    )


# --------------------------------------------------------------------------- coverage


@dataclass(frozen=True)
class Cell:
    mode: str
    flow: str
    last: date | None
    exercises: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    modes: list[str]
    flows: list[str]
    flow_names: dict[str, str]
    cells: dict[tuple[str, str], Cell]
    mode_last: dict[str, date | None]
    flow_last: dict[str, date | None]
    overdue_modes: list[str]
    overdue_flows: list[str]
    today: date
    period_days: int

    @property
    def covered_share(self) -> float:
        """Share of modes and critical flows drilled within the period."""
        total = len(self.modes) + len(self.flows)
        late = len(self.overdue_modes) + len(self.overdue_flows)
        return round((total - late) / total, 3) if total else 1.0


def critical_flows(estate: Estate, config: CadenceConfig) -> list[str]:
    return sorted(f.id for f in estate.flows if f.criticality in config.critical)


def coverage_matrix(
    estate: Estate,
    modes: Sequence[str],
    records: Sequence[DrillRecord],
    *,
    config: CadenceConfig,
    today: date,
) -> Coverage:
    """Failure modes against critical flows: when each pair, mode and flow was last drilled."""
    flows = critical_flows(estate, config)
    names = {f.id: f.name for f in estate.flows}
    cells: dict[tuple[str, str], Cell] = {}
    mode_last: dict[str, date | None] = dict.fromkeys(modes)
    flow_last: dict[str, date | None] = dict.fromkeys(flows)
    for r in sorted(records, key=lambda r: (r.day, r.exercise_id)):
        for mode in r.modes:
            if mode in mode_last:
                mode_last[mode] = r.day
            for flow in r.flows:
                if flow in flow_last and mode in mode_last:
                    old = cells.get((mode, flow))
                    cells[(mode, flow)] = Cell(
                        mode, flow, r.day, (*(old.exercises if old else ()), r.exercise_id)
                    )
        for flow in r.flows:
            if flow in flow_last:
                flow_last[flow] = r.day
    cutoff = today - timedelta(days=config.coverage_days)

    def late(last: date | None) -> bool:
        return last is None or last < cutoff

    return Coverage(
        modes=list(modes),
        flows=flows,
        flow_names=names,
        cells=cells,
        mode_last=mode_last,
        flow_last=flow_last,
        overdue_modes=[m for m in modes if late(mode_last[m])],
        overdue_flows=[f for f in flows if late(flow_last[f])],
        today=today,
        period_days=config.coverage_days,
    )


def coverage_markdown(c: Coverage) -> str:
    """The matrix as a Markdown table: a date where the pair was drilled, ``-`` where not."""
    head = ["failure mode \\ flow", *c.flows, "last drilled"]
    lines = [
        f"# Coverage of failure modes against critical flows ({c.today}, period "
        f"{c.period_days} days)",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for mode in c.modes:
        row = [mode.replace("_", " ")]
        for flow in c.flows:
            cell = c.cells.get((mode, flow))
            row.append(cell.last.isoformat() if cell and cell.last else "-")
        last = c.mode_last[mode]
        row.append(
            (last.isoformat() if last else "never")
            + (" OVERDUE" if mode in c.overdue_modes else "")
        )
        lines.append("| " + " | ".join(row) + " |")
    flows_row = ["flow last drilled"]
    for flow in c.flows:
        last = c.flow_last[flow]
        flows_row.append(
            (last.isoformat() if last else "never")
            + (" OVERDUE" if flow in c.overdue_flows else "")
        )
    lines.append("| " + " | ".join([*flows_row, ""]) + " |")
    lines += [
        "",
        f"Covered within the period: {c.covered_share * 100:.0f}%. Overdue failure modes: "
        + (", ".join(c.overdue_modes) or "none")
        + ". Overdue critical flows: "
        + (", ".join(c.overdue_flows) or "none")
        + ".",
        "",
    ]
    return "\n".join(lines)


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class Invitee:
    role: str
    name: str
    email: str | None
    team: str | None


@dataclass(frozen=True)
class PlannedDrill:
    uid: str
    kind: str  # "full" or "micro"
    day: date
    start: datetime
    minutes: int
    focus_mode: str | None
    focus_flow: str | None
    leadership: bool
    invitees: list[Invitee]

    @property
    def title(self) -> str:
        what = "Full drill" if self.kind == "full" else "Micro-exercise"
        focus = " on ".join(
            x for x in (self.focus_mode and self.focus_mode.replace("_", " "), self.focus_flow) if x
        )
        return f"{what}: {focus}" if focus else what


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def _on_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def plan_calendar(
    config: CadenceConfig,
    *,
    start: date,
    estate: Estate,
    coverage: Coverage,
    history: Sequence[Plan] = (),
    retest_modes: Sequence[str] = (),
) -> list[PlannedDrill]:
    """Drills from ``start`` over the horizon: a full drill every ``full_every_months``, a
    micro-exercise in the other months. Each focuses on what waits longest: retests first,
    then modes and flows never or least recently drilled; roles rotate over the history and
    leadership joins every ``leadership_every``-th full drill."""
    mode_queue = list(dict.fromkeys([*retest_modes, *_stalest(coverage.mode_last)]))
    flow_queue = _stalest(coverage.flow_last)
    people = {p.id: p for p in estate.people}
    plans = list(history)
    full_number = sum(1 for _ in history)
    out: list[PlannedDrill] = []
    first = date(start.year, start.month, 1)
    for month in range(config.horizon_months):
        base = _add_months(first, month)
        if month % config.full_every_months == 0:
            kind = "full"
        elif config.micro_every_months and month % config.micro_every_months == 0:
            kind = "micro"
        else:
            continue
        day = _on_weekday(base + timedelta(days=7), config.weekday)  # second week of the month
        if day < start:
            continue
        leadership = False
        if kind == "full":
            full_number += 1
            leadership = (full_number - 1) % config.leadership_every == 0
        roles = assign_roles(estate, plans, include_leadership=leadership)
        if kind == "micro":
            roles = [a for a in roles if a.role in config.micro_roles]
        else:
            plans.append(_placeholder(roles, len(plans) + 1))
        mode = mode_queue.pop(0) if mode_queue else None
        flow = flow_queue.pop(0) if flow_queue and kind == "full" else None
        if mode is not None:
            mode_queue.append(mode)
        if flow is not None:
            flow_queue.append(flow)
        out.append(
            PlannedDrill(
                uid=f"flowdrill-{kind}-{day.isoformat()}",
                kind=kind,
                day=day,
                start=datetime.combine(day, time(config.start_hour), tzinfo=UTC),
                minutes=config.full_minutes if kind == "full" else config.micro_minutes,
                focus_mode=mode,
                focus_flow=flow,
                leadership=leadership,
                invitees=[_invitee(a, people) for a in roles],
            )
        )
    return out


def _stalest(last: dict[str, date | None]) -> list[str]:
    return sorted(last, key=lambda k: (last[k] is not None, last[k] or date.min, k))


def _placeholder(roles: list[Assignment], number: int) -> Plan:
    """A stand-in plan so the next planned drill rotates roles past this one."""
    return Plan.model_construct(
        id=f"planned-{number}",
        number=number,
        scenario="",
        title="",
        objectives=[],
        roles=roles,
        leadership_included=False,
        raci=[],
        phases=[],
        channels=[],
    )


def _invitee(a: Assignment, people: Mapping[str, Person]) -> Invitee:
    person = people.get(a.person)
    email = person.email if person else None
    return Invitee(a.role.value.replace("_", " "), a.name, email, a.team)


def calendar_ics(drills: Sequence[PlannedDrill], *, organisation: str, stamp: datetime) -> bytes:
    """The calendar as iCalendar (RFC 5545): one event per drill, invitees as attendees."""
    from icalendar import Calendar, Event, vCalAddress, vText

    cal = Calendar()
    cal.add("prodid", "-//flowdrill//drill program//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{organisation}: drill program")
    for d in drills:
        event = Event()
        event.add("uid", f"{d.uid}@flowdrill")
        event.add("dtstamp", stamp)
        event.add("dtstart", d.start)
        event.add("dtend", d.start + timedelta(minutes=d.minutes))
        event.add("summary", d.title)
        roster = "\n".join(f"- {i.role}: {i.name}" for i in d.invitees)
        event.add(
            "description",
            f"{d.title} ({d.minutes} min, tabletop).\n"
            + ("Leadership participates.\n" if d.leadership else "")
            + f"Invitation list:\n{roster}",
        )
        event.add("categories", ["flowdrill", d.kind])
        for i in d.invitees:
            if not i.email:
                continue
            attendee = vCalAddress(f"mailto:{i.email}")
            attendee.params["cn"] = vText(i.name)
            attendee.params["role"] = vText(
                "OPT-PARTICIPANT" if i.role == "executive observer" else "REQ-PARTICIPANT"
            )
            attendee.params["partstat"] = vText("NEEDS-ACTION")
            event.add("attendee", attendee, encode=False)
        cal.add_component(event)
    return bytes(cal.to_ical())
