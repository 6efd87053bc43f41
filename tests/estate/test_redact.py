"""Redaction: every known secret shape is masked, references and placeholders are kept."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from flowdrill.estate.redact import (
    REDACTED,
    TooDeep,
    is_placeholder,
    mask_emails,
    redact,
    redact_text,
)

# Fakes of real shapes, split so that scanners of this repository do not flag the file.
FAKES = {
    "OpenAI-style API key": "sk-" + "proj-" + "a1B2c3D4e5F6g7H8i9J0kLmNoPqRsT",
    "Slack token": "xox" + "b-1234567890-0987654321-AbCdEfGhIjKlMnOp",
    "GitHub token": "gh" + "p_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "Google API key": "AI" + "za" + "SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
    "AWS access key": "AK" + "IA" + "ABCDEFGHIJKLMNOP",
    "Stripe secret key": "sk" + "_live_" + "51H8abcdefghijklmnop",
    "Stripe webhook secret": "wh" + "sec_" + "abcdefghijklmnop1234",
    "Telegram bot token": "123456789:" + "AA" + "HfB1c2D3e4F5g6H7i8J9k0LmNoPqRsTuVw",
    "JWT": "ey" + "JhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "dozjgNryP4J3jVmNHl0w5N",
    "Slack webhook URL": "https://hooks.slack.com/services/" + "T000/B000/XXXXabcd1234",
    "Discord webhook URL": "https://discord.com/api/webhooks/" + "123456/abcDEF-123_x",
}


@pytest.mark.parametrize(("kind", "secret"), FAKES.items())
def test_known_token_formats_are_masked_anywhere(kind: str, secret: str) -> None:
    text, kinds = redact_text(f"see {secret} here")
    assert secret not in text and REDACTED in text
    assert kinds == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "https://user:s3cr3tpass@db.example.com/x",
        "https://api.example.com/v1?key=abc123def456&q=1",
        "https://api.example.com/v1?x=1&access_token=abc123def456",
        "Authorization: Bearer abcdef0123456789abcdef",
        "Basic dXNlcjpwYXNzd29yZDEyMzQ1Njc4",
        '{"api_key": "abcdef123456"}',
        "const password = 'hunter2hunter2';",
    ],
)
def test_secret_shapes_in_text(text: str) -> None:
    masked, kinds = redact_text(text)
    assert kinds and REDACTED in masked
    for piece in ("s3cr3tpass", "abc123def456", "abcdef0123456789", "dXNlcjpw", "hunter2"):
        assert piece not in masked


@pytest.mark.parametrize(
    "text",
    [
        "={{ $json.token }}",
        "Bearer YOUR_TOKEN",
        "Bearer <token>",
        "https://api.example.com/v1?api_key={{ $env.KEY }}",
        "https://api.example.com/v1?token=YOUR_API_KEY",
        "Basic LLM Chain",
        "Basic authentication is required",
        '"Authorization": "Basic " + btoa(user)',
        "sk-space-watchdog",
        "https://example.com/path?page=2",
    ],
)
def test_references_placeholders_and_prose_are_kept(text: str) -> None:
    assert redact_text(text) == (text, [])


def test_secret_named_keys_and_header_pairs() -> None:
    data: dict[str, Any] = {
        "parameters": {
            "password": "K094216422",
            "clientSecret": "abcd1234efgh",
            "token": "={{ $env.TOKEN }}",
            "secret": True,
            "headerParameters": {
                "parameters": [
                    {"name": "Authorization", "value": "Bearer qovpn_xzc_4RLs4CbZZsClbuXv"},
                    {"name": "x-api-key", "value": "your_api_key"},
                    {"name": "Accept", "value": "application/json"},
                ]
            },
            "queryParameters": {"parameters": [{"name": "key", "value": "9HOGN4XCX4MYR7FYMZD8"}]},
            "assignments": [{"name": "key", "value": "product_id"}],
        }
    }
    before = copy.deepcopy(data)
    cleaned, found = redact(data, location="nodes['HTTP']")
    assert data == before, "redaction must not modify its input"
    params = cleaned["parameters"]
    assert params["password"] == params["clientSecret"] == REDACTED
    assert params["token"] == "={{ $env.TOKEN }}" and params["secret"] is True
    headers = params["headerParameters"]["parameters"]
    assert headers[0]["value"] == REDACTED
    assert headers[1]["value"] == "your_api_key" and headers[2]["value"] == "application/json"
    assert params["queryParameters"]["parameters"][0]["value"] == REDACTED
    assert params["assignments"][0]["value"] == "product_id"
    locations = sorted(r.location for r in found)
    assert locations == [
        "nodes['HTTP'].parameters.clientSecret",
        "nodes['HTTP'].parameters.headerParameters.parameters[0].value",
        "nodes['HTTP'].parameters.password",
        "nodes['HTTP'].parameters.queryParameters.parameters[0].value",
    ]
    assert all("K094" not in r.kind and "qovpn" not in r.kind for r in found)


def test_dropped_keys_are_recorded_only_when_they_held_something() -> None:
    cleaned, found = redact(
        {"pinData": {"A": [{"json": {"x": 1}}]}, "staticData": None, "nodes": []},
        drop={"pinData": "pinned data", "staticData": "static data"},
    )
    assert cleaned == {"nodes": []}
    assert [(r.location, r.kind) for r in found] == [("pinData", "pinned data")]


def test_unchanged_data_is_returned_as_is() -> None:
    data = {"a": [1, "plain", {"b": None}]}
    cleaned, found = redact(data)
    assert cleaned is data and found == []


def test_depth_limit() -> None:
    deep: Any = "x"
    for _ in range(300):
        deep = [deep]
    with pytest.raises(TooDeep):
        redact(deep)


def test_emails_are_replaced_by_stable_tokens() -> None:
    text, had = mask_emails("Gmail (jane.doe@example.com), again jane.doe@example.com")
    assert had and "jane.doe" not in text
    assert text.count("[email:") == 2 and len(set(text.split()[1:])) >= 1
    assert mask_emails("no address @here") == ("no address @here", False)


@pytest.mark.parametrize("value", ["YOUR_TOKEN", "<api key>", "xxxx", "****", "", "Bearer  "])
def test_placeholders(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["K094216422", "qovpn_xzc_4RLs", "[PMYOTWGC]"])
def test_not_placeholders(value: str) -> None:
    assert not is_placeholder(value)
