from __future__ import annotations

import pytest

from flowdrill.notify.ack import AckClaim, InvalidToken, ack_url, make_token, verify_token

KEY = b"k" * 32
CLAIM = AckClaim("ex-1", "esc-2", "dev-anand", 2, 1000.0)


def test_a_token_round_trips() -> None:
    token = make_token(KEY, CLAIM)
    assert verify_token(KEY, token, now=1060.0) == CLAIM
    assert ack_url("http://h:8000/", token) == f"http://h:8000/ack/{token}"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: t.split(".")[0],
        lambda t: "",
    ],
)
def test_an_altered_token_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidToken):
        verify_token(KEY, tamper(make_token(KEY, CLAIM)), now=1000.0)


def test_another_key_or_an_old_token_is_refused() -> None:
    token = make_token(KEY, CLAIM)
    with pytest.raises(InvalidToken):
        verify_token(b"other", token, now=1000.0)
    with pytest.raises(InvalidToken, match="expired"):
        verify_token(KEY, token, now=1000.0 + 10, max_age=5)
