"""Importers: turn n8n, Node-RED and Make exports into estate fragments.

Each platform module is a pure function from parsed JSON to :class:`ImportedWorkflow` (no file
I/O, secrets redacted first); :mod:`.batch` reads files and isolates failures per file; the
workspace service (``flowdrill.service.imports``) resolves links between workflows and writes
one generated estate file per workflow.
"""

from __future__ import annotations

from flowdrill.estate.importers.errors import NotAnExport, UnreadableExport
from flowdrill.estate.importers.result import ImportedWorkflow

__all__ = ["ImportedWorkflow", "NotAnExport", "UnreadableExport"]
