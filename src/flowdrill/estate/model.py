"""The estate: the integration map of one organisation.

Pure data (pydantic v2). Cross-references between entities are plain ids, annotated with
:class:`Ref` so one generic checker (``estate.references``) can resolve them all; the JSON
Schema and the format reference are generated from these classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# --------------------------------------------------------------------------- references


@dataclass(frozen=True)
class Ref:
    """Marks a field whose value is the id (or ids) of another entity.

    ``target`` names a collection of :class:`Estate` (``teams``, ``flows`` ...), or one of the
    derived namespaces: ``parties`` (teams and people), ``touchpoints`` (``flow/step/dataset``),
    ``steps`` (step ids of the enclosing flow).
    """

    target: str


Id = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:@-]*$",
        description="Identifier: letters, digits and . _ - : @, unique in its collection.",
    ),
]


TeamRef = Annotated[str, Ref("teams"), Field(description="id of a team")]
PersonRef = Annotated[str, Ref("people"), Field(description="id of a person")]
PartyRef = Annotated[str, Ref("parties"), Field(description="id of a team or a person")]
SystemRef = Annotated[str, Ref("systems"), Field(description="id of a system")]
PlatformRef = Annotated[str, Ref("platforms"), Field(description="id of a platform")]
DatasetRef = Annotated[str, Ref("datasets"), Field(description="id of a dataset")]
CredentialRef = Annotated[str, Ref("credentials"), Field(description="id of a credential")]
FlowRef = Annotated[str, Ref("flows"), Field(description="id of a flow")]
StepRef = Annotated[str, Ref("steps"), Field(description="id of a step in the same flow")]
TouchpointRef = Annotated[
    str, Ref("touchpoints"), Field(description="touchpoint key: flow/step/dataset")
]


class Entity(BaseModel):
    """Common base: strict about unknown keys so typos surface as errors."""

    model_config = ConfigDict(extra="forbid")


# --------------------------------------------------------------------------- vocabularies


class Criticality(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"

    @property
    def weight(self) -> int:
        return {"low": 1, "medium": 2, "high": 3, "critical": 4}[self.value]


class Classification(StrEnum):
    """Sensitivity of data, from least to most sensitive."""

    public = "public"
    internal = "internal"
    confidential = "confidential"
    pii = "pii"
    pci = "pci"


class SystemKind(StrEnum):
    shop = "shop"
    payments = "payments"
    erp = "erp"
    crm = "crm"
    warehouse = "warehouse"
    spreadsheet = "spreadsheet"
    data_warehouse = "data_warehouse"
    database = "database"
    support_desk = "support_desk"
    chat = "chat"
    email = "email"
    marketing = "marketing"
    accounting = "accounting"
    shipping = "shipping"
    storage = "storage"
    message_broker = "message_broker"
    ai = "ai"
    api = "api"
    iot = "iot"
    other = "other"


class PlatformKind(StrEnum):
    n8n = "n8n"
    nodered = "nodered"
    zapier = "zapier"
    make = "make"
    power_automate = "power_automate"
    other = "other"


class StepKind(StrEnum):
    trigger = "trigger"
    connector = "connector"
    transform = "transform"
    router = "router"
    error_handler = "error_handler"
    subflow = "subflow"


class TriggerKind(StrEnum):
    webhook = "webhook"
    schedule = "schedule"
    app_event = "app_event"
    polling = "polling"
    manual = "manual"
    error = "error"
    subflow = "subflow"
    form = "form"
    chat = "chat"
    message = "message"
    other = "other"


class Access(StrEnum):
    read = "read"
    write = "write"


class OnError(StrEnum):
    """What a step does when it fails (n8n's onError, Node-RED catch, Make error handlers)."""

    stop = "stop"
    continue_ = "continue"
    error_output = "error_output"
    ignore = "ignore"
    rollback = "rollback"
    resume = "resume"
    commit = "commit"


class Backoff(StrEnum):
    fixed = "fixed"
    exponential = "exponential"


class FieldType(StrEnum):
    string = "string"
    integer = "integer"
    decimal = "decimal"
    boolean = "boolean"
    date = "date"
    datetime = "datetime"
    email = "email"
    currency = "currency"
    json = "json"


class MonitorMetric(StrEnum):
    failure_rate = "failure_rate"
    volume_drop = "volume_drop"
    latency = "latency"
    freshness = "freshness"
    schema = "schema"
    duplicates = "duplicates"
    error_count = "error_count"
    quota = "quota"


class RunbookStepKind(StrEnum):
    check = "check"
    action = "action"
    decision = "decision"


# --------------------------------------------------------------------------- people


class Person(Entity):
    """Someone who can own, approve, be paged or be informed."""

    id: Id
    name: str
    team: TeamRef | None = None
    email: str | None = None
    phone: str | None = None
    chat: str | None = Field(None, description="chat handle, e.g. @dana")
    roles: list[str] = Field(
        default_factory=list, description="job roles, e.g. 'platform engineer'"
    )


class Team(Entity):
    """A team; its escalation chain is ordered, first responder first."""

    id: Id
    name: str
    email: str | None = None
    chat: str | None = Field(None, description="team channel, e.g. #ops-integrations")
    oncall: PersonRef | None = Field(None, description="person currently on call")
    escalation: list[PartyRef] = Field(
        default_factory=list, description="who to escalate to, in order"
    )


# --------------------------------------------------------------------------- systems


class System(Entity):
    """An external application or store that flows touch."""

    id: Id
    name: str
    kind: SystemKind
    vendor: str | None = None
    owner_team: TeamRef | None = None
    classification: Classification = Field(
        Classification.internal, description="highest sensitivity of the data it holds"
    )
    approved_for: list[Classification] = Field(
        default_factory=lambda: [Classification.public, Classification.internal],
        description="classifications this system is approved to receive",
    )
    url: str | None = None
    description: str | None = None


class Platform(Entity):
    """A no-code tool and the instance flows run on."""

    id: Id
    name: str
    kind: PlatformKind
    instance: str | None = Field(None, description="host, account or workspace")
    version: str | None = None
    owner_team: TeamRef | None = None
    task_quota_per_day: int | None = Field(None, ge=0, description="plan limit, if any")


# --------------------------------------------------------------------------- data


class DatasetField(Entity):
    name: str
    type: FieldType = FieldType.string
    required: bool = False
    pii: bool = False
    description: str | None = None


class _Invariant(Entity):
    id: Id
    description: str


class UniqueInvariant(_Invariant):
    """No two records share these fields."""

    kind: Literal["unique"]
    fields: list[str] = Field(min_length=1)


class NotNullInvariant(_Invariant):
    """These fields are always present."""

    kind: Literal["not_null"]
    fields: list[str] = Field(min_length=1)


class ExactlyOneInvariant(_Invariant):
    """Each record (matching ``where``) has exactly one related record, e.g. one invoice per
    paid order."""

    kind: Literal["exactly_one"]
    related: DatasetRef
    key: str = Field(description="field joining the two datasets")
    where: str | None = Field(None, description="condition, e.g. status == 'paid'")


class SumMatchesInvariant(_Invariant):
    """A field equals the sum of a field of related records, e.g. order total = sum of lines."""

    kind: Literal["sum_matches"]
    field: str
    related: DatasetRef
    related_field: str
    key: str
    tolerance: float = 0.0


class ReferencesInvariant(_Invariant):
    """Every value of ``key`` exists in the related dataset (no orphans)."""

    kind: Literal["references"]
    key: str
    related: DatasetRef


Invariant = Annotated[
    UniqueInvariant
    | NotNullInvariant
    | ExactlyOneInvariant
    | SumMatchesInvariant
    | ReferencesInvariant,
    Field(discriminator="kind"),
]


class Dataset(Entity):
    """An entity that flows move (orders, invoices, leads), with its business invariants."""

    id: Id
    name: str
    system: SystemRef | None = Field(None, description="system of record")
    classification: Classification = Classification.internal
    key: str | None = Field(None, description="primary key field")
    fields: list[DatasetField] = Field(default_factory=list)
    invariants: list[Invariant] = Field(default_factory=list)
    description: str | None = None

    @model_validator(mode="after")
    def _fields_unique(self) -> Dataset:
        names = [f.name for f in self.fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"field names repeated: {', '.join(dupes)}")
        return self


# --------------------------------------------------------------------------- credentials

SECRET_KEYS = frozenset(
    {"value", "secret", "password", "token", "api_key", "apikey", "key", "private_key"}
)


class Credential(Entity):
    """A reference to a secret. The secret itself never enters flowdrill."""

    id: Id
    name: str
    type: str = Field(description="credential type, e.g. oauth2, api_key, httpHeaderAuth")
    system: SystemRef | None = None
    scope: list[str] = Field(default_factory=list)
    owner_team: TeamRef | None = None
    last_rotated: date | None = None
    rotation_days: int | None = Field(None, gt=0, description="rotation policy, in days")
    expires: date | None = None
    vault_ref: str | None = Field(None, description="where the secret lives, e.g. vault path")

    @model_validator(mode="before")
    @classmethod
    def _no_secret_values(cls, data: object) -> object:
        if isinstance(data, dict):
            found = sorted(k for k in data if str(k).lower() in SECRET_KEYS)
            if found:
                raise ValueError(
                    f"secret values are never stored; remove {', '.join(found)} "
                    "and keep a reference (vault_ref) instead"
                )
        return data


# --------------------------------------------------------------------------- flows


class Touchpoint(Entity):
    """Where a step reads or writes a dataset; the unit of RACI ownership."""

    dataset: DatasetRef
    access: Access


class RetryPolicy(Entity):
    max_tries: int = Field(3, ge=1, le=100)
    wait_seconds: float = Field(1.0, ge=0)
    backoff: Backoff = Backoff.fixed


class Step(Entity):
    """One node of a flow."""

    id: Id
    name: str | None = None
    kind: StepKind
    type: str | None = Field(None, description="native node or module type")
    system: SystemRef | None = None
    operation: str | None = None
    touchpoints: list[Touchpoint] = Field(default_factory=list)
    credential: CredentialRef | None = None
    retry: RetryPolicy | None = None
    on_error: OnError = OnError.stop
    next: list[StepRef] = Field(default_factory=list, description="steps fed by this one")
    error_next: list[StepRef] = Field(
        default_factory=list, description="steps fed by this one's error output"
    )
    uses_data_from: list[StepRef] = Field(
        default_factory=list, description="steps named in this step's expressions"
    )
    calls_flow: FlowRef | None = Field(None, description="sub-flow called by this step")
    disabled: bool = False
    trigger: Trigger | None = Field(
        None, description="trigger steps: how this entry point starts the flow"
    )


class Trigger(Entity):
    kind: TriggerKind
    schedule: str | None = Field(None, description="cron expression or interval")
    system: SystemRef | None = Field(None, description="system whose events start the flow")
    authenticated: bool | None = Field(None, description="webhooks: is the caller authenticated")


class ImportFinding(Entity):
    """Something the importer noticed: a redacted secret, an open webhook... Never a value."""

    kind: str = Field(description="e.g. secret_redacted, unauthenticated_webhook")
    location: str = Field(description="where in the export, e.g. nodes['HTTP'].parameters.url")
    detail: str | None = None


class ImportSource(Entity):
    """Where an imported flow came from, so re-import updates instead of duplicating."""

    format: PlatformKind
    file: str
    native_id: str | None = None
    sha256: str | None = None
    findings: list[ImportFinding] = Field(default_factory=list)


class Flow(Entity):
    """One workflow, scenario or zap: a trigger plus steps."""

    id: Id
    name: str
    platform: PlatformRef
    trigger: Trigger
    steps: list[Step] = Field(default_factory=list)
    owner_team: TeamRef | None = None
    business_process: str | None = None
    criticality: Criticality = Criticality.medium
    records_per_hour: float | None = Field(None, ge=0, description="expected volume")
    freshness_sla_minutes: int | None = Field(None, gt=0)
    latency_sla_seconds: float | None = Field(None, gt=0)
    rto_minutes: int | None = Field(None, ge=0, description="recovery time objective")
    rpo_minutes: int | None = Field(None, ge=0, description="recovery point objective")
    error_flow: FlowRef | None = Field(None, description="flow run when this one fails")
    enabled: bool = True
    description: str | None = None
    notes: list[str] = Field(default_factory=list, description="documentation, e.g. sticky notes")
    source: ImportSource | None = None

    @model_validator(mode="after")
    def _step_ids_unique(self) -> Flow:
        ids = [s.id for s in self.steps]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"step ids repeated in flow: {', '.join(dupes)}")
        return self

    def touchpoint_keys(self) -> list[str]:
        return [f"{self.id}/{s.id}/{t.dataset}" for s in self.steps for t in s.touchpoints]


