"""Application layer for runbooks: the workspace's runbooks (estate YAML plus ``runbooks/*.md``),
lint, coverage and the stress test. The CLI and the demo call these; the core does the work."""

from __future__ import annotations

from collections.abc import Sequence

from flowdrill.errors import InputError
from flowdrill.estate.model import Criticality, Runbook
from flowdrill.runbook.coverage import Coverage, coverage_matrix
from flowdrill.runbook.lint import LintFinding, lint_runbooks
from flowdrill.runbook.stress import EVOLUTIONS, StressReport, stress_test
from flowdrill.service.drills import workspace_catalog
from flowdrill.service.workspace import Workspace


def workspace_runbooks(ws: Workspace) -> list[Runbook]:
    """The estate's runbooks: YAML ones and the Markdown ``runbooks/*.md`` (see Workspace)."""
    return list(ws.estate.runbooks)


def _select(runbooks: Sequence[Runbook], runbook_id: str | None) -> list[Runbook]:
    if runbook_id is None:
        return list(runbooks)
    chosen = [r for r in runbooks if r.id == runbook_id]
    if not chosen:
        known = ", ".join(r.id for r in runbooks) or "none"
        raise InputError(f"no runbook {runbook_id!r}; runbooks: {known}")
    return chosen


def lint(ws: Workspace, *, runbook_id: str | None = None) -> list[LintFinding]:
    runbooks = _select(workspace_runbooks(ws), runbook_id)
    return lint_runbooks(runbooks, ws.estate, modes=workspace_catalog(ws).ids())


def coverage(ws: Workspace, *, min_criticality: Criticality = Criticality.critical) -> Coverage:
    return coverage_matrix(
        ws.estate, workspace_runbooks(ws), workspace_catalog(ws), min_criticality=min_criticality
    )


def test_runbooks(
    ws: Workspace,
    *,
    runbook_id: str | None = None,
    evolutions: Sequence[str] = EVOLUTIONS,
    seed: int = 1,
    quick: bool = False,
) -> StressReport:
    """Stress-test runbooks in memory (nothing is stored): see :func:`stress_test`."""
    unknown = sorted(set(evolutions) - set(EVOLUTIONS))
    if unknown:
        raise InputError(f"unknown evolution {unknown[0]!r}; known: {', '.join(EVOLUTIONS)}")
    runbooks = _select(workspace_runbooks(ws), runbook_id)
    return stress_test(
        runbooks, ws.estate, workspace_catalog(ws), evolutions=evolutions, seed=seed, quick=quick
    )
