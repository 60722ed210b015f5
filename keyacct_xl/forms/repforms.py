"""The forms each rep gets pre-filled every period: the Settings list ``rep_forms``, written per rep.

One function, ``prefill_for_reps``, for the CLI (``keyacct-xl forms prefill``) and the ribbon (按业务员预填表单), so
both write for the chosen reps the forms a rep needs this period, not every form of the catalog.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from keyacct_xl.errors import InputError
from keyacct_xl.fileio import NAME_BYTES, fitted_name, id_in_name, safe_name
from keyacct_xl.forms.catalog import load_catalog
from keyacct_xl.forms.generator import write_form
from keyacct_xl.forms.layout import FormLang
from keyacct_xl.forms.prefill import known_reps, parse_period, prefill
from keyacct_xl.forms.spec import FormSpec, choice_key
from keyacct_xl.forms.statistics import STATISTICS_FORMS, statistics_tables
from keyacct_xl.master.model import Master
from keyacct_xl.master.settings import setting_name
from keyacct_xl.messages import msg


def output_name(form_id: str, *, rep: str | None, customer: str | None, period: str | None) -> str:
    """``<form_id>[_<rep>][_<customer>][_<period>].xlsx`` with characters unsafe in file names replaced (a customer
    id so changed followed by its digest: two customers' forms never share a name; a rep's name too long for a file
    name cut and followed by its digest)."""
    named = (p for p in (rep, period) if p)
    parts = [safe_name(form_id), *(fitted_name(safe_name(p), NAME_BYTES, whole=p, extension=False) for p in named)]
    if customer:
        parts.insert(2 if rep else 1, id_in_name(customer))
    return "_".join(parts) + ".xlsx"


def rep_folders(reps: Iterable[str]) -> dict[str, str]:
    """The folder each of ``reps`` gets its forms in (and sends them back from): the rep's name made safe for a file
    system and cut when too long; reps whose folders would be one (``Zhang/San`` and ``Zhang:San``, ``Li Lei`` and
    ``LI LEI``, one folder on Windows and macOS, which compare names case-blind) each followed by a digest of their
    own name, so no rep's forms replace another's. Give every rep of the master, so a rep's folder does not depend
    on which reps a run writes."""
    safe = {rep: safe_name(rep) for rep in dict.fromkeys(reps)}
    names = {rep: fitted_name(name, NAME_BYTES, whole=rep, extension=False) for rep, name in safe.items()}
    shared = Counter(name.casefold() for name in names.values())
    folders: dict[str, str] = {}
    for rep, name in names.items():
        alone = shared[name.casefold()] == 1
        folders[rep] = name if alone else fitted_name(safe[rep], NAME_BYTES, whole=rep, extension=False, tagged=True)
    return folders


def next_week(today: dt.date | None = None) -> str:
    """The ISO week after ``today`` as ``2026-W48``: what reps plan on a Friday."""
    year, week, _ = ((today or dt.date.today()) + dt.timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def rep_form_specs(names: Sequence[str]) -> list[FormSpec]:
    """The forms ``rep_forms`` names, each by id or by its zh or en title, in the order given (each once).

    A name that is no form is an InputError naming the setting and listing the form ids.
    """
    catalog = load_catalog()
    by_name = {choice_key(n): s for s in catalog for n in (s.id, s.title.zh, s.title.en)}
    specs: dict[str, FormSpec] = {}
    for name in names:
        spec = by_name.get(choice_key(name))
        if spec is None:
            ids = ", ".join(s.id for s in catalog)
            raise InputError(
                msg(
                    "Settings: {setting}: {name!r} is not a form; forms: {ids}",
                    setting=setting_name("rep_forms"),
                    name=name,
                    ids=ids,
                )
            )
        specs.setdefault(spec.id, spec)
    return list(specs.values())


def prefill_for_reps(
    master: Master,
    folder: Path,
    *,
    period: str,
    reps: Sequence[str] = (),
    lang: FormLang | None = None,
    company: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[Path]:
    """Write ``folder/<rep>/<form>_<rep>_<period>.xlsx`` for each of ``reps`` (default: every rep of the master)
    and each form of the Settings' ``rep_forms``, pre-filled from ``master``; returns the files written.

    Every form of every rep is filled before the first file is written, so an unknown rep, a form that cannot
    be filled for the period (a weekly plan needs a week) or a bad setting leaves the folder as it was.
    ``progress(i, n, rep)`` is called before each rep's files are written.
    """
    specs = rep_form_specs(master.settings.rep_forms)
    period = parse_period(period).text
    chosen = list(dict.fromkeys(reps)) or known_reps(master)
    # The statistics forms' tables are read once for every rep; prefill refuses an unknown rep, naming the reps.
    tables = statistics_tables(master) if any(spec.id in STATISTICS_FORMS for spec in specs) else None
    filled = [
        (rep, [(spec, prefill(spec, master, rep=rep, period=period, tables=tables)) for spec in specs])
        for rep in chosen
    ]
    company = master.settings.company_name if company is None else company
    folders = rep_folders([*known_reps(master), *chosen])
    written = []
    for i, (rep, forms) in enumerate(filled, start=1):
        if progress is not None:
            progress(i, len(filled), rep)
        rep_dir = folder / folders[rep]
        rep_dir.mkdir(parents=True, exist_ok=True)
        for spec, data in forms:
            path = rep_dir / output_name(spec.id, rep=folders[rep], customer=None, period=period)
            form_lang = lang or master.lang
            currency = master.settings.book_currency
            written.append(write_form(path, spec, lang=form_lang, company=company, data=data, currency=currency))
    return written
