"""The scenario file: human-editable YAML, validated like the estate.

A scenario binds failure modes to estate elements and scripts what participants see: timed
injects, conditional injects keyed to actions of the shared vocabulary, noise, prompts and the
expected actions per phase. Cross-checks against the estate and catalog live in
:func:`check_scenario`, so an edited file gets file:line:col errors for dangling ids too.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from flowdrill.catalog.model import Action, Catalog, Locus, ParamValue, Strict, TargetKind
from flowdrill.errors import Problem
from flowdrill.estate.model import Estate, Id
from flowdrill.yamlfile import DocPath, Located


@dataclass(frozen=True)
class Target:
    """A ranked estate element to aim a failure at (from the analysis, or a fallback)."""

    kind: TargetKind
    id: str
    score: float
    reason: str


class Phase(StrEnum):
    detection = "detection"
    triage = "triage"
    containment = "containment"
    recovery = "recovery"
    review = "review"


class Compound(StrEnum):
    """Single failure, two failures at once, or a failure during a credential rotation."""

    none = "none"
    two_failures = "two_failures"
    during_rotation = "during_rotation"


class InjectKind(StrEnum):
    alert = "alert"
    customer_report = "customer_report"
    support_report = "support_report"
    business_report = "business_report"
    vendor_notice = "vendor_notice"
    executive_question = "executive_question"
    status_update = "status_update"


class TargetRef(Strict):
    kind: TargetKind
    id: str = Field(description="element id; steps are written flow/step")


class BoundFailure(Strict):
    """A failure mode bound to one target, with its parameters and (hidden) root cause."""

    id: Id
    mode: Id
    target: TargetRef
    step: str | None = Field(None, description="flow/step where the failure shows, if known")
    starts_at: int = Field(0, ge=0, description="exercise minute the failure starts")
    parameters: dict[str, ParamValue] = Field(default_factory=dict)
    root_cause: Locus
    root_cause_detail: str
    reason: str = Field("", description="why this target was chosen")


class Rotation(Strict):
    """A credential rotation in progress while the failure happens."""

    credential: str
    started_at: int = Field(0, ge=0)
    note: str = ""


class Inject(Strict):
    """A message delivered at a fixed exercise minute."""

    id: Id
    at: int = Field(ge=0, description="exercise minute")
    kind: InjectKind
    sender: str
    channel: str
    message: str
    monitor: str | None = Field(None, description="monitor id, for alerts")


class Condition(Strict):
    """``not_done_by``: fire at ``minute`` unless ``action`` was taken; ``after``: right after."""

    when: Literal["not_done_by", "after"]
    action: Action
    minute: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _minute_when_needed(self) -> Condition:
        if self.when == "not_done_by" and self.minute is None:
            raise ValueError("'not_done_by' needs the minute by which the action is expected")
        if self.when == "after" and self.minute is not None:
            raise ValueError("'after' fires right after the action; remove 'minute'")
        return self


class ConditionalInject(Strict):
    id: Id
    condition: Condition
    kind: InjectKind
    sender: str
    channel: str
    message: str


class NoiseInject(Strict):
    """Irrelevant or late information that simulates overload and communication latency."""

    id: Id
    at: int = Field(ge=0)
    delay_minutes: int = Field(0, ge=0, description="how late it reaches the room")
    sender: str
    channel: str
    message: str


class Prompt(Strict):
    topic: Literal["data_lineage", "access_control", "audit_trail", "communication", "recovery"]
    phase: Phase
    question: str


class ExpectedAction(Strict):
    phase: Phase
    action: Action
    target: TargetRef | None = None
    by_minute: int | None = Field(None, ge=0)
    why: str


class Scenario(Strict):
    """One drill scenario. Every id refers to the estate; every action to the vocabulary."""

    id: Id
    title: str
    seed: int
    duration_minutes: int = Field(90, gt=0, le=24 * 60)
    compound: Compound = Compound.none
    narrative: str
    start_conditions: list[str] = Field(default_factory=list)
    failures: list[BoundFailure] = Field(min_length=1)
    rotation: Rotation | None = None
    injects: list[Inject] = Field(default_factory=list)
    conditional_injects: list[ConditionalInject] = Field(default_factory=list)
    noise: list[NoiseInject] = Field(default_factory=list)
    prompts: list[Prompt] = Field(default_factory=list)
    expected_actions: list[ExpectedAction] = Field(default_factory=list)
    success_criteria: list[str] = Field(default_factory=list)

    def modes(self) -> list[str]:
        return [f.mode for f in self.failures]


# --------------------------------------------------------------------------- cross-checks


def target_exists(estate: Estate, ref: TargetRef) -> bool:
    if ref.kind is TargetKind.step:
        flow_id, _, step_id = ref.id.partition("/")
        flow = estate.by_id("flows").get(flow_id)
        return flow is not None and any(s.id == step_id for s in flow.steps)
    return ref.id in estate.by_id(f"{ref.kind.value}s")


def check_scenario(
    scenario: Scenario, estate: Estate, catalog: Catalog, doc: Located | None = None
) -> list[Problem]:
    """Problems a valid-looking scenario has against this estate and catalog."""
    problems: list[Problem] = []

    def report(path: DocPath, message: str) -> None:
        if doc is not None:
            problems.append(doc.problem(path, message))
        else:
            from flowdrill.yamlfile import format_path

            problems.append(
                Problem(f"scenario {scenario.id}", None, None, format_path(path), message)
            )

    def check_ref(path: DocPath, ref: TargetRef) -> None:
        if not target_exists(estate, ref):
            report((*path, "id"), f"no {ref.kind.value} {ref.id!r} in the estate")

    seen: set[str] = set()
    for n, failure in enumerate(scenario.failures):
        path: DocPath = ("failures", n)
        if failure.id in seen:
            report((*path, "id"), f"failure id {failure.id!r} is used twice")
        seen.add(failure.id)
        check_ref((*path, "target"), failure.target)
        if failure.step is not None and not target_exists(
            estate, TargetRef(kind=TargetKind.step, id=failure.step)
        ):
            report((*path, "step"), f"no step {failure.step!r} in the estate (write flow/step)")
        mode = catalog.get(failure.mode)
        if mode is None:
            report((*path, "mode"), f"unknown failure mode {failure.mode!r}")
            continue
        if failure.target.kind not in mode.applies_to.targets:
            kinds = ", ".join(k.value for k in mode.applies_to.targets)
            report(
                (*path, "target", "kind"),
                f"{mode.id} applies to {kinds}, not to a {failure.target.kind.value}",
            )
        for name, value in failure.parameters.items():
            param = mode.parameter(name)
            if param is None:
                known = ", ".join(p.name for p in mode.parameters) or "none"
                report((*path, "parameters", name), f"unknown parameter (known: {known})")
            elif (why := param.check(value)) is not None:
                report((*path, "parameters", name), why)
        if failure.starts_at > scenario.duration_minutes:
            report((*path, "starts_at"), "starts after the end of the exercise")
    if scenario.rotation is not None and scenario.rotation.credential not in estate.by_id(
        "credentials"
    ):
        report(("rotation", "credential"), f"no credential {scenario.rotation.credential!r}")
    monitors = estate.by_id("monitors")
    ids: set[str] = set()
    for section in ("injects", "conditional_injects", "noise"):
        for n, item in enumerate(getattr(scenario, section)):
            if item.id in ids:
                report((section, n, "id"), f"inject id {item.id!r} is used twice")
            ids.add(item.id)
            at = getattr(item, "at", None)
            if at is not None and at > scenario.duration_minutes:
                report((section, n, "at"), "after the end of the exercise")
    for n, inject in enumerate(scenario.injects):
        if inject.monitor is not None and inject.monitor not in monitors:
            report(("injects", n, "monitor"), f"no monitor {inject.monitor!r} in the estate")
    expected = {e.action for e in scenario.expected_actions}
    for n, cond in enumerate(scenario.conditional_injects):
        if cond.condition.when == "not_done_by" and cond.condition.action not in expected:
            report(
                ("conditional_injects", n, "condition", "action"),
                f"waits for {cond.condition.action.value!r}, which no expected action includes",
            )
    for n, action in enumerate(scenario.expected_actions):
        if action.target is not None:
            check_ref(("expected_actions", n, "target"), action.target)
    return problems
