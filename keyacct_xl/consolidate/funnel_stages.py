"""A won opportunity is 100 % likely, a lost one 0 %: the closing stages of the funnel fix the probability.

A rep who moves an opportunity to 赢单 (or 输单) picks the stage from the list and leaves the probability the form
was pre-filled with (60 % at 方案报价). Stored as typed, the won deal would stay in the open pipeline the GM pack
and the account fact sheet count (a probability below 100 %) with a weighted amount that is neither sales nor
pipeline. So a line at a closing stage takes that stage's probability, its weighted amount is computed again, and a
warning names the cell and the value typed.
"""

from __future__ import annotations

from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.forms.catalog import CLOSING
from keyacct_xl.forms.formula import computed_value
from keyacct_xl.forms.layout import field_choices
from keyacct_xl.forms.spec import Choice, FieldSpec, FormSpec
from keyacct_xl.messages import Pair, msg

STAGE, PROBABILITY = "stage", "probability"


def closing_stage(field: FieldSpec, value: object) -> Choice | None:
    """The closing stage (赢单 or 输单) ``value`` names (a label in either language), else None."""
    if not isinstance(value, str):
        return None
    return next((c for c in field_choices(field) if c.value in CLOSING and value in (c.zh, c.en)), None)


def settle_closed_stages(outcome: FileOutcome, spec: FormSpec) -> None:
    """Give each checked line at a closing stage that stage's probability and its computed columns again, with a
    warning at the probability cell when the line said otherwise."""
    for section in spec.tables:
        fields = {f.key: f for f in section.fields}
        if STAGE not in fields or PROBABILITY not in fields:
            continue
        for row in (r for r in outcome.rows if r.section == section.id and r.ok):
            stage = closing_stage(fields[STAGE], row.values.get(STAGE))
            typed = row.values.get(PROBABILITY)
            if stage is None or typed == CLOSING[stage.value]:
                continue
            chance = CLOSING[stage.value]
            row.values[PROBABILITY] = chance
            for computed in (f for f in section.fields if f.formula):
                row.values[computed.key] = computed_value(computed.formula or "", row.values)
            if not isinstance(typed, (int, float)):
                continue  # blank, or typed but refused with its own error
            outcome.issues.append(
                Issue(
                    outcome.name,
                    row.sheet,
                    row.refs.get(PROBABILITY, ""),
                    fields[PROBABILITY].label,
                    f"{typed:.0%}",
                    msg(
                        "the stage is {stage}: the probability is recorded as {chance:.0%}, not {typed:.0%}",
                        stage=Pair(stage.en, stage.zh),
                        chance=chance,
                        typed=typed,
                    ),
                    "warning",
                )
            )
