"""Drill notifications: alerts start escalation policies, due steps are delivered (or printed in
dry-run), acknowledgements stop the timer. Every outcome is an event in the exercise log.

The :class:`Notifier` is attached to each :class:`~flowdrill.service.exercises.Drill`; what is
due comes from the pure ``notify.policy``; sending is the channels' business. Secrets are read
when sending and never reach an event: events name parties and channels, never addresses.
"""

from __future__ import annotations

import logging
import queue
import secrets as _random
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TextIO

from flowdrill.config import Settings, get_settings
from flowdrill.errors import InputError
from flowdrill.estate.model import AckMethod, Estate, NotificationChannel, Person, Team
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event
from flowdrill.notify import policy
from flowdrill.notify.ack import AckClaim, ack_url, make_token, verify_token
from flowdrill.notify.channels import Channel, DeliveryError, Message, build
from flowdrill.notify.delivery import DryRunChannel, Outcome, deliver
from flowdrill.notify.secrets import Secrets

if TYPE_CHECKING:
    from flowdrill.service.exercises import Drill
    from flowdrill.service.workspace import Workspace

_PROCESS_KEY = _random.token_bytes(32)
#: The only events the escalation policies read (see ``notify.policy``).
ESCALATION_EVENTS = (ev.AlertRaised, ev.EscalationStepFired, ev.NotificationAcknowledged)
AckVia = Literal["link", "web", "terminal", "autopilot"]


class NotAcknowledgeable(InputError):
    """No such escalation, or it was already acknowledged."""

    http_status = 409


def ack_key(settings: Settings | None = None) -> bytes:
    """The key signing acknowledgement links (FLOWDRILL_ACK_SECRET, else one per process)."""
    secret = (settings or get_settings()).ack_secret
    return secret.get_secret_value().encode("utf-8") if secret else _PROCESS_KEY


@dataclass(frozen=True)
class Pending:
    """A message for one party of one escalation step, not sent yet."""

    fired: ev.EscalationStepFired
    message: Message


@dataclass(frozen=True)
class Responder:
    """Stands in for people in unattended drills: whoever is paged at ``step`` acknowledges
    ``after`` minutes later (so the demo shows step 1 going unanswered and the escalation)."""

    step: int = 2
    after: float = 2.0


