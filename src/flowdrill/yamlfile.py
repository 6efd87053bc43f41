"""YAML that remembers where each value came from, so errors can name a line and column.

Used for every hand-written file flowdrill reads (estate, scenarios, runbooks, catalog).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from flowdrill.errors import InvalidFiles, Problem

T = TypeVar("T", bound=BaseModel)

DocPath = tuple[str | int, ...]
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

MAX_DEPTH = 64
MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class Located:
    """Parsed YAML data plus the (line, column) of every mapping entry and list item."""

    file: str
    data: Any
    positions: dict[DocPath, tuple[int, int]] = field(default_factory=dict)
    key_positions: dict[DocPath, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: DocPath, *, at_key: bool = False) -> tuple[int | None, int | None]:
        """Position of ``path`` (its key, if asked), or of its nearest ancestor that has one."""
        if at_key and path in self.key_positions:
            return self.key_positions[path]
        for n in range(len(path), -1, -1):
            if path[:n] in self.positions:
                return self.positions[path[:n]]
        return None, None

    def problem(self, path: DocPath, message: str, *, at_key: bool = False) -> Problem:
        line, column = self.where(path, at_key=at_key)
        return Problem(self.file, line, column, format_path(path), message)


def format_path(path: Iterable[str | int]) -> str:
    """``('flows', 3, 'steps', 0)`` -> ``flows[3].steps[0]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _Builder:
    def __init__(self, loc: Located, loader: Any) -> None:
        self.loc = loc
        self.loader = loader
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, path: DocPath) -> Any:
        self.loc.positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if len(path) > MAX_DEPTH:
            self.problems.append(self.loc.problem(path, f"nested deeper than {MAX_DEPTH} levels"))
            return None
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            out: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, str | int | float | bool):
                    self.problems.append(self.loc.problem(path, "mapping keys must be plain text"))
                    continue
                key = str(key)
                if key in out:
                    line = key_node.start_mark.line + 1
                    self.problems.append(
                        Problem(
                            self.loc.file,
                            line,
                            key_node.start_mark.column + 1,
                            format_path((*path, key)),
                            f"key {key!r} appears twice in the same mapping",
                        )
                    )
                    continue
                mark = key_node.start_mark
                self.loc.key_positions[(*path, key)] = (mark.line + 1, mark.column + 1)
                out[key] = self.build(value_node, (*path, key))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


def parse_yaml(text: str, file: str) -> tuple[Located, list[Problem]]:
    """Parse one YAML document. Syntax errors become problems, never exceptions."""
    loc = Located(file, None)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return loc, []
        builder = _Builder(loc, loader)
        loc.data = builder.build(node, ())
        return loc, builder.problems
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
        what = exc.problem or exc.context or "invalid YAML"
        if "expected a single document" in str(exc):
            what = "expected a single YAML document, found several (remove the extra '---')"
        return loc, [Problem(file, line, column, "", f"YAML syntax error: {what}")]
    except (yaml.YAMLError, ValueError) as exc:
        return loc, [Problem(file, None, None, "", f"YAML error: {exc}")]
    finally:
        loader.dispose()


def describe_error(error: Any) -> str:
    """A pydantic error as a sentence for people who write YAML, not Python."""
    kind, msg = str(error["type"]), str(error["msg"])
    if kind == "missing":
        return f"missing required field {error['loc'][-1]!r}"
    if kind == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r}"
    if kind.startswith("value_error"):
        return msg.removeprefix("Value error, ")
    got = error.get("input")
    if isinstance(got, dict | list):
        return f"wrong type: {msg[0].lower()}{msg[1:]}"
    return f"wrong type or value: {msg[0].lower()}{msg[1:]} (got {got!r})"


def data_path(data: Any, loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's tagged-union labels from ``loc`` so it follows the document."""
    out: list[str | int] = []
    for n, part in enumerate(loc):
        last = n == len(loc) - 1
        if isinstance(data, dict) and part not in data and not last:
            continue
        out.append(part)
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            data = None
    return tuple(out)


def validate_document(doc: Located, model: type[T]) -> T:
    """Validate a whole parsed document against a pydantic model; raise with every problem."""
    try:
        return model.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as exc:
        problems = [
            doc.problem(
                data_path(doc.data, tuple(e["loc"])),
                describe_error(e),
                at_key=e["type"] == "extra_forbidden",
            )
            for e in exc.errors()
        ]
        raise InvalidFiles(problems) from None


def read_yaml_file(
    path: Path, *, name: str | None = None, max_bytes: int = MAX_FILE_BYTES
) -> tuple[Located, list[Problem]]:
    """Read and parse one file; unreadable, oversized or malformed files become problems."""
    name = name or str(path)

    def fail(message: str) -> tuple[Located, list[Problem]]:
        return Located(name, None), [Problem(name, None, None, "", message)]

    try:
        size = path.stat().st_size
        if size > max_bytes:
            return fail(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return fail("no such file or folder")
    except UnicodeDecodeError as exc:
        return fail(f"not UTF-8 text ({exc.reason})")
    except OSError as exc:
        return fail(f"cannot read: {exc.strerror}")
    return parse_yaml(text, name)


def load_document(path: Path, model: type[T], *, max_bytes: int = MAX_FILE_BYTES) -> T:
    """Read, parse and validate one YAML file (catalog entries, scenarios, runbooks ...)."""
    doc, problems = read_yaml_file(path, max_bytes=max_bytes)
    if problems:
        raise InvalidFiles(problems)
    return validate_document(doc, model)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
