"""Incoming-webhook channels: Slack (Block Kit), Microsoft Teams (Adaptive Card) and generic JSON.

The webhook URL is a secret (it is the credential): it is read when sending and never logged.
Payload builders are pure, so tests check them against the formats without a network.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from flowdrill.estate.model import NotificationChannel
from flowdrill.notify.channels import (
    DeliveryError,
    Message,
    SecretLookup,
    register,
    required_secret,
)

#: Slack limits a header block's text to 150 characters and a section's to 3000.
_SLACK_HEADER_MAX = 150
_SLACK_SECTION_MAX = 3000


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_payload(message: Message) -> dict[str, Any]:
    """Slack incoming-webhook payload: ``text`` (notification fallback) plus Block Kit blocks."""
    who = message.chat or message.party_name
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": _clip(message.subject, _SLACK_HEADER_MAX)},
        },
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": _clip(f"*To:* {who}\n{message.text}", _SLACK_SECTION_MAX),
            },
        },
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "text": f"Drill traffic: exercise {message.exercise_id}, "
                    f"escalation {message.escalation} step {message.step}. "
                    f"To acknowledge: {message.instructions}",
                }
            ],
        },
    ]
    if message.ack_url:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Acknowledge"},
                        "url": message.ack_url,
                        "style": "primary",
                    }
                ],
            }
        )
    return {"text": f"{message.subject}: {message.text}", "blocks": blocks}


def teams_payload(message: Message) -> dict[str, Any]:
    """Microsoft Teams incoming-webhook / Workflows payload: a message with an Adaptive Card."""
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": message.subject,
            "weight": "Bolder",
            "size": "Medium",
            "color": "Attention",
            "wrap": True,
        },
        {"type": "TextBlock", "text": f"To: {message.chat or message.party_name}", "wrap": True},
        {"type": "TextBlock", "text": message.text, "wrap": True},
        {
            "type": "FactSet",
            "facts": [
                {"title": "Exercise", "value": message.exercise_id},
                {"title": "Escalation", "value": f"{message.escalation}, step {message.step}"},
                {"title": "To acknowledge", "value": message.instructions},
            ],
        },
    ]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.ack_url:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Acknowledge", "url": message.ack_url}
        ]
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def generic_payload(message: Message) -> dict[str, Any]:
    """Plain JSON for any receiver (n8n, Node-RED, a pager bridge): every field, named."""
    return {
        "exercise": True,
        "exercise_id": message.exercise_id,
        "escalation": message.escalation,
        "step": message.step,
        "party": message.party,
        "subject": message.subject,
        "text": message.body(),
        "instructions": message.instructions,
        "ack_url": message.ack_url,
    }


_PAYLOADS = {"slack": slack_payload, "teams": teams_payload, "webhook": generic_payload}


class WebhookChannel:
    """POSTs one JSON payload per message to the channel's (secret) URL."""

    def __init__(self, config: NotificationChannel, secrets: SecretLookup, timeout: float) -> None:
        self.kind = config.kind.value
        self.config, self.secrets, self.timeout = config, secrets, timeout

    def send(self, message: Message) -> None:
        url = required_secret(self.config, self.secrets)
        if not url.startswith(("http://", "https://")):
            raise DeliveryError(f"the webhook secret of {self.config.id} is not an http(s) URL")
        payload = json.dumps(_PAYLOADS[self.kind](message)).encode("utf-8")
        request = urllib.request.Request(
            url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", **message.headers},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            raise DeliveryError(f"connection failed: {exc.reason}") from None
        except TimeoutError:
            raise DeliveryError(f"timed out after {self.timeout:g} s") from None
        except OSError as exc:
            raise DeliveryError(f"connection failed: {exc.strerror or exc}") from None


for _kind in _PAYLOADS:
    register(_kind)(WebhookChannel)
