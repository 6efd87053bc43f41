"""What an importer returns for one workflow: an estate fragment plus what it noticed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flowdrill.estate.model import (
    Credential,
    Dataset,
    Flow,
    ImportFinding,
    Platform,
    PlatformKind,
    System,
)


@dataclass
class ImportedWorkflow:
    """One imported workflow (n8n workflow, Node-RED tab or subflow, Make scenario).

    ``identity`` is stable across exports of the same workflow, so a re-import updates the
    same generated file; ``slug`` is the readable base of its flow id and file name. Links the
    importer cannot resolve alone (the callee of a sub-workflow call, the error workflow) are
    kept as native ids for the batch to resolve (``subflow_calls``: step id -> native id;
    ``callee_names``: native id -> the callee's name as cached in the export);
    ``flow.calls_flow`` values that name flows of the same file use provisional ids.
    """

    kind: PlatformKind
    identity: str
    slug: str
    flow: Flow
    platform: Platform
    systems: list[System] = field(default_factory=list)
    credentials: list[Credential] = field(default_factory=list)
    datasets: list[Dataset] = field(default_factory=list)
    unknown_types: list[str] = field(default_factory=list)
    native_id: str | None = None
    instance: str | None = None
    subflow_calls: dict[str, str] = field(default_factory=dict)
    callee_names: dict[str, str] = field(default_factory=dict)
    error_workflow: str | None = None

    @property
    def findings(self) -> list[ImportFinding]:
        return self.flow.source.findings if self.flow.source else []

    def add_finding(self, kind: str, location: str, detail: str | None = None) -> None:
        if self.flow.source is not None:
            self.flow.source.findings.append(
                ImportFinding(kind=kind, location=location, detail=detail)
            )

    def fragment(self, *, include_platform: bool = True) -> dict[str, Any]:
        """The estate sections for this workflow, as plain data (defaults left out)."""
        sections: dict[str, Any] = {}
        if include_platform:
            sections["platforms"] = [_dump(self.platform)]
        for name, items in (
            ("systems", self.systems),
            ("credentials", self.credentials),
            ("datasets", self.datasets),
        ):
            if items:
                sections[name] = [_dump(item) for item in items]
        sections["flows"] = [_dump(self.flow)]
        return sections


def _dump(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", exclude_defaults=True)
    return data
