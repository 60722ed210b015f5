"""Pre-filled lines a returned form no longer has: reported, never taken as closed.

A pre-filled funnel lists the rep's open opportunities; a rep who deletes one (a deal lost, a line tidied away)
changes nothing in the master, which keeps the row as it was. Such a line would otherwise be open in every report
while the rep believes it gone, so each one is named with a warning: the manager asks for it to be sent back closed
(its stage set). The form's ``_meta`` keeps the ids of the lines it was pre-filled with (forms.meta, a section's
``line_id``); a form without them (blank, or made before) says nothing.
"""

from __future__ import annotations

import json

from keyacct_xl.consolidate.model import Extracted, FileOutcome, Issue
from keyacct_xl.forms.meta import meta_text, prefilled_lines_key
from keyacct_xl.forms.spec import FormSpec
from keyacct_xl.messages import msg


def check_prefilled_lines(outcome: FileOutcome, extracted: Extracted, spec: FormSpec) -> None:
    """Warn of each line the form was pre-filled with whose id none of the returned lines carries."""
    for section in spec.tables:
        if section.line_id is None or section.id not in extracted.tables:
            continue
        given = _ids(extracted.meta.get(prefilled_lines_key(section.id)))
        returned = {meta_text(row.values.get(section.line_id)) for row in outcome.rows if row.section == section.id}
        label = next(f.label for f in section.fields if f.key == section.line_id)
        sheet = extracted.tables[section.id].sheet
        for line in given:
            if line not in returned:
                problem = msg(
                    "{line} was a line of the pre-filled form and is not on the returned one: the master keeps its "
                    "row as it was; a line is closed by changing it (its stage, say), not by deleting it",
                    line=line,
                )
                outcome.issues.append(Issue(outcome.name, sheet, "", label, line, problem, "warning"))


def _ids(kept: str | None) -> list[str]:
    """The ids ``_meta`` keeps as a JSON list; none when it keeps nothing readable (a hand-edited ``_meta``)."""
    try:
        ids = json.loads(kept) if kept else []
    except (ValueError, RecursionError):  # lists nested past Python's recursion limit: no list of ids either
        return []
    return [i for i in ids if isinstance(i, str) and i] if isinstance(ids, list) else []
