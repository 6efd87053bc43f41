"""The hash chain that makes the exercise log tamper-evident. Pure: no I/O.

Each event's hash is SHA-256 over the previous event's hash and the event's canonical content
(its JSON with sorted keys and no insignificant whitespace). Editing, deleting, reordering or
inserting an event breaks the chain at a place :func:`verify_chain` names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
HASHED_FIELDS = ("exercise_id", "seq", "type", "at", "recorded_at", "data")


def canonical(content: Mapping[str, Any]) -> bytes:
    """Deterministic bytes of an event's content: same content, same bytes, everywhere."""
    return json.dumps(
        {k: content[k] for k in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")


def chain_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical(content)).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain breaks, and the most likely tampering that explains it."""

    position: int  # 1-based position in the log as read
    seq: int | None
    what: str

    def __str__(self) -> str:
        at = f"event #{self.position}" + (f" (seq {self.seq})" if self.seq is not None else "")
        return f"{at}: {self.what}"


def verify_chain(events: Iterable[Mapping[str, Any]]) -> list[ChainProblem]:
    """Check sequence numbers, links and hashes; return every break found, in log order."""
    problems: list[ChainProblem] = []
    prev_hash, expected_seq = GENESIS, 1
    for position, event in enumerate(events, 1):
        seq = event.get("seq")
        if not isinstance(seq, int):
            problems.append(ChainProblem(position, None, "no sequence number"))
            continue
        if seq < expected_seq:
            problems.append(
                ChainProblem(
                    position, seq, f"out of order or inserted: expected seq {expected_seq}"
                )
            )
        elif seq > expected_seq:
            missing = f"{expected_seq}" if seq == expected_seq + 1 else f"{expected_seq}-{seq - 1}"
            problems.append(
                ChainProblem(position, seq, f"deleted: seq {missing} missing before it")
            )
        try:
            recomputed = chain_hash(str(event.get("prev_hash")), event)
        except (KeyError, TypeError, ValueError):
            problems.append(ChainProblem(position, seq, "malformed event: fields missing"))
            prev_hash, expected_seq = str(event.get("hash")), seq + 1
            continue
        if event.get("prev_hash") != prev_hash:
            problems.append(
                ChainProblem(position, seq, "link broken: prev_hash is not the previous event's")
            )
        if event.get("hash") != recomputed:
            problems.append(ChainProblem(position, seq, "edited: content does not match its hash"))
        prev_hash, expected_seq = str(event.get("hash")), max(seq, expected_seq - 1) + 1
    return problems