# --------------------------------------------------------------------------- governance


class Monitor(Entity):
    """A rule that watches a flow or dataset and routes alerts. No route means nobody hears it."""

    id: Id
    name: str
    flow: FlowRef | None = None
    dataset: DatasetRef | None = None
    metric: MonitorMetric
    threshold: float
    window_minutes: int = Field(15, gt=0)
    alert_route: PartyRef | None = Field(None, description="team or person alerted")
    channel: str | None = Field(None, description="e.g. #alerts-integrations, pagerduty")

    @model_validator(mode="after")
    def _watches_something(self) -> Monitor:
        if self.flow is None and self.dataset is None:
            raise ValueError("a monitor watches a flow or a dataset: set 'flow' or 'dataset'")
        return self


class RaciEntry(Entity):
    """Who does what for one touchpoint."""

    touchpoint: TouchpointRef
    responsible: list[PartyRef] = Field(default_factory=list)
    accountable: PartyRef | None = None
    consulted: list[PartyRef] = Field(default_factory=list)
    informed: list[PartyRef] = Field(default_factory=list)
    authorises_changes: PartyRef | None = None
    tests_new_flows: PartyRef | None = None
    approves_api_access: PartyRef | None = None


class RunbookSection(StrEnum):
    """Where a step sits in the response; lint and coverage read it, the autopilot ignores it."""

    detection = "detection"
    triage = "triage"
    containment = "containment"
    rollback = "rollback"
    recovery = "recovery"
    validation = "validation"
    credentials = "credentials"
    escalation = "escalation"
    review = "review"


