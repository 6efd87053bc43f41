"""Markdown runbooks: front matter validated with the Markdown file's own lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowdrill.errors import InvalidFiles
from flowdrill.runbook.load import load_markdown_runbooks, parse_markdown_runbook

GOOD = """---
id: rb-md
title: From Markdown
version: "4"
steps:
  - {title: Pause, role: eng, action: pause_flow, target: f}
---
# Prose for people
"""


def test_front_matter_becomes_a_runbook() -> None:
    runbook = parse_markdown_runbook(GOOD, "rb.md")
    assert (runbook.id, runbook.ref, runbook.steps[0].action) == ("rb-md", "rb-md@4", "pause_flow")


def test_errors_name_the_markdown_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(GOOD.replace("role: eng", "rol: eng"), encoding="utf-8")
    (tmp_path / "b.md").write_text("# no front matter\n", encoding="utf-8")
    with pytest.raises(InvalidFiles) as caught:
        load_markdown_runbooks([tmp_path], relative_to=tmp_path)
    messages = [str(p) for p in caught.value.problems]
    assert messages[0].startswith("a.md:6:")
    assert "unknown field 'rol'" in messages[0]
    assert messages[1].startswith("b.md:1:1")


def test_unclosed_front_matter_is_an_error() -> None:
    with pytest.raises(InvalidFiles, match="1 problem"):
        parse_markdown_runbook("---\nid: x\n", "x.md")
