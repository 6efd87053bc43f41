"""The hash chain detects any edit, deletion, reordering or insertion, and says where."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flowdrill.store.audit import GENESIS, chain_hash, verify_chain

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def make_log(datas: list[Any]) -> list[dict[str, Any]]:
    log, prev = [], GENESIS
    for seq, data in enumerate(datas, 1):
        event = {
            "exercise_id": "ex",
            "seq": seq,
            "type": "message_posted",
            "at": float(seq),
            "recorded_at": f"2026-11-29T10:00:{seq % 60:02d}+00:00",
            "data": {"v": data},
        }
        event["prev_hash"], event["hash"] = prev, chain_hash(prev, event)
        prev = event["hash"]
        log.append(event)
    return log


logs = st.lists(json_values, min_size=2, max_size=12).map(make_log)


@given(logs)
def test_an_untouched_log_verifies(log: list[dict[str, Any]]) -> None:
    assert verify_chain(log) == []


@given(logs, st.data())
def test_an_edit_is_found_at_its_event(log: list[dict[str, Any]], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(log) - 1))
    field = data.draw(st.sampled_from(["type", "at", "data", "recorded_at"]))
    log[i] = {**log[i], field: {"edited": True} if field == "data" else "tampered"}
    problems = verify_chain(log)
    assert problems and problems[0].seq == i + 1
    assert "edited" in problems[0].what


@given(logs, st.data())
def test_a_deletion_is_found(log: list[dict[str, Any]], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(log) - 1))
    removed = log.pop(i)
    problems = verify_chain(log)
    if i == len(log):  # the last event: nothing after it can tell, the count can
        assert problems == [] and removed["seq"] == len(log) + 1
    else:
        assert problems[0].position == i + 1
        assert "deleted" in problems[0].what


@given(logs, st.data())
def test_a_swap_is_found(log: list[dict[str, Any]], data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(log) - 2))
    log[i], log[i + 1] = log[i + 1], log[i]
    problems = verify_chain(log)
    assert problems and problems[0].position == i + 1


def test_an_insertion_with_a_recomputed_hash_is_found() -> None:
    log = make_log(["a", "b", "c"])
    forged = {**log[1], "data": {"v": "forged"}}
    forged["hash"] = chain_hash(forged["prev_hash"], forged)
    log.insert(2, forged)
    problems = verify_chain(log)
    assert [p.position for p in problems][:1] == [3]
    assert "out of order or inserted" in problems[0].what