class TriageLocus(StrEnum):
    """Where a symptom points (the catalog's root-cause loci)."""

    connector = "connector"
    data_source = "data_source"
    downstream_consumer = "downstream_consumer"


#: A runbook names estate ids as plain text, never as checked references: an estate that moved
#: on must still load, so that ``flowdrill runbook lint`` can say which steps went stale.
RunbookRef = Annotated[str, Field(min_length=1, max_length=400)]


class RunbookStep(Entity):
    """A check, an action or a human decision point (which always needs a role's approval)."""

    id: Id | None = Field(
        None, description="stable step id, so a corrective action can target it (rb#step)"
    )
    title: str
    kind: RunbookStepKind = RunbookStepKind.action
    section: RunbookSection | None = Field(None, description="part of the response it belongs to")
    role: str | None = Field(None, description="role that performs or approves it")
    action: str | None = Field(
        None, description="what the step does to the estate: pause_flow, replay, reconcile ..."
    )
    target: str | None = Field(None, description="id of the flow, dataset or credential acted on")
    options: dict[str, str] = Field(
        default_factory=dict, description="action options, e.g. dedupe: 'true' for a replay"
    )
    preconditions: list[str] = Field(
        default_factory=list, description="what must hold before it runs (rollbacks need these)"
    )
    checks: list[RunbookRef] = Field(
        default_factory=list,
        description="reconciliation checks that must pass: 'restored' or invariant ids",
    )
    fields: list[RunbookRef] = Field(
        default_factory=list, description="dataset fields it relies on, as dataset.field"
    )
    versions: dict[str, str] = Field(
        default_factory=dict,
        description="platform id -> connector/platform version the step was written for",
    )


