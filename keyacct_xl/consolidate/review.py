"""A person's decisions on files waiting for review, and what holds a file for one: the inbox folders that say
whose files they are, the company a form was made for, a card from a rep the master does not know.

``consolidate --accept FILE`` / ``--reject FILE`` name a file by its path, its name inside SOURCE, its base
name or the start of its sha256 (at least 8 hex digits), as the report shows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence, Set
from pathlib import Path

from keyacct_xl.consolidate.dedupe import normalize_name
from keyacct_xl.consolidate.intake import Submission
from keyacct_xl.consolidate.model import STATUS_LABELS, FileOutcome, texts
from keyacct_xl.errors import InputError
from keyacct_xl.messages import Pair, msg

_PAIR = re.compile(r"\s*([^=;；,，]+?)\s*[=＝:：]\s*([^;；,，]+?)\s*(?:[;；,，]|$)")
_SHA_PREFIX = re.compile(r"^[0-9a-f]{8,64}$")


def folder_reps(setting: object) -> dict[str, str]:
    """The Settings value ``rep_folders`` (``zhangsan=张三; lisi=李四``) as folder -> rep."""
    text = "" if setting is None else str(setting)
    return {folder: rep for folder, rep in _PAIR.findall(text)}


def folder_rep(name: str, mapping: Mapping[str, str], reps: Iterable[str]) -> str | None:
    """The rep whose inbox folder a submission came from: by the Settings map, else a folder named like a rep."""
    if "/" not in name:
        return None
    folder = name.split("/", 1)[0]
    return mapping.get(folder) or (folder if folder in set(reps) else None)


def other_company(form_company: str, master_company: str) -> tuple[str, str] | None:
    """Why a form made for another company than the master's must wait for a person (en, zh); None when the two
    are one company as written (spacing, full-width forms, a city in front or 有限公司 after aside) or either is
    unknown."""
    if not form_company or not master_company or normalize_name(form_company) == normalize_name(master_company):
        return None
    return texts(
        msg(
            "the form was made for {form_company}, and this master is {master_company}'s: check it was sent to the "
            "right company's master (--accept merges it all the same)",
            form_company=form_company,
            master_company=master_company,
        )
    )


def unknown_rep_card(rep: str, reps: frozenset[str]) -> tuple[str, str] | None:
    """Why a card (which creates customers) from a rep the master does not know (``reps``: those looking after
    its customers, those with an inbox folder) must wait for a person (en, zh): a form sent to the wrong master,
    or a new rep; None for a rep the master knows."""
    if not rep or rep in reps:
        return None
    return texts(
        msg(
            "{rep} looks after no customer in this master, and the card would create customers: check it was "
            "sent to the right master (--accept if {rep} is a new rep)",
            rep=rep,
        )
    )


def _matches(wanted: str, outcome: FileOutcome, submission: Submission | None) -> bool:
    if wanted in (outcome.name, outcome.name.rsplit("/", 1)[-1]):
        return True
    if _SHA_PREFIX.match(wanted.lower()) and outcome.sha256.startswith(wanted.lower()):
        return True
    path = Path(wanted)
    return (
        submission is not None
        and submission.member is None
        and path.exists()
        and path.resolve() == submission.path.resolve()
    )


def resolve_decisions(
    outcomes: Sequence[FileOutcome],
    submissions: Sequence[Submission],
    *,
    accept: Iterable[str] = (),
    reject: Iterable[str] = (),
) -> dict[str, str]:
    """File sha256 -> "accept" or "reject"; a name that fits no file of this run, or several, is an error."""
    by_name = {s.name: s for s in submissions}
    decided: dict[str, str] = {}
    for decision, names in (("accept", accept), ("reject", reject)):
        for wanted in names:
            found = [o for o in outcomes if o.sha256 and _matches(wanted, o, by_name.get(o.name))]
            if len(found) != 1:
                raise InputError(
                    msg(
                        "--{decision} {wanted}: no submitted file of this run has that name or sha256",
                        decision=decision,
                        wanted=wanted,
                    )
                    if not found
                    else msg(
                        "--{decision} {wanted}: several files of this run have that name or sha256",
                        decision=decision,
                        wanted=wanted,
                    )
                )
            if decided.get(found[0].sha256, decision) != decision:
                raise InputError(msg("{wanted}: both accepted and rejected", wanted=wanted))
            decided[found[0].sha256] = decision
    return decided


def stop_unheld_decisions(outcomes: Sequence[FileOutcome], decisions: Mapping[str, str], reviewed: Set[str]) -> None:
    """Stop the run when ``--accept`` or ``--reject`` names a file that was not waiting for review (``reviewed``
    holds those that were): said nowhere, the decision was silently ignored, the file refused or taken as before."""
    for outcome in outcomes:
        decision = decisions.get(outcome.sha256)
        if decision is None or outcome.sha256 in reviewed:
            continue
        status = STATUS_LABELS[outcome.status]
        why = Pair(outcome.reason_en, outcome.reason_zh)
        raise InputError(
            msg(
                "--{decision} {file}: the file is not waiting for review ({status}: {reason}); --accept and --reject "
                "decide files waiting for review only; nothing was written",
                decision=decision,
                file=outcome.name,
                status=status,
                reason=why,
            )
            if outcome.reason_en
            else msg(
                "--{decision} {file}: the file is not waiting for review ({status}); --accept and --reject decide "
                "files waiting for review only; nothing was written",
                decision=decision,
                file=outcome.name,
                status=status,
            )
        )
