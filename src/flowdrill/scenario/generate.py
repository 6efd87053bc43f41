"""Bind failure modes to ranked targets and script the drill around them.

Pure and deterministic: the same estate, catalog, targets, seed and history give the same
scenario. Targets come in as plain data (:class:`Target`), so any ranking (the analysis, or a
simple fallback) can drive the generator. Modes rotate across runs: the least-used mode in the
history wins, then the least-used and highest-ranked target; the seed breaks the remaining ties.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from flowdrill.catalog.model import (
    Action,
    Catalog,
    FailureMode,
    ParamValue,
    Report,
    Requirement,
    TargetKind,
)
from flowdrill.errors import InputError
from flowdrill.estate.model import (
    Access,
    Classification,
    Estate,
    Flow,
    Step,
    StepKind,
    TriggerKind,
)
from flowdrill.scenario.model import (
    BoundFailure,
    Compound,
    Condition,
    ConditionalInject,
    ExpectedAction,
    Inject,
    InjectKind,
    NoiseInject,
    Phase,
    Prompt,
    Rotation,
    Scenario,
    Target,
    TargetRef,
)

SENSITIVE = {Classification.confidential, Classification.pii, Classification.pci}
REPORT_KINDS = {
    "customer": InjectKind.customer_report,
    "support": InjectKind.support_report,
    "business": InjectKind.business_report,
    "vendor": InjectKind.vendor_notice,
    "executive": InjectKind.executive_question,
}
NOISE = (
    "Reminder: the quarterly all-hands starts in 20 minutes.",
    "Unrelated: the office printer on floor 2 is out of toner again.",
    "A marketing e-mail campaign was scheduled for this afternoon; is it affected?",
    "Someone reposts an old screenshot of yesterday's dashboard in the incident channel.",
    "The vendor's account manager asks for a renewal call this week.",
    "An unrelated disk-space warning fires on a test server.",
    "A colleague asks whether the Wi-Fi problem is related.",
    "Rumour in chat: 'I heard the whole platform is being migrated today?'",
)
START_TIMES = ("Monday 09:40", "Tuesday 14:05", "Wednesday 11:20", "Thursday 16:30", "Friday 17:10")


@dataclass(frozen=True)
class Binding:
    """Where a mode lands on a target: the matching steps and the flows they belong to."""

    mode: FailureMode
    target: Target
    steps: tuple[tuple[Flow, Step], ...]

    @property
    def flows(self) -> list[Flow]:
        """Affected flows, most critical first."""
        seen: dict[str, Flow] = {}
        for flow, _ in self.steps:
            seen.setdefault(flow.id, flow)
        return sorted(seen.values(), key=lambda f: (-f.criticality.weight, f.id))

    def main_steps(self) -> list[tuple[Flow, Step]]:
        """The matching steps of the most critical affected flows."""
        top = self.flows[0].criticality
        return [(f, s) for f, s in self.steps if f.criticality is top]


class EstateIndex:
    """Lookups the binder needs many times, built once per estate."""

    def __init__(self, estate: Estate) -> None:
        self.estate = estate
        self.systems = estate.by_id("systems")
        self.datasets = estate.by_id("datasets")
        self.platforms = estate.by_id("platforms")
        self.steps: dict[tuple[TargetKind, str], list[tuple[Flow, Step]]] = {}
        for flow in estate.flows:
            for step in flow.steps:
                keys = {
                    (TargetKind.flow, flow.id),
                    (TargetKind.step, f"{flow.id}/{step.id}"),
                    (TargetKind.platform, flow.platform),
                }
                for system in (step.system, step.trigger.system if step.trigger else None):
                    if system:
                        keys.add((TargetKind.system, system))
                if step.credential:
                    keys.add((TargetKind.credential, step.credential))
                keys.update((TargetKind.dataset, t.dataset) for t in step.touchpoints)
                for key in keys:
                    self.steps.setdefault(key, []).append((flow, step))


def affected_steps(estate: Estate | EstateIndex, ref: TargetRef) -> list[tuple[Flow, Step]]:
    """Steps a bound target stands for (a flow's steps, a system's callers ...)."""
    index = estate if isinstance(estate, EstateIndex) else EstateIndex(estate)
    return list(index.steps.get((ref.kind, ref.id), []))


def _fits(mode: FailureMode, index: EstateIndex, flow: Flow, step: Step) -> bool:
    rules = mode.applies_to
    if rules.step_kinds and step.kind not in rules.step_kinds:
        return False
    if rules.trigger_kinds and flow.trigger.kind not in rules.trigger_kinds:
        return False
    if rules.system_kinds:
        system = index.systems.get(step.system or "")
        if system is None or system.kind not in rules.system_kinds:
            return False
    for need in rules.requires:
        if need is Requirement.credential:
            ok = step.credential is not None
        elif need is Requirement.webhook_trigger:
            ok = flow.trigger.kind is TriggerKind.webhook
        elif need is Requirement.writes_sensitive_data:
            ok = any(
                t.access is Access.write
                and getattr(index.datasets.get(t.dataset), "classification", None) in SENSITIVE
                for t in step.touchpoints
            )
        elif need is Requirement.task_quota:
            platform = index.platforms.get(flow.platform)
            ok = getattr(platform, "task_quota_per_day", None) is not None
        elif need is Requirement.reads:
            ok = any(t.access is Access.read for t in step.touchpoints) or (
                step.kind is StepKind.trigger and step.system is not None
            )
        else:
            ok = any(t.access is Access.write for t in step.touchpoints)
        if not ok:
            return False
    return True


def bind(mode: FailureMode, target: Target, estate: Estate | EstateIndex) -> Binding | None:
    """Where ``mode`` can hit ``target``, or None if it makes no sense there."""
    index = estate if isinstance(estate, EstateIndex) else EstateIndex(estate)
    if target.kind not in mode.applies_to.targets:
        return None
    if target.kind is TargetKind.system and mode.applies_to.system_kinds:
        system = index.systems.get(target.id)
        if system is None or system.kind not in mode.applies_to.system_kinds:
            return None
    steps = tuple(
        (f, s) for f, s in index.steps.get((target.kind, target.id), []) if _fits(mode, index, f, s)
    )
    return Binding(mode, target, steps) if steps else None


def _name(estate: Estate, kind: TargetKind, element_id: str) -> str:
    if kind is TargetKind.step:
        return element_id
    entity = estate.by_id(f"{kind.value}s").get(element_id)
    return str(getattr(entity, "name", element_id))


def _fill(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def _pick(
    index: EstateIndex,
    catalog: Catalog,
    targets: Sequence[Target],
    history: Sequence[Scenario],
    rng: random.Random,
    *,
    mode_id: str | None,
    exclude_modes: set[str],
    exclude_targets: set[tuple[str, str]],
) -> Binding | None:
    mode_uses = Counter(m for s in history for m in s.modes())
    target_uses = Counter((f.target.kind.value, f.target.id) for s in history for f in s.failures)
    ranked = sorted(targets, key=lambda t: (-t.score, t.kind.value, t.id))
    best: tuple[tuple[float, ...], Binding] | None = None
    for rank, target in enumerate(ranked):
        key_t = (target.kind.value, target.id)
        if key_t in exclude_targets:
            continue
        for mode in catalog.modes.values():
            if mode.id in exclude_modes or (mode_id is not None and mode.id != mode_id):
                continue
            binding = bind(mode, target, index)
            if binding is None:
                continue
            key = (mode_uses[mode.id], target_uses[key_t], rank, rng.random())
            if best is None or key < best[0]:
                best = (key, binding)
    return best[1] if best else None


def _parameters(binding: Binding, rng: random.Random, estate: Estate) -> dict[str, ParamValue]:
    params = binding.mode.defaults()
    datasets = estate.by_id("datasets")
    for name, value in params.items():
        if value == "auto" and name == "field":
            fields = [
                f.name
                for _, step in binding.steps
                for t in step.touchpoints
                for f in getattr(datasets.get(t.dataset), "fields", [])
            ]
            params[name] = rng.choice(sorted(set(fields))) if fields else "id"
    return params


def _failure(
    binding: Binding, n: int, start: int, rng: random.Random, estate: Estate
) -> BoundFailure:
    flow, step = rng.choice(binding.main_steps())
    cause = rng.choice(binding.mode.root_causes)
    return BoundFailure(
        id=f"f{n}",
        mode=binding.mode.id,
        target=TargetRef(kind=binding.target.kind, id=binding.target.id),
        step=f"{flow.id}/{step.id}",
        starts_at=start,
        parameters=_parameters(binding, rng, estate),
        root_cause=cause.locus,
        root_cause_detail=cause.description,
        reason=binding.target.reason,
    )


def _rotation(estate: Estate, binding: Binding) -> Rotation:
    uses = Counter(s.credential for f in binding.flows for s in f.steps if s.credential)
    if not uses:
        uses = Counter(s.credential for f in estate.flows for s in f.steps if s.credential)
    if not uses:
        raise InputError("a failure during a credential rotation needs a credential in the estate")
    credential = sorted(uses.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    return Rotation(
        credential=credential,
        started_at=0,
        note=f"{credential} is being rotated by its owner as part of the scheduled rotation",
    )


class _Script:
    """Accumulates injects with sequential ids."""

    def __init__(self) -> None:
        self.injects: list[Inject] = []
        self.conditional: list[ConditionalInject] = []
        self.noise: list[NoiseInject] = []

    def add(
        self,
        at: int,
        kind: InjectKind,
        sender: str,
        channel: str,
        message: str,
        monitor: str | None = None,
    ) -> None:
        self.injects.append(
            Inject(
                id=f"i{len(self.injects) + 1}",
                at=at,
                kind=kind,
                sender=sender,
                channel=channel,
                message=message,
                monitor=monitor,
            )
        )

    def when(
        self, condition: Condition, kind: InjectKind, sender: str, channel: str, message: str
    ) -> None:
        self.conditional.append(
            ConditionalInject(
                id=f"c{len(self.conditional) + 1}",
                condition=condition,
                kind=kind,
                sender=sender,
                channel=channel,
                message=message,
            )
        )


def generate_scenario(
    estate: Estate,
    catalog: Catalog,
    targets: Sequence[Target],
    *,
    seed: int,
    history: Sequence[Scenario] = (),
    compound: Compound = Compound.none,
    mode: str | None = None,
    duration_minutes: int = 90,
) -> Scenario:
    """A scenario for the highest-risk target, with the mode least used so far."""
    if mode is not None and catalog.get(mode) is None:
        raise InputError(f"unknown failure mode {mode!r}; see 'flowdrill catalog list'")
    rng = random.Random(seed)
    index = EstateIndex(estate)
    first = _pick(
        index,
        catalog,
        targets,
        history,
        rng,
        mode_id=mode,
        exclude_modes=set(),
        exclude_targets=set(),
    )
    if first is None:
        what = f"mode {mode!r}" if mode else "any failure mode"
        raise InputError(f"no target in the estate fits {what}")
    start = 5
    bindings = [first]
    failures = [_failure(first, 1, start, rng, estate)]
    rotation = None
    if compound is Compound.two_failures:
        second = _pick(
            index,
            catalog,
            targets,
            history,
            rng,
            mode_id=None,
            exclude_modes={first.mode.id},
            exclude_targets={(first.target.kind.value, first.target.id)},
        )
        if second is None:
            raise InputError("no second target and mode fit; generate a single failure instead")
        bindings.append(second)
        failures.append(_failure(second, 2, start + 15, rng, estate))
    elif compound is Compound.during_rotation:
        rotation = _rotation(estate, first)

    main_flow, main_step = next(
        (f, st) for f, st in first.steps if f"{f.id}/{st.id}" == failures[0].step
    )
    system = main_step.system or (main_step.trigger.system if main_step.trigger else None)
    names = {
        "target": _name(estate, first.target.kind, first.target.id),
        "system": _name(estate, TargetKind.system, system) if system else "the vendor",
        "platform": _name(estate, TargetKind.platform, main_flow.platform),
    }
    teams = estate.by_id("teams")
    people = estate.by_id("people")
    owner = teams.get(main_flow.owner_team or "")
    owner_name = owner.name if owner else "the business owner"
    chain = [p for p in (owner.escalation if owner else []) if p in people]
    exec_person = people[chain[-1]].name if chain else "An executive"
    oncall = people.get(owner.oncall) if owner and owner.oncall else None

    script = _Script()
    for binding, failure in zip(bindings, failures, strict=True):
        _signals(script, estate, binding, failure, names, owner_name)
    t0 = failures[0].starts_at
    incident_channel = f"#drill-{_slug(first.mode.id)}"
    script.add(
        t0 + 35,
        InjectKind.executive_question,
        exec_person,
        incident_channel,
        f"{exec_person} asks: what is the customer impact, and when will "
        f"{main_flow.business_process or main_flow.name} be back to normal?",
    )

    expected = _expected(first, failures, rotation, duration_minutes)
    containment = next(e for e in expected if e.phase is Phase.containment)
    script.when(
        Condition(when="not_done_by", action=containment.action, minute=t0 + 30),
        InjectKind.business_report,
        owner_name,
        "phone",
        f"{owner_name}: more records have been affected while {names['target']} kept "
        "running. How much longer?",
    )
    script.when(
        Condition(when="not_done_by", action=Action.escalate, minute=t0 + 40),
        InjectKind.executive_question,
        exec_person,
        "phone",
        f"{exec_person}: why am I hearing about this from a customer and not from "
        "the incident lead?",
    )
    script.when(
        Condition(when="after", action=Action.replay),
        InjectKind.status_update,
        owner_name,
        incident_channel,
        f"The replay is running. {owner_name} asks how you will know that no record "
        "was applied twice.",
    )
    if rotation is not None:
        script.when(
            Condition(when="after", action=Action.rotate_credential),
            InjectKind.status_update,
            "Platform monitoring",
            incident_channel,
            "Two more flows start failing with 401: they still hold the old secret.",
        )
    _noise(script, rng, estate, duration_minutes)

    day = rng.choice(START_TIMES)
    start_conditions = [f"It is {day}; business as usual until the first signal."]
    if main_flow.records_per_hour:
        start_conditions.append(
            f"{main_flow.name} normally moves about {main_flow.records_per_hour:g} records an hour."
        )
    if oncall is not None and owner is not None:
        start_conditions.append(f"{oncall.name} is on call for {owner.name}.")
    if rotation is not None:
        start_conditions.append(f"A credential rotation is in progress: {rotation.note}.")
    narrative = " ".join(
        [
            f"{estate.name}, {day}.",
            _fill(first.mode.narrative, names),
            *(
                _fill(b.mode.narrative, {"target": _name(estate, b.target.kind, b.target.id)})
                for b in bindings[1:]
            ),
        ]
    )
    title = f"{first.mode.name}: {names['target']}"
    if len(bindings) > 1:
        title += f" + {bindings[1].mode.name.lower()}"
    if rotation is not None:
        title += f", during rotation of {rotation.credential}"
    return Scenario(
        id=f"s{len(history) + 1:03d}-{_slug(first.mode.id)}",
        title=title,
        seed=seed,
        duration_minutes=duration_minutes,
        compound=compound,
        narrative=narrative,
        start_conditions=start_conditions,
        failures=failures,
        rotation=rotation,
        injects=sorted(script.injects, key=lambda i: (i.at, i.id)),
        conditional_injects=script.conditional,
        noise=script.noise,
        prompts=_prompts(estate, first, rotation),
        expected_actions=expected,
        success_criteria=_criteria(estate, bindings),
    )


def _slug(text: str) -> str:
    return text.replace("_", "-")


def _signals(
    script: _Script,
    estate: Estate,
    binding: Binding,
    failure: BoundFailure,
    names: dict[str, str],
    owner_name: str,
) -> None:
    """Alerts from monitors that watch the affected flows, reports, vendor notices."""
    t0 = failure.starts_at
    flows = {f.id for f in binding.flows}
    datasets = {t.dataset for _, s in binding.steps for t in s.touchpoints}
    fired = [
        m
        for m in estate.monitors
        if m.metric in binding.mode.signals.monitors and (m.flow in flows or m.dataset in datasets)
    ]
    for n, monitor in enumerate(fired[:4]):
        if monitor.alert_route is None:
            continue  # fires, but nobody hears it: the prompts ask about it
        script.add(
            t0 + 3 + 2 * n,
            InjectKind.alert,
            "monitoring",
            monitor.channel or "email",
            f"ALERT {monitor.name}: {monitor.metric.value} over threshold "
            f"{monitor.threshold:g} in the last {monitor.window_minutes} min",
            monitor=monitor.id,
        )
    if binding.mode.vendor_notice:
        script.add(
            t0 + 10,
            InjectKind.vendor_notice,
            "vendor",
            "email",
            _fill(binding.mode.vendor_notice, names),
        )
    for n, report in enumerate(binding.mode.signals.reports[:2]):
        script.add(
            t0 + 15 + 10 * n,
            REPORT_KINDS[report.source],
            _sender(report, owner_name),
            _report_channel(report),
            report.says,
        )


def _sender(report: Report, owner_name: str) -> str:
    return {"business": owner_name, "support": "Customer support", "customer": "A customer"}.get(
        report.source, report.source.capitalize()
    )


def _report_channel(report: Report) -> str:
    return {"customer": "support desk", "support": "support desk"}.get(report.source, "email")


def _noise(script: _Script, rng: random.Random, estate: Estate, duration: int) -> None:
    people = [p.name for p in estate.people] or ["A colleague"]
    for n, message in enumerate(rng.sample(NOISE, k=3)):
        script.noise.append(
            NoiseInject(
                id=f"n{n + 1}",
                at=rng.randint(5, max(6, duration // 2)),
                delay_minutes=rng.choice((0, 0, 5, 10)),
                sender=rng.choice(people),
                channel=rng.choice(("chat", "email", "phone")),
                message=message,
            )
        )
    script.noise.sort(key=lambda i: (i.at, i.id))


def _expected(
    first: Binding, failures: Sequence[BoundFailure], rotation: Rotation | None, duration: int
) -> list[ExpectedAction]:
    t0 = failures[0].starts_at
    flow_ref = TargetRef(kind=TargetKind.flow, id=first.flows[0].id)
    out = [
        ExpectedAction(
            phase=Phase.detection,
            action=Action.acknowledge,
            by_minute=t0 + 15,
            why="the first signal is acknowledged by its owner",
        ),
        ExpectedAction(
            phase=Phase.detection,
            action=Action.open_incident,
            by_minute=t0 + 20,
            why="one place for updates and decisions",
        ),
        ExpectedAction(
            phase=Phase.triage,
            action=Action.escalate,
            by_minute=t0 + 30,
            why="the escalation path of the owning team is followed",
        ),
        ExpectedAction(
            phase=Phase.triage,
            action=Action.notify,
            by_minute=t0 + 30,
            why="informed parties in the RACI hear it from the team",
        ),
    ]
    for option in first.mode.containment:
        target = (
            flow_ref if option.action in (Action.pause_flow, Action.rollback_connector) else None
        )
        out.append(
            ExpectedAction(
                phase=Phase.containment,
                action=option.action,
                target=target,
                by_minute=t0 + 45,
                why=option.description,
            )
        )
    if rotation is not None:
        out.append(
            ExpectedAction(
                phase=Phase.recovery,
                action=Action.rotate_credential,
                target=TargetRef(kind=TargetKind.credential, id=rotation.credential),
                why="finish or roll back the rotation so every consumer holds a valid secret",
            )
        )
    for option in first.mode.recovery:
        out.append(
            ExpectedAction(
                phase=Phase.recovery,
                action=option.action,
                by_minute=duration - 20,
                why=option.description,
            )
        )
    out.append(
        ExpectedAction(
            phase=Phase.review,
            action=Action.notify,
            why="stakeholders hear that the incident is closed and what follows",
        )
    )
    unique: dict[tuple[str, str, str], ExpectedAction] = {}
    for action in out:
        key = (action.phase.value, action.action.value, action.target.id if action.target else "")
        unique.setdefault(key, action)
    return list(unique.values())


def _prompts(estate: Estate, binding: Binding, rotation: Rotation | None) -> list[Prompt]:
    flow = binding.flows[0]
    datasets = sorted({t.dataset for _, s in binding.steps for t in s.touchpoints})
    data = ", ".join(datasets) or "the records it moves"
    gov = binding.mode.governance
    prompts = [
        Prompt(
            topic="data_lineage",
            phase=Phase.triage,
            question=f"Which systems and reports downstream of {data} have already consumed "
            "affected records, and how would you find out?",
        ),
        Prompt(
            topic="access_control",
            phase=Phase.containment,
            question=f"Who is allowed to pause {flow.name} or change its credentials, and "
            f"is that written down? ({gov.access_review})",
        ),
        Prompt(
            topic="audit_trail",
            phase=Phase.review,
            question="What evidence will show an auditor what was changed, by whom, when, "
            f"and who approved it? ({gov.approvals})",
        ),
        Prompt(
            topic="recovery",
            phase=Phase.recovery,
            question="How will you prove the business state is right again: which "
            "reconciliation, against which system of record?",
        ),
    ]
    if gov.sensitive_data != "none specific":
        prompts.append(
            Prompt(
                topic="access_control",
                phase=Phase.containment,
                question=f"Sensitive data: {gov.sensitive_data}. Who decides?",
            )
        )
    flows = {f.id for f in binding.flows}
    silent = [m for m in estate.monitors if m.alert_route is None and m.flow in flows]
    for monitor in silent:
        prompts.append(
            Prompt(
                topic="communication",
                phase=Phase.detection,
                question=f"Monitor {monitor.id} fired, but routes to nobody. Who "
                "should have heard it, and how?",
            )
        )
    if rotation is not None:
        prompts.append(
            Prompt(
                topic="access_control",
                phase=Phase.triage,
                question=f"Is the rotation of {rotation.credential} related? "
                "Who can tell, and who may pause it?",
            )
        )
    return prompts


def _criteria(estate: Estate, bindings: Sequence[Binding]) -> list[str]:
    out = ["The affected flow and failure mode are identified before the end of triage."]
    flow = bindings[0].flows[0]
    if flow.rto_minutes is not None:
        out.append(f"{flow.name} is back within its RTO of {flow.rto_minutes} minutes.")
    datasets = estate.by_id("datasets")
    seen: set[str] = set()
    for binding in bindings:
        for _, step in binding.steps:
            for touch in step.touchpoints:
                dataset = datasets.get(touch.dataset)
                for invariant in getattr(dataset, "invariants", [])[:2]:
                    if invariant.id not in seen and len(seen) < 4:
                        seen.add(invariant.id)
                        out.append(f"Invariant holds after recovery: {invariant.description}.")
    out.append("No record is lost or applied twice by the recovery (reconciliation signed off).")
    out.append("Every informed party in the RACI map hears about the incident from the team.")
    return out
