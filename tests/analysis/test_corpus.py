"""The analysis runs on real exports (the imported corpus) and flags what they really hold."""

from __future__ import annotations

from datetime import date

import pytest

from flowdrill.analysis.findings import Kind
from flowdrill.analysis.report import AnalysisReport, analyze
from flowdrill.estate.model import Estate, PlatformKind
from flowdrill.service.imports import import_exports
from flowdrill.service.workspace import init_workspace
from tests.estate.importers.corpus import CORPUS, load


@pytest.fixture(scope="module")
def corpus_estate(tmp_path_factory: pytest.TempPathFactory) -> Estate:
    ws = init_workspace(tmp_path_factory.mktemp("corpus") / "ws")
    import_exports(ws, kind=PlatformKind.n8n, paths=[CORPUS / "n8n" / "valid"])
    import_exports(ws, kind=PlatformKind.nodered, paths=[CORPUS / "nodered" / "valid"])
    estate: Estate = ws.estate
    return estate


@pytest.fixture(scope="module")
def report(corpus_estate: Estate) -> AnalysisReport:
    return analyze(corpus_estate, today=date(2026, 11, 29), top=25)


def _flow_of(estate: Estate, file: str) -> str:
    return next(f.id for f in estate.flows if f.source and f.source.file == file)


def _open_webhook_file() -> str:
    """A corpus n8n file with a webhook node whose authentication is none (read directly)."""
    for path in sorted((CORPUS / "n8n" / "valid").glob("*.json")):
        nodes = load(path).get("nodes", [])
        webhooks = [n for n in nodes if n.get("type") == "n8n-nodes-base.webhook"]
        if (
            len(webhooks) == 1
            and webhooks[0].get("parameters", {}).get("authentication", "none") == "none"
            and not webhooks[0].get("disabled")
        ):
            return path.name
    raise AssertionError("the corpus has an open webhook")


def _secret_header_file() -> str:
    """A corpus n8n file with a literal (non-expression) Authorization header value."""
    for path in sorted((CORPUS / "n8n" / "valid").glob("*.json")):
        for node in load(path).get("nodes", []):
            headers = node.get("parameters", {}).get("headerParameters", {})
            for header in headers.get("parameters", []) if isinstance(headers, dict) else []:
                value = str(header.get("value", ""))
                if (
                    str(header.get("name", "")).lower() == "authorization"
                    and value.startswith("Bearer ")
                    and not value.startswith("=")
                    and "YOUR" not in value.upper()
                ):
                    return path.name
    raise AssertionError("the corpus has a hard-coded Authorization header")


def test_analysis_runs_on_the_whole_corpus(corpus_estate: Estate, report: AnalysisReport) -> None:
    assert len(corpus_estate.flows) >= 150
    assert report.graph.nodes > 1000
    assert report.ranking and report.findings


def test_a_known_open_webhook_is_flagged(corpus_estate: Estate, report: AnalysisReport) -> None:
    flow = _flow_of(corpus_estate, _open_webhook_file())
    assert any(
        f.kind is Kind.unauthenticated_webhook and f.element == f"flows/{flow}"
        for f in report.findings
    )


def test_a_known_hard_coded_secret_is_flagged(
    corpus_estate: Estate, report: AnalysisReport
) -> None:
    flow = _flow_of(corpus_estate, _secret_header_file())
    assert any(
        f.kind is Kind.hardcoded_secret and f.element == f"flows/{flow}" for f in report.findings
    )
