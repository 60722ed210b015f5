"""A person's decisions on files waiting for review, and the inbox folders that say whose files they are.

``consolidate --accept FILE`` / ``--reject FILE`` name a file by its path, its name inside SOURCE, its base
name or the start of its sha256 (at least 8 hex digits), as the report shows them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from keyacct_xl.consolidate.intake import Submission
from keyacct_xl.consolidate.model import FileOutcome
from keyacct_xl.errors import InputError
from keyacct_xl.messages import msg

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
