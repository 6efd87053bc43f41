"""Which failure modes on which critical flows no runbook covers. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flowdrill.catalog.model import Catalog, TargetKind
from flowdrill.estate.model import Criticality, Estate, Runbook
from flowdrill.runbook.model import applies
from flowdrill.scenario.generate import EstateIndex, bind
from flowdrill.scenario.model import Target

NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class Coverage:
    """``cells[flow][mode]``: runbook ids that apply, [] for a gap, None where the mode cannot
    hit the flow at all."""

    flows: list[str]
    modes: list[str]
    cells: dict[str, dict[str, list[str] | None]]

    def gaps(self) -> list[tuple[str, str]]:
        return [(f, m) for f in self.flows for m in self.modes if self.cells[f][m] == []]

    def to_dict(self) -> dict[str, Any]:
        return {"flows": self.flows, "modes": self.modes, "cells": self.cells, "gaps": self.gaps()}


def coverage_matrix(
    estate: Estate,
    runbooks: Sequence[Runbook],
    catalog: Catalog,
    *,
    min_criticality: Criticality = Criticality.critical,
) -> Coverage:
    """Failure modes against the flows at or above ``min_criticality``, most critical first."""
    flows = sorted(
        (f for f in estate.flows if f.criticality.weight >= min_criticality.weight),
        key=lambda f: (-f.criticality.weight, f.id),
    )
    index = EstateIndex(estate)
    modes = catalog.ids()
    cells: dict[str, dict[str, list[str] | None]] = {}
    for flow in flows:
        target = Target(TargetKind.flow, flow.id, 1.0, "coverage")
        row: dict[str, list[str] | None] = {}
        for mode_id in modes:
            mode = catalog.modes[mode_id]
            if bind(mode, target, index) is None and not _through_credential(
                mode_id, flow.id, catalog, index, estate
            ):
                row[mode_id] = None
                continue
            row[mode_id] = [r.id for r in runbooks if applies(r, mode_id, flow.id, estate)]
        cells[flow.id] = row
    return Coverage([f.id for f in flows], modes, cells)


def _through_credential(
    mode_id: str, flow_id: str, catalog: Catalog, index: EstateIndex, estate: Estate
) -> bool:
    """Modes bound to a credential (a failed rotation) reach the flows that use it."""
    flow = estate.by_id("flows")[flow_id]
    mode = catalog.modes[mode_id]
    creds = {s.credential for s in flow.steps if s.credential}
    return any(
        bind(mode, Target(TargetKind.credential, c, 1.0, "coverage"), index) is not None
        for c in sorted(creds)
    )
