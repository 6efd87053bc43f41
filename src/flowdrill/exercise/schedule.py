"""What the scenario makes happen by a given exercise minute: timed, noise and conditional
injects, and time-box warnings. Pure: the service calls it as the clock moves."""

from __future__ import annotations

from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event
from flowdrill.exercise.machine import ExerciseState, timebox_warnings
from flowdrill.scenario.model import Scenario


def due_events(state: ExerciseState, scenario: Scenario, at: float) -> list[Event]:
    """Events due by minute ``at`` that the log does not hold yet, in time order."""
    if state.status != "running":
        return []
    taken = {a.action for a in state.actions}
    due: list[tuple[float, str, Event]] = []
    for inject in scenario.injects:
        if inject.at <= at and inject.id not in state.delivered | state.held:
            due.append(
                (
                    inject.at,
                    inject.id,
                    ev.InjectDelivered(
                        at=max(inject.at, state.last_at),
                        inject=inject.id,
                        kind=inject.kind.value,
                        channel=inject.channel,
                        sender=inject.sender,
                        message=inject.message,
                    ),
                )
            )
    for noise in scenario.noise if state.human_factors else []:
        noise_at = noise.at + noise.delay_minutes
        if noise_at <= at and noise.id not in state.delivered:
            due.append(
                (
                    noise_at,
                    noise.id,
                    ev.InjectDelivered(
                        at=max(noise_at, state.last_at),
                        inject=noise.id,
                        kind="noise",
                        channel=noise.channel,
                        sender=noise.sender,
                        message=noise.message,
                        noise=True,
                    ),
                )
            )
    for cond in scenario.conditional_injects:
        if cond.id in state.delivered:
            continue
        c = cond.condition
        fire = (c.when == "after" and c.action in taken) or (
            c.when == "not_done_by"
            and c.minute is not None
            and c.minute <= at
            and c.action not in taken
        )
        if fire:
            fire_at: float = c.minute if c.when == "not_done_by" and c.minute is not None else at
            due.append(
                (
                    fire_at,
                    cond.id,
                    ev.InjectDelivered(
                        at=max(fire_at, state.last_at),
                        inject=cond.id,
                        kind=cond.kind.value,
                        channel=cond.channel,
                        sender=cond.sender,
                        message=cond.message,
                    ),
                )
            )
    due.sort(key=lambda item: (item[0], item[1]))
    events: list[Event] = [e for _, _, e in due]
    events += timebox_warnings(state, at)
    return events
