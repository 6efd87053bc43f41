"""The analysis report: its stable JSON shape and the one function that builds it.

Top-level keys of ``flowdrill analyze --format json`` (``schema_version`` "1"):

- ``estate``, ``today``: what was analysed, and the date overdue rotations are judged against;
- ``weights``: the risk-score weights in effect (defaults merged with ``[analysis.weights]``);
- ``graph``: size of the dependency graph and counts of its structural features;
- ``ranking``: critical integration points, highest score first, each with every factor of
  its score, the kinds of finding behind it, and its blast radius;
- ``findings``: every single point of failure and coverage gap, most severe first, each with
  ``kind``, ``category``, ``severity``, ``element``, ``title``, ``evidence``, ``paths``, ``fix``;
- ``summary``: finding counts by severity and by kind.

``AnalysisReport.model_json_schema()`` is the machine-readable description of this shape.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date

from pydantic import BaseModel, Field

from flowdrill.analysis.blast import blast_index
from flowdrill.analysis.findings import Finding, sort_findings
from flowdrill.analysis.gaps import coverage_gaps
from flowdrill.analysis.graph import build_graph
from flowdrill.analysis.ownership import ownership_findings
from flowdrill.analysis.risk import DEFAULT_WEIGHTS, RankedPoint, rank
from flowdrill.analysis.spof import spof_findings
from flowdrill.estate.model import Estate

SCHEMA_VERSION = "1"


class GraphStats(BaseModel):
    nodes: int
    edges: int
    nodes_by_kind: dict[str, int]
    articulation_points: int = Field(description="in the undirected integration view, unfiltered")
    bridges: int = Field(description="in the undirected integration view, unfiltered")
    cycles: int = Field(description="strongly connected components with a cycle")
    critical_datasets: int = Field(description="dataset copies written by a critical flow")


class Summary(BaseModel):
    findings: int
    by_severity: dict[str, int]
    by_kind: dict[str, int]


class AnalysisReport(BaseModel):
    """Where a failure hurts most, and what we would fail to notice."""

    schema_version: str = SCHEMA_VERSION
    estate: str
    today: date
    weights: dict[str, float]
    graph: GraphStats
    ranking: list[RankedPoint]
    findings: list[Finding]
    summary: Summary


def analyze(
    estate: Estate,
    *,
    today: date,
    weights: Mapping[str, float] | None = None,
    top: int | None = 10,
) -> AnalysisReport:
    """Analyse an estate: pure, deterministic for a given ``today`` and weights."""
    with _cyclic_gc_paused():
        return _analyze(estate, today=today, weights=weights, top=top)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """The analysis allocates millions of small acyclic objects on large estates; each
    allocation burst would trigger a full collection over the caller's whole heap (4x the
    run time at 100k elements). Nothing here creates reference cycles, so pause it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _analyze(
    estate: Estate, *, today: date, weights: Mapping[str, float] | None, top: int | None
) -> AnalysisReport:
    eg = build_graph(estate)
    blast = blast_index(eg)
    structural, stats = spof_findings(eg)
    ownership = ownership_findings(estate)
    findings = sort_findings(structural + ownership.findings + coverage_gaps(estate, today))
    used = dict(weights or DEFAULT_WEIGHTS)
    ranking = rank(eg, blast, findings, ownership.sole, used, top=top)
    severities = Counter(f.severity.value for f in findings)
    return AnalysisReport(
        estate=estate.name,
        today=today,
        weights=used,
        graph=GraphStats(
            nodes=len(eg.nodes),
            edges=len(eg.edges),
            nodes_by_kind=eg.count_by_kind(),
            articulation_points=stats.articulation_points,
            bridges=stats.bridges,
            cycles=stats.cycles,
            critical_datasets=stats.critical_datasets,
        ),
        ranking=ranking,
        findings=findings,
        summary=Summary(
            findings=len(findings),
            by_severity={s: severities[s] for s in ("critical", "high", "medium", "low", "info")},
            by_kind=dict(sorted(Counter(f.kind.value for f in findings).items())),
        ),
    )
