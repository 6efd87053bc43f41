"""The risk score is transparent: every factor shown, weights from the workspace config."""

from __future__ import annotations

from datetime import date

import pytest

from flowdrill.analysis.report import analyze
from flowdrill.analysis.risk import DEFAULT_WEIGHTS, weights_from_config
from flowdrill.errors import InputError
from tests.analysis.factory import flow, make_estate, step, writes

TODAY = date(2026, 3, 1)


def estate():  # type: ignore[no-untyped-def]
    return make_estate(
        [
            flow(
                "a",
                [step("x", system="erp", credential="old", touchpoints=writes("d"))],
                criticality="critical",
                freshness_sla_minutes=5,
            ),
            flow("b", [step("x", system="erp", credential="new")], criticality="high"),
            flow("c", [step("x", system="mail")], criticality="low"),
        ],
        credentials=[
            {
                "id": "old",
                "name": "Old",
                "type": "k",
                "last_rotated": "2024-01-01",
                "rotation_days": 30,
            },
            {"id": "new", "name": "New", "type": "k"},
        ],
    )


def test_defaults_and_overrides_from_config() -> None:
    assert weights_from_config(None) == DEFAULT_WEIGHTS
    assert weights_from_config({}) == DEFAULT_WEIGHTS
    weights = weights_from_config({"analysis": {"weights": {"exposure": 1, "blast_radius": 0.5}}})
    assert weights["exposure"] == 1.0
    assert weights["blast_radius"] == 0.5
    assert weights["single_point"] == DEFAULT_WEIGHTS["single_point"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"analysis": {"weights": {"blast": 1}}}, "no factor 'blast'"),
        ({"analysis": {"weights": {"exposure": -1}}}, "must be a number >= 0"),
        ({"analysis": {"weights": {"exposure": "high"}}}, "must be a number >= 0"),
        ({"analysis": {"weights": 3}}, "must be a table"),
        ({"analysis": {"weights": dict.fromkeys(DEFAULT_WEIGHTS, 0)}}, "must not all be zero"),
    ],
)
def test_bad_weights_are_input_errors(extra: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        weights_from_config(extra)


def test_every_factor_is_shown_and_adds_up_to_the_score() -> None:
    report = analyze(estate(), today=TODAY, top=None)
    scores = [p.score for p in report.ranking]
    assert scores == sorted(scores, reverse=True)
    for point in report.ranking:
        assert [f.name for f in point.factors] == list(DEFAULT_WEIGHTS)
        assert all(0 <= f.value <= 1 and f.basis for f in point.factors)
        assert point.score == pytest.approx(sum(f.points for f in point.factors), abs=0.05)
    assert not any(p.element.startswith("steps/") for p in report.ranking)
    erp = next(p for p in report.ranking if p.element == "systems/erp")
    assert erp.blast_radius.flows == ["a", "b"]
    assert erp.blast_radius.time_to_sla_breach_minutes == 5


def test_weights_change_the_ranking() -> None:
    only_exposure = dict.fromkeys(DEFAULT_WEIGHTS, 0.0) | {"exposure": 1.0}
    report = analyze(estate(), today=TODAY, weights=only_exposure, top=1)
    assert report.ranking[0].element == "credentials/old"  # rotation overdue
    assert report.weights == only_exposure
    assert report.ranking[0].score == pytest.approx(75.0)  # a high finding scores 0.75


def test_same_input_same_report() -> None:
    first = analyze(estate(), today=TODAY).model_dump_json()
    assert analyze(estate(), today=TODAY).model_dump_json() == first
