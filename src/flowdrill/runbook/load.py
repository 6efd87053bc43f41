"""Markdown runbooks: structured YAML front matter (the runbook) above free prose.

A workspace keeps them in ``runbooks/*.md``; they join the estate's own ``runbooks:``. The
front matter is validated like an estate file, and problems name the Markdown file's own line
and column. The only module of ``runbook`` that reads files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from flowdrill.errors import InvalidFiles, Problem
from flowdrill.estate.model import Runbook
from flowdrill.yamlfile import MAX_FILE_BYTES, parse_yaml, validate_document

FENCE = "---"


def parse_markdown_runbook(text: str, file: str) -> Runbook:
    """The runbook in ``text``'s front matter; line numbers are the Markdown file's."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != FENCE:
        raise InvalidFiles(
            [
                Problem(
                    file,
                    1,
                    1,
                    "",
                    "a Markdown runbook starts with '---' and "
                    "YAML front matter, closed by another '---'",
                )
            ]
        )
    end = next((n for n in range(1, len(lines)) if lines[n].strip() == FENCE), None)
    if end is None:
        raise InvalidFiles([Problem(file, 1, 1, "", "front matter is not closed by '---'")])
    # The opening fence becomes an empty line, so YAML line numbers are the file's.
    doc, problems = parse_yaml("\n".join(["", *lines[1:end]]) + "\n", file)
    if problems:
        raise InvalidFiles(problems)
    if not isinstance(doc.data, dict):
        raise InvalidFiles([Problem(file, 2, 1, "", "front matter must be a mapping")])
    return validate_document(doc, Runbook)


def load_markdown_runbooks(
    paths: Sequence[Path], *, relative_to: Path | None = None, max_bytes: int = MAX_FILE_BYTES
) -> list[Runbook]:
    """Every runbook of ``paths`` (files or folders of ``*.md``); all problems at once."""
    files = [f for p in paths for f in (sorted(p.glob("*.md")) if p.is_dir() else [p])]
    runbooks: list[Runbook] = []
    problems: list[Problem] = []
    for path in files:
        name = str(path.relative_to(relative_to)) if relative_to else str(path)
        try:
            if path.stat().st_size > max_bytes:
                problems.append(Problem(name, None, None, "", f"over the {max_bytes:,}-byte limit"))
                continue
            runbooks.append(parse_markdown_runbook(path.read_text(encoding="utf-8"), name))
        except InvalidFiles as exc:
            problems.extend(exc.problems)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(name, None, None, "", f"cannot read: {exc}"))
    if problems:
        raise InvalidFiles(problems)
    return runbooks
