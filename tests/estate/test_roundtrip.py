"""Load, save, load gives an equal estate, for any estate the model allows."""

from __future__ import annotations

import string
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowdrill.estate import model as m
from flowdrill.estate.load import dump_estate, parse_estate

ids = st.text(string.ascii_lowercase + string.digits + "-_.", min_size=1, max_size=12).map(
    lambda s: "x" + s
)
text = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30
)
maybe_text = st.none() | text
numbers = st.floats(min_value=0, max_value=1e9, allow_nan=False, allow_infinity=False)
dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1))


def _unique(draw: st.DrawFn, n: int) -> list[str]:
    return draw(st.lists(ids, min_size=n, max_size=n, unique=True))


@st.composite
def estates(draw: st.DrawFn) -> m.Estate:
    n = draw(st.integers(1, 4))
    team_ids, person_ids, system_ids = (_unique(draw, n) for _ in range(3))
    person_ids = [f"p.{i}" for i in person_ids]  # never clash with team ids
    dataset_ids, cred_ids, flow_ids = _unique(draw, n), _unique(draw, n), _unique(draw, n)
    parties = team_ids + person_ids
    pick = st.sampled_from

    teams = [
        m.Team(
            id=t,
            name=draw(text),
            oncall=draw(st.none() | pick(person_ids)),
            escalation=draw(st.lists(pick(parties), max_size=3)),
            chat=draw(maybe_text),
        )
        for t in team_ids
    ]
    people = [
        m.Person(
            id=p, name=draw(text), team=draw(st.none() | pick(team_ids)), email=draw(maybe_text)
        )
        for p in person_ids
    ]
    systems = [
        m.System(
            id=s,
            name=draw(text),
            kind=draw(st.sampled_from(m.SystemKind)),
            owner_team=draw(st.none() | pick(team_ids)),
            classification=draw(st.sampled_from(m.Classification)),
            approved_for=draw(st.lists(st.sampled_from(m.Classification), max_size=3)),
        )
        for s in system_ids
    ]
    platforms = [m.Platform(id="plat", name="P", kind=draw(st.sampled_from(m.PlatformKind)))]
    datasets = [
        m.Dataset(
            id=d,
            name=draw(text),
            system=draw(st.none() | pick(system_ids)),
            classification=draw(st.sampled_from(m.Classification)),
            fields=[
                m.DatasetField(name=f"f{i}", type=draw(st.sampled_from(m.FieldType)))
                for i in range(draw(st.integers(0, 3)))
            ],
            invariants=[
                m.ExactlyOneInvariant(
                    id="inv",
                    kind="exactly_one",
                    description=draw(text),
                    related=draw(pick(dataset_ids)),
                    key="k",
                    where=draw(maybe_text),
                )
            ]
            if draw(st.booleans())
            else [],
        )
        for d in dataset_ids
    ]
    credentials = [
        m.Credential(
            id=c,
            name=draw(text),
            type=draw(text),
            system=draw(st.none() | pick(system_ids)),
            last_rotated=draw(st.none() | dates),
            rotation_days=draw(st.none() | st.integers(1, 1000)),
            scope=draw(st.lists(text, max_size=2)),
        )
        for c in cred_ids
    ]
    flows = []
    for f in flow_ids:
        step_ids = _unique(draw, draw(st.integers(1, 4)))
        steps = [
            m.Step(
                id=s,
                kind=draw(st.sampled_from(m.StepKind)),
                system=draw(st.none() | pick(system_ids)),
                credential=draw(st.none() | pick(cred_ids)),
                touchpoints=[
                    m.Touchpoint(
                        dataset=draw(pick(dataset_ids)), access=draw(st.sampled_from(m.Access))
                    )
                ],
                retry=draw(st.none() | st.builds(m.RetryPolicy, wait_seconds=numbers)),
                on_error=draw(st.sampled_from(m.OnError)),
                next=draw(st.lists(pick(step_ids), max_size=2)),
                calls_flow=draw(st.none() | pick(flow_ids)),
                disabled=draw(st.booleans()),
            )
            for s in step_ids
        ]
        flows.append(
            m.Flow(
                id=f,
                name=draw(text),
                platform="plat",
                trigger=m.Trigger(
                    kind=draw(st.sampled_from(m.TriggerKind)),
                    schedule=draw(maybe_text),
                    authenticated=draw(st.none() | st.booleans()),
                ),
                steps=steps,
                criticality=draw(st.sampled_from(m.Criticality)),
                records_per_hour=draw(st.none() | numbers),
                rto_minutes=draw(st.none() | st.integers(0, 10_000)),
                error_flow=draw(st.none() | pick(flow_ids)),
            )
        )
    keys = [k for f in flows for k in f.touchpoint_keys()]
    raci = [
        m.RaciEntry(touchpoint=k, accountable=draw(st.none() | pick(parties)))
        for k in dict.fromkeys(draw(st.lists(pick(keys), max_size=3)))
    ]
    monitors = [
        m.Monitor(
            id="mon",
            name=draw(text),
            flow=draw(pick(flow_ids)),
            metric=draw(st.sampled_from(m.MonitorMetric)),
            threshold=draw(numbers),
            alert_route=draw(st.none() | pick(parties)),
        )
    ]
    return m.Estate(
        name=draw(text),
        description=draw(maybe_text),
        teams=teams,
        people=people,
        systems=systems,
        platforms=platforms,
        datasets=datasets,
        credentials=credentials,
        flows=flows,
        monitors=monitors,
        raci=raci,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(estates())
def test_load_save_load_gives_an_equal_estate(estate: m.Estate) -> None:
    once = parse_estate(dump_estate(estate))
    assert once == estate
    assert parse_estate(dump_estate(once)) == once


def test_minimal_estate_round_trips(minimal_estate_text: str) -> None:
    estate = parse_estate(minimal_estate_text)
    assert parse_estate(dump_estate(estate)) == estate