class TriageRule(Entity):
    """One row of the triage table: a symptom and where it points."""

    symptom: str
    locus: TriageLocus
    then: str | None = Field(None, description="step id or section to go to")


class RunbookEscalation(Entity):
    """Who to escalate to, and when."""

    to: RunbookRef = Field(description="team, person or role escalated to")
    when: str = Field(description="the trigger, e.g. 'orders not flowing after 30 minutes'")
    after_minutes: int | None = Field(None, ge=0)


class RunbookDetection(Entity):
    """The signals and monitors that tell this runbook applies."""

    signals: list[MonitorMetric] = Field(default_factory=list, description="metrics to watch")
    monitors: list[RunbookRef] = Field(default_factory=list, description="ids of monitors")


class RunbookReview(Entity):
    """Post-incident review requirements."""

    within_days: int | None = Field(None, gt=0)
    requirements: list[str] = Field(default_factory=list)


class RunbookRevision(Entity):
    """An earlier version of a runbook, kept so drills that used it stay explainable."""

    version: str
    reviewed: date | None = Field(None, description="when that version was reviewed")
    by: str | None = None
    note: str | None = None


class Runbook(Entity):
    """Structured response to failures of some flows; versioned, reviewed, stress-testable."""

    id: Id
    title: str
    version: str = Field("1", description="bumped on every change; drills record it")
    reviewed: date | None = Field(None, description="when it was last checked against the estate")
    history: list[RunbookRevision] = Field(default_factory=list, description="earlier versions")
    owner_team: TeamRef | None = None
    flows: list[RunbookRef] = Field(default_factory=list, description="flows it applies to")
    systems: list[RunbookRef] = Field(default_factory=list, description="systems it applies to")
    failure_modes: list[str] = Field(default_factory=list)
    detection: RunbookDetection | None = None
    triage: list[TriageRule] = Field(default_factory=list)
    steps: list[RunbookStep] = Field(default_factory=list)
    escalation: list[RunbookEscalation] = Field(default_factory=list)
    review: RunbookReview | None = None

    @model_validator(mode="after")
    def _step_ids_unique(self) -> Runbook:
        ids = [s.id for s in self.steps if s.id is not None]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"step ids repeated in runbook: {', '.join(dupes)}")
        return self

    @property
    def ref(self) -> str:
        """``id@version``: how drills name the runbook they followed."""
        return f"{self.id}@{self.version}"

    def step_label(self, n: int) -> str:
        """``rb#step-id`` (or ``rb#3``), what a corrective action targets; ``n`` counts from 1."""
        step = self.steps[n - 1]
        return f"{self.id}#{step.id or n}"


