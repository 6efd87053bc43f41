"""Columnar record storage: the ledger of produced records and the rows written to datasets.

A record is one business event entering a flow (an order, a payment). Its identity is a global
id (``gid``, creation order) and a stable ``key`` (flow index and per-flow sequence), from which
every random decision about it is derived by hashing, so a record's fate does not depend on
what else happened in the run. Nothing here is one Python object per record.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[Any]

MASK64 = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_C1 = 0xBF58476D1CE4E5B9
_C2 = 0x94D049BB133111EB


class Status(IntEnum):
    """Where a produced record is. Conservation: every record is in exactly one of these."""

    held = 0  # queued at the source or platform (paused, throttled, delayed, outage)
    delivered = 1
    failed = 2  # execution failed; lost unless replayed from the failed executions
    parked = 3  # dead-letter queue: in flight, can be replayed
    dropped = 4  # silently lost (no error anywhere)
    quarantined = 5


class Flag(IntEnum):
    """Bits describing what is wrong with a record's payload."""

    null = 1  # a field is missing or empty
    bad = 2  # a value is wrong (mapping, format, type)
    shape = 4  # the payload shape differs from the expected schema


def salt_of(seed: int, purpose: int) -> int:
    """Combine the run seed and a decision's purpose into one 64-bit salt."""
    return ((seed & MASK64) * 0x100000001B3 + purpose * _GOLDEN) & MASK64


def step_salt(seed: int, position: int, purpose: int) -> int:
    """The salt of one decision (``purpose``) at one step position of a flow."""
    return salt_of(seed, (position * 8 + purpose) % 64) ^ (position << 40)


def uniform(keys: Arr, salt: int) -> Arr:
    """Uniform [0, 1) numbers derived from ``keys`` (uint64) by SplitMix64: stateless, so a
    record's fate is the same whatever else the run does."""
    z = keys.astype(np.uint64) + np.uint64(salt)  # a fresh array: the steps work in place
    z ^= z >> np.uint64(30)
    z *= np.uint64(_C1)
    z ^= z >> np.uint64(27)
    z *= np.uint64(_C2)
    z ^= z >> np.uint64(31)
    z >>= np.uint64(11)
    out = z.astype(np.float64)
    out *= 1.0 / (1 << 53)
    return out


def uniform_one(key: int, salt: int) -> float:
    """The scalar twin of :func:`uniform` (reference models use it record by record)."""
    z = (key + salt) & MASK64
    z = ((z ^ (z >> 30)) * _C1) & MASK64
    z = ((z ^ (z >> 27)) * _C2) & MASK64
    z = z ^ (z >> 31)
    return (z >> 11) * (1.0 / (1 << 53))


def record_key(flow: Arr, seq: Arr) -> Arr:
    return (flow.astype(np.uint64) << np.uint64(32)) | seq.astype(np.uint64)


class Ledger:
    """Every produced record, as growable columns indexed by gid."""

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        self.flow = np.zeros(capacity, np.int32)
        self.seq = np.zeros(capacity, np.int64)
        self.born = np.zeros(capacity, np.int32)
        self.status = np.zeros(capacity, np.int8)

    def _grow(self, need: int) -> None:
        cap = len(self.flow)
        if need <= cap:
            return
        new = max(need, cap * 2)
        for name in ("flow", "seq", "born", "status"):
            old = getattr(self, name)
            grown = np.zeros(new, old.dtype)
            grown[: self.size] = old[: self.size]
            setattr(self, name, grown)

    def add(self, flow: Arr, seq: Arr, born: int) -> Arr:
        """Append records; return their gids."""
        n = len(flow)
        self._grow(self.size + n)
        new = slice(self.size, self.size + n)
        self.flow[new] = flow
        self.seq[new] = seq
        self.born[new] = born
        self.status[new] = Status.held
        self.size += n
        return np.arange(new.start, new.stop, dtype=np.int64)

    def keys(self, gids: Arr) -> Arr:
        return record_key(self.flow[gids], self.seq[gids])

    def counts(self) -> dict[str, int]:
        found = np.bincount(self.status[: self.size], minlength=len(Status))
        return {s.name: int(found[s]) for s in Status}


class RowStore:
    """Rows written to datasets: columns ``ds``, ``gid``, ``flags``, ``t``, ``flow``.

    Appends go to chunks; bulk edits (quarantine, repair, upsert) compact first. Rows of
    webhook-flood calls that carry no real record use negative gids.
    """

    COLUMNS = (("ds", np.int32), ("gid", np.int64), ("flags", np.uint8), ("t", np.int32))

    def __init__(self) -> None:
        self._chunks: list[tuple[Arr, Arr, Arr, Arr]] = []
        self.rows = 0

    def append(self, ds: Arr, gid: Arr, flags: Arr, t: int) -> None:
        if len(gid):
            self._chunks.append(
                (
                    ds.astype(np.int32),
                    gid.astype(np.int64),
                    flags.astype(np.uint8),
                    np.full(len(gid), t, np.int32),
                )
            )
            self.rows += len(gid)

    def columns(self) -> tuple[Arr, Arr, Arr, Arr]:
        """All rows (compacted into one chunk)."""
        if not self._chunks:
            empty = tuple(np.zeros(0, dtype) for _, dtype in self.COLUMNS)
            return empty[0], empty[1], empty[2], empty[3]
        if len(self._chunks) > 1:
            merged = tuple(np.concatenate([c[i] for c in self._chunks]) for i in range(4))
            self._chunks = [(merged[0], merged[1], merged[2], merged[3])]
        return self._chunks[0]

    def replace(self, ds: Arr, gid: Arr, flags: Arr, t: Arr) -> None:
        self._chunks = [(ds, gid, flags, t)] if len(gid) else []
        self.rows = len(gid)

    def take(self, mask: Arr) -> tuple[Arr, Arr, Arr, Arr]:
        """Remove and return the rows selected by ``mask`` (over :meth:`columns`)."""
        ds, gid, flags, t = self.columns()
        out = (ds[mask], gid[mask], flags[mask], t[mask])
        keep = ~mask
        self.replace(ds[keep], gid[keep], flags[keep], t[keep])
        return out
