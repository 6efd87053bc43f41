"""Pure parts of the program, tested on small data: the import rules, the spread, and that
the package does no I/O and imports no edge."""

from __future__ import annotations

from pathlib import Path

import flowdrill.program
from flowdrill.program.backlog import Priority, Tracking, parse_status_csv
from flowdrill.program.trends import Spread
from tests.layers import EDGES, imports

RISKY = {"subprocess", "os", "shutil", "socket", "sqlite3", "urllib", "pathlib", "time"}


def test_program_package_is_pure() -> None:
    for path in sorted(Path(flowdrill.program.__file__).parent.glob("*.py")):
        names = imports(path)
        assert not {m for m in names if m.startswith(EDGES)}, path.name
        assert not names & RISKY, path.name
        text = path.read_text(encoding="utf-8")
        assert "open(" not in text and "date.today" not in text, path.name


def test_spread_has_median_range_quartiles_and_gaps() -> None:
    s = Spread.of([4.0, None, 10.0, 6.0, 8.0])
    assert (s.count, s.not_reached, s.median, s.minimum, s.maximum) == (4, 1, 7.0, 4.0, 10.0)
    assert s.q1 is not None and s.q3 is not None and s.q1 <= s.median <= s.q3
    assert Spread.of([None]).median is None


def test_status_import_accepts_tracker_words_and_keeps_unchanged_rows_out() -> None:
    known = {"a/CA-1": Tracking(), "a/CA-2": Tracking(priority=Priority.low)}
    text = "\ufeffID,Status,Priority\na/CA-1,Resolved,\na/CA-2,open,low\n"
    updates, problems = parse_status_csv(text, known=known, name="x.csv")
    assert problems == []
    assert updates == {"a/CA-1": Tracking(status="done")}


def test_planned_between_counts_full_drills_and_micro_exercises() -> None:
    from datetime import date

    from flowdrill.program.cadence import CadenceConfig, planned_between

    monthly = CadenceConfig()  # full every 3 months, micro in the others: one a month
    assert planned_between(monthly, date(2026, 1, 20), date(2026, 6, 2)) == 6
    quarterly_only = CadenceConfig(micro_every_months=0)
    assert planned_between(quarterly_only, date(2026, 1, 20), date(2026, 6, 2)) == 2
    assert planned_between(monthly, date(2026, 6, 1), date(2026, 6, 30)) == 1
