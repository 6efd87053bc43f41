"""Failure modes and the action vocabulary shared by catalog, scenarios and plans.

Pure data (pydantic v2). A mode says what it can hit (``applies_to``), how it shows
(``signals``), where its cause may lie and which actions contain and recover from it, so the
scenario generator can bind it to an estate element without knowing each mode by name.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from flowdrill.estate.model import Id, MonitorMetric, StepKind, SystemKind, TriggerKind


class Strict(BaseModel):
    """Unknown keys are errors, so typos in hand-written files surface."""

    model_config = ConfigDict(extra="forbid")


class Action(StrEnum):
    """What participants can do to the (simulated) estate; injects and plans refer to these."""

    acknowledge = "acknowledge"
    open_incident = "open_incident"
    notify = "notify"
    escalate = "escalate"
    pause_flow = "pause_flow"
    resume_flow = "resume_flow"
    isolate_dataset = "isolate_dataset"
    rollback_connector = "rollback_connector"
    rotate_credential = "rotate_credential"
    revoke_access = "revoke_access"
    throttle = "throttle"
    block_source = "block_source"
    replay = "replay"
    switch_to_alternate = "switch_to_alternate"
    apply_fix = "apply_fix"
    reconcile = "reconcile"
    do_nothing = "do_nothing"


class TargetKind(StrEnum):
    """Kinds of estate element a failure can be bound to. Step ids are ``flow/step``."""

    flow = "flow"
    step = "step"
    system = "system"
    credential = "credential"
    platform = "platform"
    dataset = "dataset"


class Requirement(StrEnum):
    """Estate facts a target must show for a mode to make sense there."""

    credential = "credential"  # a step of the target uses a credential
    webhook_trigger = "webhook_trigger"  # the flow starts from a webhook
    writes_sensitive_data = "writes_sensitive_data"  # writes confidential/pii/pci data
    task_quota = "task_quota"  # the platform has a task quota
    reads = "reads"  # a step reads a dataset or calls a system it reads from
    writes = "writes"  # a step writes a dataset


class Locus(StrEnum):
    """Where a root cause lies."""

    connector = "connector"
    data_source = "data_source"
    downstream_consumer = "downstream_consumer"


class ParameterType(StrEnum):
    integer = "integer"
    number = "number"
    text = "text"
    choice = "choice"


ParamValue = int | float | str


class Parameter(Strict):
    """A knob of a failure mode (error rate, delay, renamed field ...) with default and range."""

    name: Id
    type: ParameterType
    description: str
    default: ParamValue
    minimum: float | None = None
    maximum: float | None = None
    choices: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_fits(self) -> Parameter:
        problem = self.check(self.default)
        if problem:
            raise ValueError(f"default of {self.name!r}: {problem}")
        return self

    def check(self, value: object) -> str | None:
        """Why ``value`` does not fit this parameter, or None if it does."""
        if self.type is ParameterType.choice:
            if value not in self.choices:
                return f"{value!r} is not one of: {', '.join(self.choices)}"
            return None
        if self.type is ParameterType.text:
            return None if isinstance(value, str) else f"expected text, got {value!r}"
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if not numeric or (self.type is ParameterType.integer and not isinstance(value, int)):
            return f"expected {self.type.value}, got {value!r}"
        assert isinstance(value, int | float)
        if self.minimum is not None and value < self.minimum:
            return f"{value} is below the minimum {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"{value} is above the maximum {self.maximum:g}"
        return None


class AppliesTo(Strict):
    """Which elements a mode can hit. Empty kind lists mean 'any'."""

    targets: list[TargetKind] = Field(min_length=1)
    step_kinds: list[StepKind] = Field(default_factory=list)
    system_kinds: list[SystemKind] = Field(default_factory=list)
    trigger_kinds: list[TriggerKind] = Field(default_factory=list)
    requires: list[Requirement] = Field(default_factory=list)


class Report(Strict):
    """What a person outside the on-call rota notices."""

    source: Annotated[str, Field(pattern=r"^(customer|support|business|vendor|executive)$")]
    says: str


class Signals(Strict):
    monitors: list[MonitorMetric] = Field(
        default_factory=list, description="monitor metrics that fire"
    )
    reports: list[Report] = Field(default_factory=list)


class RootCause(Strict):
    locus: Locus
    description: str


class Option(Strict):
    """A containment or recovery option: an action from the vocabulary, and what it means."""

    action: Action
    description: str


class Governance(Strict):
    sensitive_data: str
    access_review: str
    approvals: str


class FailureMode(Strict):
    """One kind of failure, bindable to estate elements."""

    id: Id
    name: str
    description: str
    overrides: bool = Field(
        False, description="workspace modes only: replace the built-in mode with the same id"
    )
    applies_to: AppliesTo
    parameters: list[Parameter] = Field(default_factory=list)
    narrative: str = Field(description="one sentence; {target} is replaced by the target name")
    vendor_notice: str | None = None
    signals: Signals
    root_causes: list[RootCause] = Field(min_length=1)
    containment: list[Option] = Field(min_length=1)
    recovery: list[Option] = Field(min_length=1)
    integrity_risks: list[str] = Field(min_length=1)
    governance: Governance

    @model_validator(mode="after")
    def _parameter_names_unique(self) -> FailureMode:
        names = [p.name for p in self.parameters]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"parameter names repeated: {', '.join(dupes)}")
        return self

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def defaults(self) -> dict[str, ParamValue]:
        return {p.name: p.default for p in self.parameters}


class Catalog(BaseModel):
    """The failure modes in effect: built-in ones plus the workspace's own."""

    modes: dict[str, FailureMode] = Field(default_factory=dict)
    origin: dict[str, str] = Field(default_factory=dict, description="mode id -> file")

    def ids(self) -> list[str]:
        return sorted(self.modes)

    def get(self, mode_id: str) -> FailureMode | None:
        return self.modes.get(mode_id)
