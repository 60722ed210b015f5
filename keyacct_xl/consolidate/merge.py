"""Merge checked submissions into the consolidation tables: references, supersession, rows with provenance.

Idempotency is by file sha256 (the ledger); a newer file for the same (rep, form, key) supersedes the earlier
one: its rows leave the tables for SubmissionHistory and its ledger entry is marked superseded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from keyacct_xl.consolidate.cards import CardMerger, Conflict
from keyacct_xl.consolidate.frames import append_rows, row_json
from keyacct_xl.consolidate.model import FileOutcome, Issue
from keyacct_xl.consolidate.routes import ROUTES, Route
from keyacct_xl.consolidate.store import Store
from keyacct_xl.consolidate.tables import ALL_CONSOLIDATION_TABLES, HISTORY, LEDGER
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.i18n import Lang
from keyacct_xl.master.schema import REP

LIVE = ("accepted", "partial")


def period_start(period: str) -> pd.Timestamp | None:
    """The first day of ``2026-11`` or the Monday of ``2026-W48``; None for anything else."""
    try:
        if "-W" in period:
            year, week = period.split("-W")
            return pd.Timestamp(dt.date.fromisocalendar(int(year), int(week), 1))
        year, month = period.split("-")
        return pd.Timestamp(dt.date(int(year), int(month), 1))
    except ValueError:
        return None


def _consumed(field: FieldSpec, route: Route) -> bool:
    """Whether a header field lands in one of the route's tables."""
    table = (field.maps_to or "").partition(".")[0]
    if route.header_table:
        return table == route.header_table or field.key in ALL_CONSOLIDATION_TABLES[route.header_table].keys
    return table in route.rows.values()


