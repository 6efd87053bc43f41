"""Webhook channels against a real HTTP server on 127.0.0.1: Slack and Teams formats, the
exercise header, retries with backoff on 5xx, a refused port and a timeout."""

from __future__ import annotations

from flowdrill.estate.model import ChannelKind, NotificationChannel
from flowdrill.notify.channels import Message, build
from flowdrill.notify.delivery import backoff_delays, deliver
from tests.notify.servers import free_port, webhook_server

MESSAGE = Message(
    exercise_id="ex-1",
    escalation="esc-1",
    step=1,
    party="dev-anand",
    party_name="Dev Anand",
    title="Alert on order intake: escalation step 1",
    text="12% of orders failed.",
    instructions="press Acknowledge",
    ack_url="http://127.0.0.1:8000/ack/tok.sig",
    chat="@dev",
)


def channel(kind: str, url: str, timeout: float = 5.0):  # type: ignore[no-untyped-def]
    config = NotificationChannel(id=f"c-{kind}", kind=ChannelKind(kind), secret_name="hook")
    return build(config, {"hook": url}.get, timeout=timeout)


def test_slack_blocks_and_text() -> None:
    with webhook_server() as hook:
        outcome = deliver(channel("slack", hook.url), MESSAGE, retries=0, backoff=0)
    assert outcome.ok and outcome.attempts == 1
    (got,) = hook.received
    assert got.headers["X-Flowdrill-Exercise"] == "ex-1"
    assert got.headers["Content-Type"] == "application/json"
    body = got.body
    assert body["text"].startswith("[EXERCISE] ")
    blocks = body["blocks"]
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["type"] == "plain_text"
    assert blocks[0]["text"]["text"].startswith("[EXERCISE]")
    assert len(blocks[0]["text"]["text"]) <= 150
    assert blocks[1]["type"] == "section" and blocks[1]["text"]["type"] == "mrkdwn"
    assert "@dev" in blocks[1]["text"]["text"]
    button = blocks[-1]["elements"][0]
    assert blocks[-1]["type"] == "actions" and button["type"] == "button"
    assert button["url"] == MESSAGE.ack_url
    assert all(b["type"] in {"header", "section", "context", "actions"} for b in blocks)


def test_teams_adaptive_card() -> None:
    with webhook_server() as hook:
        assert deliver(channel("teams", hook.url), MESSAGE, retries=0, backoff=0).ok
    body = hook.received[0].body
    assert body["type"] == "message"
    (attachment,) = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["$schema"] == "http://adaptivecards.io/schemas/adaptive-card.json"
    assert card["body"][0]["type"] == "TextBlock"
    assert card["body"][0]["text"].startswith("[EXERCISE]")
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Acknowledge", "url": MESSAGE.ack_url}
    ]
    assert hook.received[0].headers["X-Flowdrill-Exercise"] == "ex-1"


def test_generic_json() -> None:
    with webhook_server() as hook:
        assert deliver(channel("webhook", hook.url), MESSAGE, retries=0, backoff=0).ok
    body = hook.received[0].body
    assert body["exercise"] is True and body["subject"].startswith("[EXERCISE]")
    assert "not a real incident" in body["text"]


def test_retries_a_failing_receiver_with_backoff() -> None:
    waits: list[float] = []
    with webhook_server(statuses=[500, 503]) as hook:
        outcome = deliver(
            channel("slack", hook.url), MESSAGE, retries=3, backoff=0.01, sleep=waits.append
        )
    assert outcome.ok and outcome.attempts == 3
    assert len(hook.received) == 3
    assert waits == [0.01, 0.02]


def test_a_4xx_that_persists_is_reported_not_raised() -> None:
    with webhook_server(statuses=[404] * 10) as hook:
        outcome = deliver(
            channel("teams", hook.url), MESSAGE, retries=2, backoff=0, sleep=lambda _: None
        )
    assert not outcome.ok and outcome.attempts == 3 and "HTTP 404" in outcome.error
    assert "secretpart" not in outcome.error  # the URL is the secret


def test_a_refused_connection_is_retried_then_reported() -> None:
    url = f"http://127.0.0.1:{free_port()}/hook-secret"
    outcome = deliver(
        channel("slack", url), MESSAGE, retries=2, backoff=0, sleep=lambda _: None,
        secrets=[url],
    )  # fmt: skip
    assert not outcome.ok and outcome.attempts == 3
    assert "refused" in outcome.error.lower() and url not in outcome.error


def test_a_timeout_is_reported() -> None:
    with webhook_server(delay=1.0) as hook:
        outcome = deliver(channel("webhook", hook.url, timeout=0.2), MESSAGE, retries=0, backoff=0)
    assert not outcome.ok and "timed out" in outcome.error


def test_a_missing_secret_is_not_retried() -> None:
    config = NotificationChannel(id="c", kind=ChannelKind.slack, secret_name="unset")
    outcome = deliver(build(config, {}.get, timeout=1), MESSAGE, retries=5, backoff=0)
    assert not outcome.ok and outcome.attempts == 1 and "not set" in outcome.error


def test_backoff_is_exponential_and_bounded() -> None:
    assert backoff_delays(4, 1.0) == [1.0, 2.0, 4.0, 8.0]
    assert max(backoff_delays(10, 10.0)) == 30.0
