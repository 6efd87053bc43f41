"""Terminal facilitation: a prompt for the facilitator, with help and completion, while a
background clock delivers injects and alerts as they fall due.

Each command goes through the same :class:`~flowdrill.service.exercises.Drill` the web and the
autopilot use; this module only parses words and prints.
"""

from __future__ import annotations

import cmd
import shlex
import threading
from typing import Any

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from flowdrill.catalog.model import Action
from flowdrill.errors import FlowdrillError
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event
from flowdrill.exercise.metrics import compute
from flowdrill.notify.policy import open_escalations
from flowdrill.service.exercises import Drill
from flowdrill.service.live_board import execution_log
from flowdrill.service.notifications import DeliveryWorker, acknowledge
from flowdrill.service.reports import record_story

RATINGS = ("P", "S", "M", "U")


def describe(event: Event) -> str:
    """One line a person reads in the room."""
    match event:
        case ev.InjectDelivered():
            tag = "noise" if event.noise else event.kind
            return f"INJECT [{tag}] {event.sender} → #{event.channel}: {event.message}"
        case ev.RunbookStepStale():
            return f"STALE runbook step {event.step}: {event.why}"
        case ev.InjectHeld():
            return f"HELD inject {event.inject} (fire it with: inject {event.inject})"
        case ev.AlertRaised():
            return f"ALERT {event.alert}: {event.message}"
        case ev.AlertAcknowledged():
            return f"acknowledged {event.alert}"
        case ev.DecisionRecorded():
            return f"DECISION {event.decision}: {event.what} (because {event.rationale})"
        case ev.ApprovalRequested():
            return f"approval of {event.decision} requested from {event.approver_role}"
        case ev.ApprovalGiven():
            verdict = "approved" if event.approved else "refused"
            return f"{event.decision} {verdict} by {event.by or 'approver'}"
        case ev.ActionTaken():
            return f"ACTION {event.action.value} {event.target or ''} {event.detail}".rstrip()
        case ev.ImpactChanged():
            return f"IMPACT {event.state}: {event.detail}"
        case ev.PhaseAdvanced():
            return f"PHASE → {event.phase}"
        case ev.PhaseTimeboxExceeded():
            return f"TIME BOX exceeded in {event.phase} by {event.minutes_over:g} min"
        case ev.MessagePosted():
            return f"#{event.channel}: {event.text}"
        case ev.FlowIdentified():
            return f"identified {event.flow} as the affected flow"
        case ev.Escalated():
            return f"ESCALATED to {event.to}: {event.reason}"
        case ev.EscalationStepFired():
            who = ", ".join(event.notify)
            return f"PAGE {event.escalation} step {event.step} → {who} via {event.channel}"
        case ev.NotificationSent():
            how = "printed (dry run)" if event.dry_run else "delivered"
            return f"notification to {event.party} via {event.channel} {how}"
        case ev.NotificationFailed():
            return f"NOTIFICATION FAILED to {event.party} via {event.channel}: {event.error}"
        case ev.NotificationAcknowledged():
            return f"acknowledged {event.escalation} (step {event.step}, via {event.via})"
    return event.type.replace("_", " ")


