"""The in-app channel: the message is the log's ``notification_sent`` event (kind ``inapp``),
which the web UI lists as each party's inbox. Sending is therefore only a check.
"""

from __future__ import annotations

from collections.abc import Sequence

from flowdrill.estate.model import NotificationChannel
from flowdrill.exercise import events as ev
from flowdrill.exercise.events import Event
from flowdrill.notify.channels import Message, SecretLookup, register


class InAppChannel:
    kind = "inapp"

    def send(self, message: Message) -> None:
        """Nothing leaves the process: the notifier logs the event the web UI reads."""


def inbox(events: Sequence[Event], party: str) -> list[ev.NotificationSent]:
    """In-app messages for a party (the web UI's view of this channel), oldest first."""
    return [
        e
        for e in events
        if isinstance(e, ev.NotificationSent) and e.kind == "inapp" and e.party == party
    ]


@register("inapp")
def _inapp(config: NotificationChannel, secrets: SecretLookup, timeout: float) -> InAppChannel:
    return InAppChannel()
