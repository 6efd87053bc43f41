"""Delivery with bounded retries and exponential backoff. Every failure becomes an
:class:`Outcome` (reported in the timeline and the report); nothing is raised into the drill.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TextIO

from flowdrill.notify.channels import Channel, DeliveryError, Message

#: No single wait between attempts is longer than this, whatever the settings say.
MAX_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True)
class Outcome:
    ok: bool
    attempts: int
    error: str = ""


def backoff_delays(retries: int, base: float) -> list[float]:
    """Waits before each retry: base, 2×base, 4×base ..., each capped."""
    return [min(base * 2**i, MAX_BACKOFF_SECONDS) for i in range(max(0, retries))]


def redact(text: str, secrets: Iterable[str]) -> str:
    """Belt and braces: a secret that slipped into an error message never reaches the log."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[secret]")
    return text


def deliver(
    channel: Channel,
    message: Message,
    *,
    retries: int,
    backoff: float,
    secrets: Iterable[str] = (),
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Send, retrying retryable failures ``retries`` times with exponential backoff."""
    delays = backoff_delays(retries, backoff)
    attempts = 0
    while True:
        attempts += 1
        try:
            channel.send(message)
            return Outcome(True, attempts)
        except DeliveryError as exc:
            error, retryable = str(exc), exc.retryable
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not break the drill
            error, retryable = f"{type(exc).__name__}: {exc}", False
        if not retryable or attempts > len(delays):
            return Outcome(False, attempts, redact(error, list(secrets)))
        sleep(delays[attempts - 1])


class DryRunChannel:
    """Prints what would be sent, instead of sending: rehearse the sequence without traffic."""

    def __init__(self, kind: str, channel_id: str, out: TextIO) -> None:
        self.kind, self.channel_id, self.out = kind, channel_id, out

    def send(self, message: Message) -> None:
        to = message.email if self.kind == "email" else message.chat
        address = f" <{to}>" if to else ""
        ack = f"; ack: {message.ack_url}" if message.ack_url else ""
        self.out.write(
            f"[dry-run] {self.kind} {self.channel_id} → {message.party_name}{address}: "
            f"{message.subject} (step {message.step}; {message.instructions}{ack})\n"
        )
        self.out.flush()
