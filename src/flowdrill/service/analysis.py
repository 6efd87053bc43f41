"""Analyse a workspace's estate with the weights of its config (CLI, web and drills share it)."""

from __future__ import annotations

from datetime import date

from flowdrill.analysis.report import AnalysisReport, analyze
from flowdrill.analysis.risk import weights_from_config
from flowdrill.service.workspace import Workspace


def analyze_workspace(
    ws: Workspace, *, today: date | None = None, top: int | None = 10
) -> AnalysisReport:
    """``today`` judges credential rotation; it defaults to the real date."""
    weights = weights_from_config(ws.config.model_extra)
    return analyze(ws.estate, today=today or date.today(), weights=weights, top=top)
