"""One exception hierarchy. Each error knows its exit code, so the edges never guess.

Exit codes are part of the public interface (scripts rely on them):

0 success, 1 unexpected internal error, 2 invalid input (files, options),
3 workspace not found, 4 partial failure (some items of a batch failed),
5 database unavailable, 6 integrity check failed (a tampered exercise log),
7 a runbook failed its stress test (``flowdrill runbook test``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    file: str
    line: int | None
    column: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class FlowdrillError(Exception):
    """Base of every error flowdrill raises on purpose."""

    exit_code = 1
    http_status = 500


class InputError(FlowdrillError):
    """The user's input (a file, an option, a command) is wrong."""

    exit_code = 2
    http_status = 400


class InvalidFiles(InputError):
    """One or more files failed validation; every problem is reported at once."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0, p.path))
        noun = "problem" if len(self.problems) == 1 else "problems"
        super().__init__(f"{len(self.problems)} {noun} found")


class WorkspaceNotFound(FlowdrillError):
    """No workspace where one was expected."""

    exit_code = 3
    http_status = 404


class IntegrityFailure(FlowdrillError):
    """A check of recorded evidence failed: the exercise log was altered."""

    exit_code = 6
    http_status = 409


class PartialFailure(FlowdrillError):
    """A batch finished, but some of its items failed."""

    exit_code = 4
    http_status = 207


class RunbookTestFailed(FlowdrillError):
    """A runbook did not restore integrity in some scenario or evolved estate (CI gate)."""

    exit_code = 7
    http_status = 422
