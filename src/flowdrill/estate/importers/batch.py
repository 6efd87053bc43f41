"""Read a batch of export files and import each one, so one bad file never sinks the batch.

This is the only importer module that touches files. Each failure becomes one line that names
the file and says what is wrong; the parsers stay pure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowdrill.errors import InputError
from flowdrill.estate.importers import make, n8n, nodered
from flowdrill.estate.importers.errors import UnreadableExport
from flowdrill.estate.importers.result import ImportedWorkflow
from flowdrill.estate.model import PlatformKind
from flowdrill.estate.redact import MAX_DEPTH

MAX_BYTES = 20 * 1024 * 1024
SUFFIX = ".json"

#: ``json`` error messages, said the way a user reads them.
_JSON_MESSAGES = {
    "Extra data": "extra data after the first document",
    "Expecting value": "expected a value",
    "Unterminated string starting at": "a string is not closed",
    "Expecting property name enclosed in double quotes": "expected a property name in double "
    "quotes (trailing comma?)",
    "Expecting ',' delimiter": "expected ',' between items",
    "Expecting ':' delimiter": "expected ':' after a property name",
    "Invalid control character at": "a control character inside a string",
    "Invalid \\escape": "an invalid backslash escape",
}

Parser = Callable[..., list[ImportedWorkflow]]


def _one(parse: Callable[..., ImportedWorkflow]) -> Parser:
    return lambda data, *, file, sha256: [parse(data, file=file, sha256=sha256)]


PARSERS: dict[PlatformKind, Parser] = {
    PlatformKind.n8n: _one(n8n.parse_workflow),
    PlatformKind.nodered: nodered.parse_flows,
    PlatformKind.make: _one(make.parse_blueprint),
}


@dataclass(frozen=True)
class FileFailure:
    """One file that could not be imported, and why, in one line."""

    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class BatchResult:
    files: list[str] = field(default_factory=list)
    workflows: list[ImportedWorkflow] = field(default_factory=list)
    failures: list[FileFailure] = field(default_factory=list)


def collect_files(paths: Sequence[Path]) -> tuple[list[Path], list[FileFailure]]:
    """Files given, plus every ``*.json`` under folders given (sorted, each once)."""
    found: list[Path] = []
    failures: list[FileFailure] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob(f"*{SUFFIX}") if p.is_file())
            if not inside:
                failures.append(FileFailure(str(path), f"no {SUFFIX} files in this folder"))
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            failures.append(FileFailure(str(path), "no such file or folder"))
    return list(dict.fromkeys(found)), failures


def decode_json(raw: bytes) -> Any:
    """Parse one JSON document from bytes, or raise :class:`UnreadableExport` saying why.

    Nesting beyond what the parser's stack allows is refused here; the tighter limit
    (``MAX_DEPTH``) is enforced by the importers' redaction walk, which visits everything anyway.
    """
    if not raw.strip():
        raise UnreadableExport("empty file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableExport(f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        message = _JSON_MESSAGES.get(exc.msg, exc.msg[:1].lower() + exc.msg[1:])
        hint = " (several JSON documents in one file?)" if exc.msg == "Extra data" else ""
        raise UnreadableExport(
            f"not valid JSON: {message} at line {exc.lineno} column {exc.colno}{hint}"
        ) from None
    except RecursionError:
        raise UnreadableExport(f"JSON nested deeper than {MAX_DEPTH} levels") from None
    return data


def read_export(path: Path, *, max_bytes: int = MAX_BYTES) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise UnreadableExport(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableExport(f"cannot read: {exc.strerror or exc}") from None


def import_file(
    kind: PlatformKind,
    path: Path,
    *,
    max_bytes: int = MAX_BYTES,
) -> list[ImportedWorkflow]:
    """Read, decode and parse one export; raise an :class:`InputError` saying what is wrong."""
    raw = read_export(path, max_bytes=max_bytes)
    data = decode_json(raw)
    sha256 = hashlib.sha256(raw).hexdigest()
    return PARSERS[kind](data, file=path.name, sha256=sha256)


def import_files(
    kind: PlatformKind,
    paths: Iterable[Path],
    *,
    max_bytes: int = MAX_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """Import every file; a bad file is a :class:`FileFailure`, never the end of the batch."""
    files, failures = collect_files(list(paths))
    result = BatchResult(files=[str(p) for p in files], failures=failures)
    for done, path in enumerate(files, 1):
        try:
            result.workflows.extend(import_file(kind, path, max_bytes=max_bytes))
        except InputError as exc:
            result.failures.append(FileFailure(str(path), str(exc)))
        if progress is not None:
            progress(done, len(files))
    return result
