"""The channel plugin interface: a channel turns a :class:`Message` into a delivery, or raises
:class:`DeliveryError`. New channels register a factory for their kind; nothing else changes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from flowdrill.estate.model import NotificationChannel
from flowdrill.notify.policy import EXERCISE_HEADER, EXERCISE_PREFIX


@dataclass(frozen=True)
class Message:
    """One drill notification to one party, already marked as exercise traffic."""

    exercise_id: str
    escalation: str
    step: int
    party: str
    party_name: str
    title: str  # without the prefix
    text: str
    instructions: str
    ack_url: str | None = None
    email: str | None = None
    chat: str | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return f"{EXERCISE_PREFIX} {self.title}"

    @property
    def headers(self) -> dict[str, str]:
        return {EXERCISE_HEADER: self.exercise_id}

    def body(self) -> str:
        """Plain text, the same on every channel: marked, addressed, with how to acknowledge."""
        lines = [
            f"{EXERCISE_PREFIX} This is a drill (exercise {self.exercise_id}), not a real "
            "incident.",
            "",
            f"To: {self.party_name}" + (f" ({self.chat})" if self.chat else ""),
            self.text,
            "",
            f"To acknowledge: {self.instructions}",
        ]
        if self.ack_url:
            lines.append(f"Acknowledge: {self.ack_url}")
        return "\n".join(lines)


class DeliveryError(Exception):
    """A delivery that did not happen; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class Channel(Protocol):
    """What every channel implements."""

    kind: str

    def send(self, message: Message) -> None: ...


#: Resolves a secret by name (``None`` when unset); channels ask for theirs when they send.
SecretLookup = Callable[[str], str | None]
ChannelFactory = Callable[[NotificationChannel, SecretLookup, float], Channel]

_REGISTRY: dict[str, ChannelFactory] = {}
BUILTIN = ("flowdrill.notify.webhook", "flowdrill.notify.email", "flowdrill.notify.inapp")


def register(kind: str) -> Callable[[ChannelFactory], ChannelFactory]:
    """Decorator: make ``factory(config, secrets, timeout)`` the channel of ``kind``."""

    def add(factory: ChannelFactory) -> ChannelFactory:
        _REGISTRY[kind] = factory
        return factory

    return add


def build(config: NotificationChannel, secrets: SecretLookup, *, timeout: float) -> Channel:
    """The channel for an estate's channel entry (the built-in kinds load on first use)."""
    for module in BUILTIN:
        importlib.import_module(module)
    factory = _REGISTRY.get(config.kind.value)
    if factory is None:
        raise DeliveryError(f"no channel plugin for kind {config.kind.value!r}", retryable=False)
    return factory(config, secrets, timeout)


def required_secret(config: NotificationChannel, secrets: SecretLookup) -> str:
    if not config.secret_name:
        raise DeliveryError(f"channel {config.id} names no secret_name", retryable=False)
    value = secrets(config.secret_name)
    if not value:
        raise DeliveryError(
            f"secret {config.secret_name!r} of channel {config.id} is not set "
            "(environment FLOWDRILL_SECRET_<NAME> or the secrets file)",
            retryable=False,
        )
    return value