class Facilitator(cmd.Cmd):
    """Commands typed at the drill prompt. `help` lists them; Tab completes."""

    intro = "Type help for commands, status for the board; Tab completes."
    prompt = "drill> "

    def __init__(self, drill: Drill, console: Console, *, stdin: Any = None) -> None:
        super().__init__(stdin=stdin)
        if stdin is not None:
            self.use_rawinput = False
        self.drill, self.console = drill, console
        self.lock = threading.RLock()
        self.stop = threading.Event()
        self._decisions = len(drill.state.decisions)
        self.sender: DeliveryWorker | None = None

    # ------------------------------------------------------------------ clock

    def tick(self) -> None:
        with self.lock:
            self.show(self.drill.advance(self.drill.now()))

    def run_clock(self, every: float = 1.0) -> threading.Thread:
        """Tick every ``every`` seconds; notifications go out on a worker of their own."""
        notifier = self.drill.notifier
        if notifier is not None and notifier.reaches_out and self.sender is None:
            self.sender = DeliveryWorker(notifier, self.record)

        def loop() -> None:
            while not self.stop.wait(every):
                try:
                    self.tick()
                except FlowdrillError as exc:
                    self.console.print(f"[red]clock: {exc}[/red]")

        thread = threading.Thread(target=loop, name="drill-clock", daemon=True)
        thread.start()
        return thread

    def record(self, outcomes: list[Event]) -> None:
        with self.lock:
            self.show(self.drill.record(outcomes))

    def close(self) -> None:
        """Stop the clock, then let queued notifications finish (bounded by their timeout)."""
        self.stop.set()
        if self.sender is not None:
            self.sender.close()

    def show(self, events: list[Event]) -> None:
        for event in events:
            line = escape(describe(event))
            self.console.print(f"[dim]T+{event.at:5.1f}[/dim] {line}", highlight=False)

    def submit(self, command: Event) -> None:
        with self.lock:
            try:
                self.show(self.drill.submit(command))
            except FlowdrillError as exc:
                self.console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)

    def at(self) -> float:
        return max(self.drill.now(), self.drill.state.last_at)

    # ------------------------------------------------------------------ commands

    def emptyline(self) -> bool:
        self.tick()
        return False

    def default(self, line: str) -> None:
        self.console.print(f"[red]unknown command {line.split()[0]!r}; type help[/red]")

    def do_status(self, _: str) -> None:
        """status: the board: clock, phase and time box, alerts, decisions, timers."""
        with self.lock:
            self.tick()
            state = self.drill.state
            metrics = compute(self.drill.events)
        now = self.at()
        box = state.timebox()
        table = Table(title=f"{self.drill.plan.title} — {state.status}", show_header=False)
        table.add_row("clock", f"T+{now:.1f} min (speed ×{state.speed:g})")
        used = state.phase_minutes(now)
        table.add_row("phase", f"{state.phase}: {used:.1f} of {box} min" if box else "-")
        open_alerts = [a.id for a in state.alerts.values() if a.acknowledged_at is None]
        table.add_row(
            "alerts", f"{len(state.alerts)} raised; open: {', '.join(open_alerts) or '-'}"
        )
        table.add_row("decisions", str(len(state.decisions)))
        for name in ("time_to_detect", "time_to_acknowledge", "time_to_contain", "time_to_recover"):
            value = getattr(metrics, name)
            table.add_row(name.replace("_", " "), "-" if value is None else f"{value:g} min")
        self.console.print(table)

    def do_pause(self, _: str) -> None:
        """pause: stop the exercise clock."""
        import time

        self.submit(ev.Paused(at=self.at(), wall=time.time()))

    def do_resume(self, _: str) -> None:
        """resume: restart the exercise clock."""
        import time

        self.submit(ev.Resumed(at=self.at(), wall=time.time()))

    def do_phase(self, arg: str) -> None:
        """phase [NAME]: advance to the next phase, or to NAME."""
        names = [p.phase for p in self.drill.state.phases]
        index = self.drill.state.phase_index + 1
        target = arg.strip() or (names[index] if index < len(names) else "")
        self.submit(ev.PhaseAdvanced(at=self.at(), phase=target))

    def complete_phase(self, text: str, *_: Any) -> list[str]:
        return [p.phase for p in self.drill.state.phases if p.phase.startswith(text)]

    def do_inject(self, arg: str) -> None:
        """inject ID | inject CHANNEL TEXT...: fire a scripted inject now, or an ad-hoc one."""
        words = shlex.split(arg)
        scripted = {i.id: i for i in self.drill.scenario.injects}
        if len(words) == 1 and words[0] in scripted:
            i = scripted[words[0]]
            self.submit(
                ev.InjectDelivered(
                    at=self.at(),
                    inject=i.id,
                    kind=i.kind.value,
                    channel=i.channel,
                    sender=i.sender,
                    message=i.message,
                )
            )
        elif len(words) >= 2:
            n = sum(isinstance(e, ev.InjectDelivered) for e in self.drill.events) + 1
            self.submit(
                ev.InjectDelivered(
                    at=self.at(),
                    inject=f"adhoc-{n}",
                    kind="status_update",
                    channel=words[0],
                    sender="facilitator",
                    message=" ".join(words[1:]),
                )
            )
        else:
            self.console.print("usage: inject ID | inject CHANNEL TEXT...")

    def do_hold(self, arg: str) -> None:
        """hold ID: keep a scripted inject back until you fire it with `inject ID`."""
        self.submit(ev.InjectHeld(at=self.at(), inject=arg.strip()))

    def complete_hold(self, text: str, *_: Any) -> list[str]:
        return self.complete_inject(text)

    def complete_inject(self, text: str, *_: Any) -> list[str]:
        return [i.id for i in self.drill.scenario.injects if i.id.startswith(text)]

    def do_say(self, arg: str) -> None:
        """say CHANNEL TEXT...: post a message to a channel."""
        words = shlex.split(arg)
        if len(words) < 2:
            self.console.print("usage: say CHANNEL TEXT...")
            return
        self.submit(ev.MessagePosted(at=self.at(), channel=words[0], text=" ".join(words[1:])))

    def do_decide(self, arg: str) -> None:
        """decide "WHAT" "RATIONALE" [approver=ROLE] [inject=ID]: record a decision."""
        words = shlex.split(arg)
        options = dict(w.split("=", 1) for w in words if "=" in w)
        plain = [w for w in words if "=" not in w]
        if len(plain) < 2:
            self.console.print('usage: decide "WHAT" "RATIONALE" [approver=ROLE] [inject=ID]')
            return
        self._decisions += 1
        decision = f"d{self._decisions}"
        self.submit(
            ev.DecisionRecorded(
                at=self.at(),
                decision=decision,
                what=plain[0],
                rationale=plain[1],
                inject=options.get("inject"),
            )
        )
        if "approver" in options:
            self.submit(
                ev.ApprovalRequested(
                    at=self.at(), decision=decision, approver_role=options["approver"]
                )
            )

    def do_approve(self, arg: str) -> None:
        """approve DECISION [no]: give (or refuse) a requested approval."""
        words = arg.split()
        if not words:
            self.console.print("usage: approve DECISION [no]")
            return
        self.submit(
            ev.ApprovalGiven(at=self.at(), decision=words[0], approved=words[1:2] != ["no"])
        )

    def do_act(self, arg: str) -> None:
        """act ACTION [TARGET] [key=value...] [decision=ID]: apply an action to the estate."""
        words = shlex.split(arg)
        if not words or words[0] not in {a.value for a in Action}:
            self.console.print(
                f"usage: act ACTION [TARGET]; actions: {', '.join(a.value for a in Action)}"
            )
            return
        options = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        target = next((w for w in words[1:] if "=" not in w), None)
        decision = options.pop("decision", None)
        self.submit(
            ev.ActionTaken(
                at=self.at(),
                action=Action(words[0]),
                target=target,
                options=options,
                decision=decision,
            )
        )

    def complete_act(self, text: str, line: str, *_: Any) -> list[str]:
        if len(line.split()) <= 1 or (len(line.split()) == 2 and not line.endswith(" ")):
            return [a.value for a in Action if a.value.startswith(text)]
        estate = self.drill.ws.estate
        ids = [x.id for c in ("flows", "datasets", "credentials") for x in getattr(estate, c)]
        return [i for i in ids if i.startswith(text)]

    def do_ack(self, arg: str) -> None:
        """ack ALERT | ack ESCALATION [WHO]: acknowledge an alert, or a notification (which
        stops that escalation's timer)."""
        words = arg.split()
        if words and words[0] in {r.id for r in open_escalations(self.drill.events)}:
            who = words[1] if len(words) > 1 else None
            with self.lock:
                try:
                    self.show(acknowledge(self.drill, words[0], by=who))
                except FlowdrillError as exc:
                    self.console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
            return
        self.submit(ev.AlertAcknowledged(at=self.at(), alert=arg.strip()))

    def complete_ack(self, text: str, *_: Any) -> list[str]:
        escalations = [r.id for r in open_escalations(self.drill.events)]
        return [a for a in [*self.drill.state.alerts, *escalations] if a.startswith(text)]

    def do_identify(self, arg: str) -> None:
        """identify FLOW: name the flow you think is affected (stops the detect timer if right)."""
        flow = arg.strip()
        self.submit(
            ev.FlowIdentified(at=self.at(), flow=flow, correct=flow in self.drill.affected_flows())
        )

    def complete_identify(self, text: str, *_: Any) -> list[str]:
        return [f.id for f in self.drill.ws.estate.flows if f.id.startswith(text)]

    def do_runs(self, arg: str) -> None:
        """runs FLOW [error|partial|success]: the flow's execution log, newest first, as its
        platform would list it (runs per minute, errors logged)."""
        words = arg.split()
        if not words:
            self.console.print("usage: runs FLOW [error|partial|success]")
            return
        with self.lock:
            self.tick()
            try:
                log = execution_log(self.drill, words[0], words[1] if len(words) > 1 else None, 20)
            except FlowdrillError as exc:
                self.console.print(f"[red]{escape(str(exc))}[/red]", highlight=False)
                return
        table = Table(title=f"{log.flow_name} ({log.flow}): newest runs")
        for column in ("minute", "status", "runs", "failed", "dead-lettered", "errors logged"):
            table.add_column(column)
        for run in log.runs:
            errors = "; ".join(f"{e['step']}: {e['message']} ×{e['count']}" for e in run.errors)
            table.add_row(
                f"T{run.at:+d}" + (f" ({run.minutes} min)" if run.minutes > 1 else ""),
                run.status,
                str(run.executions),
                str(run.failed),
                str(run.parked),
                escape(errors) or "-",
            )
        self.console.print(table if log.runs else "no runs yet")

    complete_runs = complete_identify

    def do_story(self, _: str) -> None:
        """story: the first record the fault hit, traced end to end (for the facilitator: it
        names the cause, so keep it off the shared screen)."""
        with self.lock:
            self.tick()
            story = record_story(self.drill.sim)
        if story is None:
            self.console.print("no record has met the fault yet")
            return
        table = Table(title=f"Record {story.record} of {story.flow_name} ({story.flow})")
        for column in ("time", "what happened", "detail"):
            table.add_column(column)
        for step in story.steps:
            table.add_row(f"T{step.at:+g}", step.event, escape(step.detail) or "-")
        self.console.print(table)

    def do_escalate(self, arg: str) -> None:
        """escalate TO [REASON...]: escalate to a role, team or person."""
        words = shlex.split(arg)
        if not words:
            self.console.print("usage: escalate TO [REASON...]")
            return
        self.submit(ev.Escalated(at=self.at(), to=words[0], reason=" ".join(words[1:])))

    def do_observe(self, arg: str) -> None:
        """observe TASK P|S|M|U [NOTES...]: the evaluator rates a critical task."""
        words = shlex.split(arg)
        if len(words) < 2 or words[1] not in RATINGS:
            self.console.print("usage: observe TASK P|S|M|U [NOTES...]")
            return
        self.submit(
            ev.ObservationRecorded(
                at=self.at(),
                task=words[0],
                rating=words[1],
                notes=" ".join(words[2:]),
            )
        )

    def complete_observe(self, text: str, *_: Any) -> list[str]:
        tasks = [t.id for o in self.drill.plan.objectives for t in o.critical_tasks]
        return [t for t in tasks if t.startswith(text)]

    def do_nearmiss(self, arg: str) -> None:
        """nearmiss TEXT...: record a near miss."""
        self.submit(ev.NearMissRecorded(at=self.at(), what=arg.strip()))

    def do_end(self, arg: str) -> bool:
        """end [REASON...]: end the exercise and leave."""
        self.submit(ev.Ended(at=self.at(), reason=arg.strip() or "completed"))
        self.stop.set()
        return True

    def do_quit(self, _: str) -> bool:
        """quit: leave without ending; `flowdrill run --resume ID` continues later."""
        self.stop.set()
        return True

    do_EOF = do_quit

    # ------------------------------------------------------------------ live terminal

    def toolbar(self) -> str:
        """The live line under the prompt: clock, phase and time box, alerts, timers."""
        state = self.drill.state
        now = self.at()
        box = state.timebox()
        used = state.phase_minutes(now)
        over = " OVER" if box is not None and used > box else ""
        open_alerts = sum(1 for a in state.alerts.values() if a.acknowledged_at is None)
        waiting = sum(
            1 for d in state.decisions.values() if d.approval_needed_from and d.approved is None
        )
        return (
            f" T+{now:5.1f} {state.status} | {state.phase or '-'} {used:.0f}/{box or '-'} min{over}"
            f" | alerts open {open_alerts}/{len(state.alerts)} | decisions {len(state.decisions)}"
            f" ({waiting} awaiting approval) | Tab completes, help lists commands"
        )

    def interact(self) -> None:
        """A prompt with history, Tab completion and a live status line, on a terminal;
        plain line-by-line input otherwise (pipes, tests)."""
        import sys

        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            self.cmdloop()
            return
        from prompt_toolkit import PromptSession
        from prompt_toolkit.patch_stdout import patch_stdout

        session: PromptSession[str] = PromptSession(
            completer=_CmdCompleter(self), bottom_toolbar=self.toolbar, refresh_interval=1.0
        )
        self.console.print(self.intro)
        with patch_stdout(raw=True):
            while True:
                try:
                    line = session.prompt(self.prompt)
                except KeyboardInterrupt:
                    continue
                except EOFError:
                    line = "quit"
                if self.onecmd(self.precmd(line)):
                    break


class _CmdCompleter(Completer):
    """Feeds prompt_toolkit the same completions ``cmd.Cmd`` would give."""

    def __init__(self, shell: Facilitator) -> None:
        self.shell = shell

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Any:
        line = document.text_before_cursor
        words = line.split()
        text = "" if not words or line.endswith(" ") else words[-1]
        if len(words) <= 1 and not line.endswith(" "):
            options = self.shell.completenames(text)
        else:
            method = getattr(self.shell, f"complete_{words[0]}", None)
            begin = len(line) - len(text)
            options = method(text, line, begin, len(line)) if method else []
        for option in options:
            yield Completion(option.rstrip(), start_position=-len(text))