# --------------------------------------------------------------------------- notification


class ChannelKind(StrEnum):
    slack = "slack"
    teams = "teams"
    webhook = "webhook"
    email = "email"
    inapp = "inapp"


class AckMethod(StrEnum):
    """How a person acknowledges a drill notification."""

    any = "any"
    link = "link"
    web = "web"
    terminal = "terminal"


ChannelRef = Annotated[
    str, Ref("notification_channels"), Field(description="id of a notification channel")
]


class NotificationChannel(Entity):
    """Where drill notifications go. Secrets are only named here, never held: the value is
    read when a message is sent, from FLOWDRILL_SECRET_<NAME> or the secrets file."""

    id: Id
    kind: ChannelKind
    secret_name: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="name of the secret holding the webhook URL, or the SMTP password",
    )
    host: str | None = Field(None, description="email: SMTP server host")
    port: int = Field(587, gt=0, lt=65536, description="email: SMTP server port")
    starttls: bool = Field(True, description="email: upgrade the connection with STARTTLS")
    username: str | None = Field(None, description="email: SMTP login (password: secret_name)")
    sender: str | None = Field(None, description="email: From address")
    description: str | None = None


class EscalationStep(Entity):
    """Who is notified, through what, and how long the sequence waits for an acknowledgement."""

    notify: list[PartyRef] = Field(min_length=1, description="teams or people notified")
    channel: ChannelRef
    wait_minutes: float = Field(
        gt=0, description="minutes without acknowledgement before the next step fires"
    )
    acknowledge: AckMethod = Field(AckMethod.any, description="how the person acknowledges")
    instructions: str | None = Field(
        None, description="what a person must do to acknowledge, shown in the message"
    )


class EscalationPolicy(Entity):
    """The notification sequence an alert starts: a flow's own policy wins over its team's."""

    id: Id
    name: str | None = None
    team: TeamRef | None = Field(None, description="team whose flows' alerts start it")
    flows: list[FlowRef] = Field(default_factory=list, description="flows it covers")
    steps: list[EscalationStep] = Field(min_length=1)


# --------------------------------------------------------------------------- the estate

#: Collections of an estate file, in the order they are written back.
COLLECTIONS: tuple[str, ...] = (
    "teams",
    "people",
    "systems",
    "platforms",
    "datasets",
    "credentials",
    "flows",
    "monitors",
    "raci",
    "runbooks",
    "notification_channels",
    "escalation_policies",
)


class Estate(Entity):
    """Everything flowdrill knows about one organisation's integrations."""

    name: str = "estate"
    description: str | None = None
    teams: list[Team] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    platforms: list[Platform] = Field(default_factory=list)
    datasets: list[Dataset] = Field(default_factory=list)
    credentials: list[Credential] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    monitors: list[Monitor] = Field(default_factory=list)
    raci: list[RaciEntry] = Field(default_factory=list)
    runbooks: list[Runbook] = Field(default_factory=list)
    notification_channels: list[NotificationChannel] = Field(default_factory=list)
    escalation_policies: list[EscalationPolicy] = Field(default_factory=list)

    def by_id(self, collection: str) -> dict[str, Any]:
        """Entities of ``collection`` by id (not for ``raci``, keyed by touchpoint)."""
        return {e.id: e for e in getattr(self, collection)}

    def touchpoint_keys(self) -> list[str]:
        return [k for f in self.flows for k in f.touchpoint_keys()]
