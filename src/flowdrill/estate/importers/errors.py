"""Why an export file could not be imported. Both are input errors (exit code 2)."""

from __future__ import annotations

from flowdrill.errors import InputError


class UnreadableExport(InputError):
    """The file cannot be read as one JSON document (size, encoding, syntax, nesting)."""


class NotAnExport(InputError):
    """The JSON is valid but is not an export of the expected platform."""