class Notifier:
    """Turns due escalation steps into deliveries and logged outcomes; never raises on a
    failed delivery."""

    def __init__(
        self,
        estate: Estate,
        exercise_id: str,
        *,
        mode: str,
        secrets: Secrets | None,
        settings: Settings,
        out: TextIO | None = None,
        sleep: Callable[[float], None] = time.sleep,
        secrets_error: str = "",
    ) -> None:
        self.estate, self.exercise_id, self.mode = estate, exercise_id, mode
        self.secrets, self.settings, self.sleep = secrets, settings, sleep
        self.out = out if out is not None else sys.stdout
        self.secrets_error = secrets_error
        self.responder: Responder | None = None
        self.channels: dict[str, NotificationChannel] = estate.by_id("notification_channels")
        self.parties: dict[str, Team | Person] = {
            **estate.by_id("teams"),
            **estate.by_id("people"),
        }
        self.policies = estate.by_id("escalation_policies")
        #: Custom channels by estate channel id (tests, plugins built elsewhere).
        self.overrides: dict[str, Channel] = {}
        #: Where sends wait for a :class:`DeliveryWorker`; None: send at once.
        self.queue: queue.Queue[Pending | None] | None = None
        self._read = 0  # how much of the drill's log _escalation_events has looked at
        self._escalation: list[Event] = []

    @property
    def reaches_out(self) -> bool:
        """Whether sends go over the network (and so may be slow): only then do live drills
        hand them to a :class:`DeliveryWorker`; dry runs stay in step with the clock."""
        return self.mode == "send"

    # ------------------------------------------------------------------ reacting

    def react(self, events: Sequence[Event], last_at: float, at: float) -> list[Event]:
        """Acknowledgements the responder makes, then the steps due by ``at``, delivered."""
        events = self._escalation_events(events)
        produced: list[Event] = []
        if self.responder is not None:
            for ack in policy.responder_acks(
                self.estate, events, at, answer_step=self.responder.step, after=self.responder.after
            ):
                stamped = ack.model_copy(update={"at": max(ack.at, last_at)})
                produced.append(stamped)
                last_at = stamped.at
        for fired in policy.due(self.estate, [*events, *produced], at):
            stamped_step = fired.model_copy(update={"at": max(fired.at, last_at)})
            last_at = stamped_step.at
            produced.append(stamped_step)
            produced += self._deliver(stamped_step, [*events, *produced])
        return produced

    def _escalation_events(self, log: Sequence[Event]) -> list[Event]:
        """The events escalation state depends on, gathered as the log grows: a drill's log
        grows by thousands of messages, and re-reading it all on every command made each
        command slower than the last."""
        if len(log) < self._read:  # another log: start again
            self._read, self._escalation = 0, []
        self._escalation += [e for e in log[self._read :] if isinstance(e, ESCALATION_EVENTS)]
        self._read = len(log)
        return self._escalation

    def _deliver(self, fired: ev.EscalationStepFired, events: Sequence[Event]) -> list[Event]:
        """Send to each party now, or queue the sends for the worker when one is attached."""
        alert = next(
            (e for e in events if isinstance(e, ev.AlertRaised) and e.alert == fired.alert), None
        )
        pending = [Pending(fired, self.message(fired, party, alert)) for party in fired.notify]
        if self.queue is not None:
            for item in pending:
                self.queue.put(item)
            return []
        return [self.send(item) for item in pending]

    def send(self, item: Pending) -> Event:
        """Deliver one message (with retries); the outcome as an event stamped at the step."""
        fired, party = item.fired, item.message.party
        config = self.channels.get(fired.channel)
        outcome = self._send(config, item.message)
        common = {
            "at": fired.at,
            "notification": f"{fired.escalation}#{fired.step}/{party}",
            "escalation": fired.escalation,
            "step": fired.step,
            "party": party,
            "channel": fired.channel,
            "kind": config.kind.value if config else "unknown",
            "attempts": outcome.attempts,
            "by": "flowdrill",
        }
        if outcome.ok:
            return ev.NotificationSent(
                **common,
                dry_run=self.mode == "dry-run",
                text=f"{item.message.subject}: {item.message.text}",
            )
        return ev.NotificationFailed(**common, error=outcome.error)

    def _send(self, config: NotificationChannel | None, message: Message) -> Outcome:
        if config is None:
            return Outcome(False, 0, "no such notification channel in the estate")
        if self.mode == "dry-run":
            return deliver(
                DryRunChannel(config.kind.value, config.id, self.out), message, retries=0, backoff=0
            )
        if self.secrets is None:
            return Outcome(False, 0, self.secrets_error or "channel secrets are not available")
        names = [c.secret_name for c in self.channels.values() if c.secret_name]
        try:
            channel = self.overrides.get(config.id) or build(
                config, self.secrets, timeout=self.settings.notify_timeout_seconds
            )
        except DeliveryError as exc:
            return Outcome(False, 0, str(exc))
        return deliver(
            channel,
            message,
            retries=self.settings.notify_retries,
            backoff=self.settings.notify_backoff_seconds,
            secrets=self.secrets.known(names),
            sleep=self.sleep,
        )

    # ------------------------------------------------------------------ messages

    def message(
        self, fired: ev.EscalationStepFired, party: str, alert: ev.AlertRaised | None
    ) -> Message:
        """What one party is told at one step (marked as exercise traffic by the channel)."""
        who = self.parties.get(party)
        found = self.policies.get(fired.policy)
        steps = len(found.steps) if found else fired.step
        spec = found.steps[fired.step - 1] if found and fired.step <= steps else None
        flows = self.estate.by_id("flows")
        flow = flows[fired.flow].name if fired.flow in flows else fired.flow
        what = f"Alert on {flow}" if flow else "Alert"
        detail = f"{alert.message} " if alert else ""
        text = (
            f"{detail}Escalation {fired.escalation}, step {fired.step} of {steps} ({fired.reason})."
        )
        method = spec.acknowledge if spec else AckMethod.any
        url = None
        if method in (AckMethod.any, AckMethod.link):
            claim = AckClaim(self.exercise_id, fired.escalation, party, fired.step, time.time())
            url = ack_url(self.settings.ack_base_url, make_token(ack_key(self.settings), claim))
        how = {
            AckMethod.any: f"open the link, or tell the facilitator: ack {fired.escalation}",
            AckMethod.link: "open the acknowledgement link",
            AckMethod.web: "acknowledge in the flowdrill web console",
            AckMethod.terminal: f"tell the facilitator: ack {fired.escalation}",
        }[method]
        return Message(
            exercise_id=self.exercise_id,
            escalation=fired.escalation,
            step=fired.step,
            party=party,
            party_name=who.name if who else party,
            title=f"{what}: escalation step {fired.step}",
            text=text,
            instructions=(spec.instructions if spec and spec.instructions else how),
            ack_url=url,
            email=who.email if who else None,
            chat=who.chat if who else None,
        )


