"""The catalog of standard forms: where the specs live, listing them, loading one by id."""

from __future__ import annotations

import functools
import importlib.resources
from pathlib import Path

import pandas as pd

from keyacct_xl.errors import InputError
from keyacct_xl.forms.spec import Choice, FormSpec, choice_key, load_lists, load_spec
from keyacct_xl.messages import msg

LISTS_FILE = "_lists.yaml"


def forms_dir() -> Path:
    """The folder holding the form specs (templates/forms, installed as keyacct_xl.templates/forms)."""
    return Path(str(importlib.resources.files("keyacct_xl.templates") / "forms"))


def form_ids(folder: Path | None = None) -> list[str]:
    """Every form id, sorted; files starting with ``_`` hold shared lists, not forms."""
    folder = folder or forms_dir()
    return sorted(p.stem for p in folder.glob("*.yaml") if not p.name.startswith("_"))


@functools.cache
def _cached_lists(folder: Path) -> dict[str, tuple[Choice, ...]]:
    path = folder / LISTS_FILE
    return load_lists(path) if path.exists() else {}


def shared_lists(folder: Path | None = None) -> dict[str, tuple[Choice, ...]]:
    """The shared choice lists (industry, enterprise nature, ...) specs refer to by name."""
    return _cached_lists(folder or forms_dir())


CLOSING = {"Won": 1.0, "Lost": 0.0}  # the funnel stages (by value) that settle an opportunity's probability


def closing_stages() -> dict[str, float]:
    """Every name of the closing funnel stages (赢单 and Won, 输单 and Lost, and their synonyms: 成交, 丢单 ...) as
    ``choice_key`` compares them, with the probability the stage means."""
    return {
        choice_key(name): CLOSING[c.value]
        for c in shared_lists()["funnel_stage"]
        if c.value in CLOSING
        for name in (*c.names, *c.synonyms)
    }


def at_closing_stage(stages: pd.Series) -> pd.Series:
    """Whether each opportunity's stage is a closing one, by any of its names: a master's line at such a stage is
    closed whatever probability it kept (typed in the master, or stored before the stage settled it)."""
    names = closing_stages()
    return stages.map(lambda stage: isinstance(stage, str) and choice_key(stage) in names).astype(bool)


def load_form(form_id: str, folder: Path | None = None) -> FormSpec:
    """The spec of ``form_id``; an unknown id raises InputError listing the valid ones."""
    folder = folder or forms_dir()
    ids = form_ids(folder)
    if form_id not in ids:
        raise InputError(msg("unknown form id {form_id!r}; valid ids: {ids}", form_id=form_id, ids=", ".join(ids)))
    return _parsed(folder / f"{form_id}.yaml", shared_lists(folder))


# Specs parsed, by file and content: one run loads the same specs more than once (the run's own, the ledger's form
# titles) and a long-lived process (the Excel add-in) many times; YAML and the model's checks cost ~7 ms a form.
_PARSED: dict[tuple[Path, bytes], FormSpec] = {}
_PARSED_MAX = 128


def _parsed(path: Path, lists: dict[str, tuple[Choice, ...]]) -> FormSpec:
    """The spec in ``path``, parsed once for each content the file has had (a spec is immutable)."""
    try:
        text = path.read_bytes()
    except OSError:
        return load_spec(path, lists=lists)  # which says what is wrong with the file
    spec = _PARSED.get((path, text))
    if spec is None:
        spec = load_spec(path, lists=lists)
        if path.read_bytes() == text:  # not changed while it was parsed: the spec is that content's
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.pop(next(iter(_PARSED)))
            _PARSED[(path, text)] = spec
    return spec


def load_catalog(folder: Path | None = None) -> list[FormSpec]:
    """Every form spec, sorted by id."""
    return [load_form(form_id, folder) for form_id in form_ids(folder)]
