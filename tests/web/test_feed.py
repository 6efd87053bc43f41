"""The feed encodes each event's stream frame once, whatever the number of streams, and keeps
a bounded number of them."""

from __future__ import annotations

from typing import Any

import pytest

from flowdrill.store.eventlog import StoredEvent
from flowdrill.web import feed as feed_module
from flowdrill.web.feed import Feed


def _event(seq: int) -> StoredEvent:
    return StoredEvent("ex-1", seq, "message_posted", 1.0, "now", {"text": f"m{seq}"}, "", "")


def test_a_frame_is_encoded_once_for_every_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feed_module, "FRAMES_KEPT", 3)
    feed = Feed(live=None, max_age=1.0)  # type: ignore[arg-type]
    encoded: list[tuple[int, bool]] = []

    def encode(html: bool) -> Any:
        def run(item: StoredEvent) -> str:
            encoded.append((item.seq, html))
            return f"{'html' if html else 'data'} {item.seq}"

        return run

    frames = [feed.frame(_event(1), False, encode(False)) for _ in range(100)]
    assert frames == ["data 1"] * 100 and encoded == [(1, False)]
    assert feed.frame(_event(1), True, encode(True)) == "html 1"  # pages get their own frame
    for seq in (2, 3, 4):
        feed.frame(_event(seq), False, encode(False))
    feed.frame(_event(1), False, encode(False))  # the oldest was let go: encoded again
    assert encoded.count((1, False)) == 2