def notifier_for(
    ws: Workspace, exercise_id: str, *, settings: Settings | None = None
) -> Notifier | None:
    """The drill's notifier, or ``None`` when the estate has no escalation policy or
    notifications are off."""
    settings = settings or get_settings()
    if settings.notify == "off" or not ws.estate.escalation_policies:
        return None
    # The bundled demo's people and addresses are fictional: it only ever rehearses.
    mode = "dry-run" if ws.bundled else settings.notify
    store: Secrets | None = None
    problem = ""
    if mode == "send":
        try:
            store = Secrets(file=settings.secrets_file, workspace=ws.root)
        except InputError as exc:
            problem = str(exc)
    return Notifier(
        ws.estate,
        exercise_id,
        mode=mode,
        secrets=store,
        settings=settings,
        secrets_error=problem,
    )


class DeliveryWorker:
    """Sends a live drill's notifications on a thread of their own, so a slow or unreachable
    channel (up to retries x timeout) never holds up the drill's clock or participants'
    commands; ``log`` records each outcome as soon as it is known."""

    def __init__(self, notifier: Notifier, log: Callable[[list[Event]], None]) -> None:
        self.notifier, self.log = notifier, log
        self.queue: queue.Queue[Pending | None] = queue.Queue()
        notifier.queue = self.queue
        self._thread = threading.Thread(target=self._run, name="flowdrill-notify", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self.queue.get()) is not None:
            try:
                self.log([self.notifier.send(item)])
            except Exception as exc:  # noqa: BLE001 - the drill was closed under it
                logging.getLogger("flowdrill.notify").warning("outcome not logged: %s", exc)
            finally:
                self.queue.task_done()
        self.queue.task_done()

    def drain(self) -> None:
        """Wait until everything queued so far has been sent and logged."""
        self.queue.join()

    def close(self) -> None:
        """Send what is queued, then stop; wait at most one send timeout for that (a daemon
        thread: what is still queued at exit is lost, and the log shows the step unanswered)."""
        self.notifier.queue = None
        self.queue.put(None)
        self._thread.join(self.notifier.settings.notify_timeout_seconds)


# --------------------------------------------------------------------------- acknowledging


def acknowledge(
    drill: Drill,
    escalation: str,
    *,
    by: str | None = None,
    via: AckVia = "terminal",
    at: float | None = None,
) -> list[Event]:
    """Record an acknowledgement; the escalation's timer stops."""
    runs = policy.fold(drill.events)
    run = runs.get(escalation)
    if run is None:
        known = ", ".join(r.id for r in runs.values() if r.open) or "none open"
        raise NotAcknowledgeable(f"no escalation {escalation!r}; open: {known}")
    if not run.open:
        raise NotAcknowledgeable(f"escalation {escalation!r} was already acknowledged")
    when = max(drill.now() if at is None else at, drill.state.last_at)
    return drill.submit(
        ev.NotificationAcknowledged(at=when, escalation=escalation, step=run.step, by=by, via=via)
    )


def acknowledge_link(drill: Drill, token: str, *, now: float | None = None) -> list[Event]:
    """Acknowledge through a signed link (what the web UI's ``/ack/<token>`` calls)."""
    claim = verify_token(ack_key(), token, now=time.time() if now is None else now)
    if claim.exercise_id != drill.exercise_id:
        raise NotAcknowledgeable("this link belongs to another exercise")
    return acknowledge(drill, claim.escalation, by=claim.party, via="link")
