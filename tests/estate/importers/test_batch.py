"""Reading batches of files: limits, one clear line per bad file, the rest still imported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from flowdrill.estate.importers.batch import decode_json, import_file, import_files
from flowdrill.estate.importers.errors import UnreadableExport
from flowdrill.estate.model import PlatformKind

from .corpus import N8N_MALFORMED, N8N_VALID


def test_each_malformed_corpus_file_gets_one_line_naming_what_is_wrong() -> None:
    result = import_files(PlatformKind.n8n, N8N_MALFORMED)
    assert result.workflows == []
    assert len(result.failures) == len(N8N_MALFORMED) == 16
    for failure in result.failures:
        line = str(failure)
        assert "\n" not in line
        assert line.startswith(failure.file) and Path(failure.file).name in line
        if Path(failure.file).name.startswith("eM"):
            assert "not valid JSON: extra data after the first document at line" in line
        else:
            assert 'keys look like quoted JSON fragments ("\\"' in line


def test_a_bad_file_does_not_stop_the_batch(tmp_path: Path) -> None:
    shutil.copy(N8N_VALID[0], tmp_path / "good.json")
    shutil.copy(N8N_MALFORMED[0], tmp_path / "bad.json")
    (tmp_path / "nested").mkdir()
    shutil.copy(N8N_VALID[1], tmp_path / "nested" / "also-good.json")
    (tmp_path / "notes.txt").write_text("not json")
    done: list[tuple[int, int]] = []
    result = import_files(PlatformKind.n8n, [tmp_path], progress=lambda d, t: done.append((d, t)))
    assert len(result.workflows) == 2 and len(result.failures) == 1
    assert done[-1] == (3, 3)


def test_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = import_files(PlatformKind.n8n, [tmp_path / "nope.json", tmp_path / "empty"])
    messages = sorted(str(f) for f in result.failures)
    assert messages[0].endswith("no .json files in this folder")
    assert messages[1].endswith("nope.json: no such file or folder")


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"nodes": [], "connections": {}, "pad": "' + "x" * 2000 + '"}')
    with pytest.raises(UnreadableExport, match=r"over the 1,000-byte limit"):
        import_file(PlatformKind.n8n, path, max_bytes=1000)


@pytest.mark.parametrize("kind", [PlatformKind.n8n, PlatformKind.nodered, PlatformKind.make])
@pytest.mark.parametrize("depth", [250, 100_000])
def test_depth_limit(tmp_path: Path, kind: PlatformKind, depth: int) -> None:
    deep = "[" * depth + "]" * depth
    path = tmp_path / "deep.json"
    path.write_text(
        {
            PlatformKind.n8n: '{"nodes": [{"name": "a", "type": "x", "parameters": %s}]}',
            PlatformKind.nodered: '[{"id": "a", "type": "inject", "x": 1, "p": %s}]',
            PlatformKind.make: '{"flow": [{"id": 1, "module": "x", "mapper": %s}]}',
        }[kind]
        % deep
    )
    with pytest.raises(UnreadableExport, match="JSON nested deeper than 200 levels"):
        import_file(kind, path)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty file"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b'{"a": 1,}', "not valid JSON: expected a property name"),
        (b'{"a": "x', "not valid JSON: a string is not closed"),
    ],
)
def test_decode_errors(raw: bytes, message: str) -> None:
    with pytest.raises(UnreadableExport, match=message):
        decode_json(raw)


def test_byte_order_mark_is_accepted() -> None:
    assert decode_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


def test_sha256_of_the_file_is_recorded() -> None:
    (workflow,) = import_file(PlatformKind.n8n, N8N_VALID[0])
    assert workflow.flow.source is not None
    assert workflow.flow.source.sha256 is not None and len(workflow.flow.source.sha256) == 64
    assert workflow.flow.source.file == N8N_VALID[0].name
