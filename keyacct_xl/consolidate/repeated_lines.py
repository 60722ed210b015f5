"""A line that repeats an earlier line of the same table in the same file, cell for cell, is said.

Two lines with one key (two calls to one customer on one day) are two rows by design (docs/consolidation.md), so a
row pasted twice became two identical visits without a word. Both are still recorded (two calls with the same
notes are possible), and the later line gets a warning naming the earlier one, so the manager can ask for the file
again without it (a correction keeps the rows it no longer lists; an undo removes them).
"""

from __future__ import annotations

from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.messages import msg
from keyacct_xl.parsing import is_blank


def repeated_line_issues(outcome: FileOutcome) -> list[Issue]:
    """A warning at each checked line that repeats an earlier line of its table, naming both sheet rows."""
    seen: dict[tuple[object, ...], int] = {}
    issues = []
    for row in (r for r in outcome.rows if r.ok):
        filled = tuple(sorted((k, repr(v)) for k, v in row.values.items() if not is_blank(v)))
        first = seen.setdefault((row.section, row.sheet, filled), row.row)
        if first == row.row:
            continue
        issues.append(
            Issue(
                outcome.name,
                row.sheet,
                next(iter(row.refs.values()), ""),
                "",
                "",
                msg(
                    "line {row} repeats line {first} cell for cell: both are recorded; if it was pasted twice, "
                    "take the file back out (consolidate --undo) and have it sent again without it",
                    row=row.row,
                    first=first,
                ),
                "warning",
            )
        )
    return issues
