"""On the bundled demo, the analysis finds every planted gap and ranks the planted critical
points at the top."""

from __future__ import annotations

from datetime import date
from typing import Any

import jsonschema
import pytest
import yaml

from flowdrill.analysis.report import AnalysisReport, analyze
from flowdrill.service.workspace import demo_root, open_workspace

TODAY = date(2026, 11, 29)  # the reference date of planted.yaml

#: Ranking depth for the planted critical points: their number plus a margin of 6. The
#: estate has genuine critical points the planted list leaves out because they duplicate
#: a planted one: the credential or platform that shares a planted system's reach (mqtt-floor
#: with mqtt-broker, shopify-admin with shopify, wms with wms-api, nodered-dc1 with the floor)
#: and the second payments hub and finance platform (stripe, make-finance). 14 is the top 11%
#: of the 131 ranked elements.
MARGIN = 6

#: planted.yaml kind → the finding kind that reports it (every planted kind is produced under
#: its own name today; a renamed kind gets an explicit entry here).
KIND_MAP: dict[str, str] = {}


@pytest.fixture(scope="module")
def planted() -> dict[str, list[dict[str, str]]]:
    data: dict[str, list[dict[str, str]]] = yaml.safe_load(
        (demo_root() / "planted.yaml").read_text(encoding="utf-8")
    )
    return data


@pytest.fixture(scope="module")
def report() -> AnalysisReport:
    return analyze(open_workspace(demo=True).estate, today=TODAY, top=None)


def test_every_planted_gap_is_found(
    planted: dict[str, list[dict[str, str]]], report: AnalysisReport
) -> None:
    found = {(f.kind.value, f.element) for f in report.findings}
    missing = [
        g
        for g in planted["gaps"]
        if (KIND_MAP.get(g["kind"], g["kind"]), g["element"]) not in found
    ]
    assert missing == []


def test_planted_critical_points_rank_at_the_top(
    planted: dict[str, list[dict[str, str]]], report: AnalysisReport
) -> None:
    points = planted["critical_points"]
    top = report.ranking[: len(points) + MARGIN]
    ranked = {p.element: p for p in top}
    for point in points:
        assert point["element"] in ranked, f"{point['element']} not in the top {len(top)}"
        kinds = {k.value for k in ranked[point["element"]].reasons}
        assert KIND_MAP.get(point["kind"], point["kind"]) in kinds


def test_the_json_shape_is_described_by_its_schema(report: AnalysisReport) -> None:
    data: dict[str, Any] = report.model_dump(mode="json")
    jsonschema.validate(data, AnalysisReport.model_json_schema(mode="serialization"))
    assert list(data) == [
        "schema_version",
        "estate",
        "today",
        "weights",
        "graph",
        "ranking",
        "findings",
        "summary",
    ]