class Merger:
    """Applies outcomes one by one to a Store's frames; ``finish`` returns the names of the changed tables."""

    def __init__(self, store: Store, specs: Mapping[str, FormSpec], *, now: str, strict: bool) -> None:
        self.store, self.specs, self.now, self.strict = store, specs, now, strict
        self.lang: Lang = store.lang
        self.changed: set[str] = set()
        self.edited: set[str] = set()  # tables whose existing rows changed or left: rewritten, not appended to
        self.conflicts: list[Conflict] = []
        self.cards = CardMerger(store, now=now, conflicts=self.conflicts)
        self.known_sha = set(store.frame(LEDGER.name)["file_sha256"].dropna().astype(str))
        self.superseded: dict[str, str] = {}  # earlier file's sha256 -> the file that superseded it
        # Rows are collected per table and appended once (flush): one concat per table, not one per file.
        self.pending: dict[str, list[dict[str, object]]] = {}
        ledger = store.frame(LEDGER.name)
        live = ledger[ledger["status"].isin(LIVE)]
        self.live_keys = {(f, r, k if isinstance(k, str) else "")
                          for f, r, k in zip(live["form"], live["rep"], live["key"])}

    def apply(self, outcome: FileOutcome) -> None:
        """Merge one checked file (duplicates and rejected files only pass through)."""
        if outcome.status not in LIVE:
            return
        if outcome.sha256 in self.known_sha:
            outcome.status, outcome.code = "duplicate", "duplicate"
            return
        route, spec = ROUTES[outcome.form_id], self.specs[outcome.form_id]
        self._check_references(outcome, route, spec)
        if outcome.status not in LIVE:
            return
        earlier = self._earlier(outcome)
        # A card is judged before it supersedes anything: a refused resubmission leaves the earlier card in place.
        if route.form_id == "customer_card" and self.cards.refuse(
                outcome, spec, replacing=frozenset(self.store.frame(LEDGER.name).loc[earlier, "file_sha256"])):
            return
        self._supersede(outcome, earlier)
        if route.form_id == "customer_card":
            self.cards.apply(outcome, spec, self._provenance)
            self.changed.update(self.cards.changed)
            self.edited.update(self.cards.edited)
        elif route.header_table:
            self._add(route.header_table, [self._header_row(outcome, spec, route.header_table)])
        for section_id, table in route.rows.items():
            rows = self._lines(outcome, spec, table, section_id)
            self._add(table, rows)
            outcome.rows_added += len(rows)
        self._ledger(outcome, spec, route)

    def _check_references(self, outcome: FileOutcome, route: Route, spec: FormSpec) -> None:
        owners = self.cards.owners
        label = next((f.label for s in spec.tables for f in s.fields if f.key == "customer_id"), None)
        id_label = (label.zh if self.lang == "zh" else label.en) if label else "customer_id"
        if outcome.rep and owners and outcome.rep not in set(owners.values()):
            outcome.issues.append(Issue(outcome.name, "", "", REP.header(self.lang), outcome.rep,
                                        f"{outcome.rep} looks after no customer in the archive",
                                        f"{outcome.rep} 在客户档案中没有负责的客户", "warning"))
        header_id = outcome.header.get("customer_id")
        if route.form_id != "customer_card" and route.header_table and header_id and header_id not in owners:
            outcome.reject("unknown_customer", f"customer {header_id} is not in the archive",
                           f"客户 {header_id} 不在客户档案中")
            return
        for row in outcome.rows:
            cid = row.values.get("customer_id") if route.form_id != "customer_card" else None
            if not row.ok or not cid:
                continue
            if cid not in owners:
                row.ok = False
                outcome.issues.append(Issue(
                    outcome.name, row.sheet, row.refs.get("customer_id", ""), id_label, str(cid),
                    f"customer {cid} is not in the archive (a new customer comes in through a customer card)",
                    f"客户 {cid} 不在客户档案中（新客户须通过客户资料卡建立）"))
            elif owners[cid] and owners[cid] != outcome.rep:
                outcome.issues.append(Issue(outcome.name, row.sheet, row.refs.get("customer_id", ""), id_label,
                                            str(cid),
                                            f"customer {cid} is looked after by {owners[cid]}",
                                            f"客户 {cid} 由 {owners[cid]} 负责", "warning"))
        errors = outcome.errors
        if errors and self.strict:
            outcome.reject("strict", f"{len(errors)} error(s) and --strict: the whole file is rejected",
                           f"有 {len(errors)} 处错误且使用 --strict：整个文件拒收")
        elif not route.header_table and not any(r.ok for r in outcome.rows):
            outcome.reject("empty", "no valid line in the form", "表单中没有有效的行")
        elif errors:
            outcome.status = "partial"

    def _provenance(self, outcome: FileOutcome, sheet: str, row: int | None) -> dict[str, object]:
        return {"source_file": outcome.name, "source_sheet": sheet, "source_row": row, "rep": outcome.rep,
                "period": outcome.period or None, "file_sha256": outcome.sha256, "consolidated_at": self.now}

    def _targets(self, fields: tuple[FieldSpec, ...], table: str) -> list[tuple[str, str, bool]]:
        """(field key, column, is an extra column) for each field: maps_to first, then same key, else label."""
        keys = ALL_CONSOLIDATION_TABLES[table].keys
        targets = []
        for f in fields:
            target_table, _, column = (f.maps_to or "").partition(".")
            if target_table == table:
                targets.append((f.key, column, False))
            elif f.key in keys:
                targets.append((f.key, f.key, False))
            else:  # kept as an extra column under its label
                targets.append((f.key, f.label.zh if self.lang == "zh" else f.label.en, True))
        return targets

    @staticmethod
    def _columns_for(targets: list[tuple[str, str, bool]], values: dict[str, object]) -> dict[str, object]:
        return {column: values[key] for key, column, extra in targets
                if key in values and (not extra or values[key] is not None)}

    def _lines(self, outcome: FileOutcome, spec: FormSpec, table: str, section_id: str) -> list[dict[str, object]]:
        """The master rows of one table section: header values and provenance shared, then each line's own."""
        section = spec.section(section_id)
        header_fields = tuple(f for f in spec.header_fields if (f.maps_to or "").partition(".")[0] == table)
        keys = ALL_CONSOLIDATION_TABLES[table].keys
        base = self._columns_for(self._targets(header_fields, table), outcome.header)
        targets = self._targets(section.fields, table)
        for key in ("customer_id", "quote_no"):  # a line inherits its form's customer and quote number
            if key in keys and base.get(key) is None and outcome.header.get(key) is not None:
                base[key] = outcome.header[key]
        provenance = self._provenance(outcome, "", None)
        start = period_start(outcome.period) if "date" in keys else None
        lines = []
        for row in outcome.rows:
            if not row.ok or row.section != section_id:
                continue
            values = {**base, **self._columns_for(targets, row.values)}
            if start is not None and values.get("date") is None:
                values["date"] = start
            lines.append({**values, **provenance, "source_sheet": row.sheet, "source_row": row.row})
        return lines

    def _header_row(self, outcome: FileOutcome, spec: FormSpec, table: str) -> dict[str, object]:
        values = self._columns_for(self._targets(spec.header_fields, table), outcome.header)
        return {**{k: v for k, v in values.items() if k in ALL_CONSOLIDATION_TABLES[table].keys},
                **self._provenance(outcome, "", None)}

    def _add(self, table: str, rows: list[dict[str, object]]) -> None:
        if rows:
            self.pending.setdefault(table, []).extend(rows)
            self.changed.add(table)

    def flush(self) -> None:
        """Append the collected rows to the Store's frames."""
        frames = self.store.frames
        for table, rows in self.pending.items():
            frames[table] = append_rows(frames[table], rows, ALL_CONSOLIDATION_TABLES[table])
        self.pending = {}

    def _earlier(self, outcome: FileOutcome) -> pd.Index:
        """The ledger rows of the live submissions this file replaces: same rep, form and key."""
        # A form without its period names no submission to replace: two undated weeks are both kept.
        key = (outcome.form_id, outcome.rep, outcome.key)
        if not outcome.key or key not in self.live_keys:
            return pd.Index([])
        self.flush()
        ledger = self.store.frame(LEDGER.name)
        return ledger.index[(ledger["form"] == outcome.form_id) & (ledger["rep"] == outcome.rep)
                            & (ledger["key"].fillna("") == outcome.key) & ledger["status"].isin(LIVE)]

    def _supersede(self, outcome: FileOutcome, earlier: pd.Index) -> None:
        ledger = self.store.frame(LEDGER.name)
        for index in earlier:
            old_sha = str(ledger.at[index, "file_sha256"])
            self._to_history(old_sha, outcome.sha256)
            ledger.loc[index, ["status", "superseded_by"]] = ["superseded", outcome.sha256]
            self.edited.add(LEDGER.name)
            outcome.superseded = str(ledger.at[index, "file_name"])
            self.superseded[old_sha] = outcome.name
            self.changed.add(LEDGER.name)

    def _to_history(self, old_sha: str, new_sha: str) -> None:
        history = []
        for name in ALL_CONSOLIDATION_TABLES:
            frame = self.store.frames[name]
            if name in (LEDGER.name, HISTORY.name) or "file_sha256" not in frame.columns:
                continue
            mask = frame["file_sha256"] == old_sha
            if not mask.any():
                continue
            for record in frame[mask].to_dict("records"):
                history.append({"table": name, "file_sha256": old_sha, "source_file": record.get("source_file"),
                                "source_row": record.get("source_row"), "rep": record.get("rep"),
                                "period": record.get("period"), "superseded_at": self.now,
                                "superseded_by": new_sha, "data": row_json(record)})
            self.store.frames[name] = frame[~mask].reset_index(drop=True)
            self.changed.add(name)
            self.edited.add(name)
        self._add(HISTORY.name, history)
        self.cards.refresh()

    def _ledger(self, outcome: FileOutcome, spec: FormSpec, route: Route) -> None:
        # Header fields no table took are kept in the ledger, so nothing a rep typed is lost.
        used = {"rep", "period"} | {f.key for f in spec.header_fields if _consumed(f, route)}
        rest = {k: v for k, v in outcome.header.items() if k not in used and v is not None}
        self._add(LEDGER.name, [{
            "file_sha256": outcome.sha256, "file_name": outcome.name, "form": outcome.form_id,
            "version": outcome.version or None, "rep": outcome.rep, "period": outcome.period or None,
            "key": outcome.key or None, "status": outcome.status, "rows": outcome.rows_added,
            "rejected_rows": sum(1 for r in outcome.rows if not r.ok), "consolidated_at": self.now,
            "header": row_json(rest) if rest else None}])
        self.known_sha.add(outcome.sha256)
        self.live_keys.add((outcome.form_id, outcome.rep, outcome.key))
