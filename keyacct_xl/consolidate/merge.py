"""Merge checked submissions into the consolidation tables: references, row identity, rows with provenance.

Idempotency is by file sha256 (the ledger). A submitted row is matched to the master by its natural key
(keyacct_xl.consolidate.routes.ROW_KEYS): a new key adds a row, a known key updates that row; the values it
replaces go to SubmissionHistory and into the run's list of changes. Several files of one rep and period add
up. A file that corrects an earlier one of the same form instance (same quote, same card, or a period file
repeating at least half of that earlier file's rows, each earlier file judged on its own) updates its rows, and
the rows of each file it corrects that it no longer lists are reported, never deleted. Files waiting for a
person's decision (needs review) merge nothing until accepted.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import pandas as pd

from keyacct_xl.consolidate.accounts import replaced_buyers, settle_key
from keyacct_xl.consolidate.added import added_entries
from keyacct_xl.consolidate.cards import CardMerger, Conflict
from keyacct_xl.consolidate.changes import RowChange, shown
from keyacct_xl.consolidate.followthrough import FollowThrough
from keyacct_xl.consolidate.frames import append_rows, plain_value, row_json
from keyacct_xl.consolidate.mergetable import MergeTable
from keyacct_xl.consolidate.model import FileOutcome, texts
from keyacct_xl.consolidate.periods import parse_period
from keyacct_xl.consolidate.planforms import plan_rows
from keyacct_xl.consolidate.productcodes import check_product_codes, reads_product_codes
from keyacct_xl.consolidate.references import check_references
from keyacct_xl.consolidate.review import folder_rep, other_company, unknown_rep_card
from keyacct_xl.consolidate.routes import ROUTES, ROW_KEYS, Route, route_tables
from keyacct_xl.consolidate.rowmatch import KeyedRows, Location, key_text, says_the_same, several_issue
from keyacct_xl.consolidate.sentagain import sent_again_entry
from keyacct_xl.consolidate.store import SETTLED, Store, ledger_files
from keyacct_xl.consolidate.visit_forms import shape_lines
from keyacct_xl.forms.layout import TITLE_FIELD_SPECS
from keyacct_xl.forms.spec import FieldSpec, FormSpec
from keyacct_xl.headers import normalize_header, title_case
from keyacct_xl.i18n import Lang
from keyacct_xl.master.products import load_optional_tables
from keyacct_xl.master.schema import CUSTOMERS, PRODUCTS
from keyacct_xl.master.submissions import ALL_CONSOLIDATION_TABLES, HISTORY, LEDGER, PROVENANCE_KEYS
from keyacct_xl.messages import Message, Pair, listing, msg
from keyacct_xl.parsing import EXCEL_MAX_TEXT, is_blank, same_value

LIVE = ("accepted", "partial")
# A period file repeating at least this share of an earlier file's rows corrects it rather than adding to it.
CORRECTION_OVERLAP = 0.5


@functools.cache
def _keys(table: str) -> frozenset[str]:
    """The canonical column keys of a consolidation table."""
    return frozenset(ALL_CONSOLIDATION_TABLES[table].keys)


def _consumed(field: FieldSpec, route: Route) -> bool:
    """Whether a header field lands in one of the route's tables."""
    table = (field.maps_to or "").partition(".")[0]
    tables = route.header_tables
    return table in (*tables, *route.rows.values()) or any(
        field.key in ALL_CONSOLIDATION_TABLES[t].keys for t in tables
    )


class Merger:
    """Applies outcomes one by one to a Store's frames; ``flush`` appends the added rows."""

    def __init__(
        self,
        store: Store,
        specs: Mapping[str, FormSpec],
        *,
        now: str,
        strict: bool,
        decisions: Mapping[str, str] | None = None,
        new_customer_grade: str = "C",
        rep_folders: Mapping[str, str] | None = None,
    ) -> None:
        self.store, self.specs, self.now, self.strict = store, specs, now, strict
        self.decisions = dict(decisions or {})  # file sha256 -> "accept" or "reject"
        self.reviewed: set[str] = set()  # the decided files that were waiting for review (review.unheld_decision)
        self.lang: Lang = store.lang
        self.changed: set[str] = set()
        self.edited: set[str] = set()  # tables whose existing rows changed: rewritten, not appended to
        self.conflicts: list[Conflict] = []
        self.changes: list[RowChange] = []
        self.cards = CardMerger(
            store, now=now, conflicts=self.conflicts, new_grade=new_customer_grade, changes=self.changes
        )
        self.rep_folders = dict(rep_folders or {})
        self.reps = frozenset(r for r in self.cards.owners.values() if r)
        self.tables: dict[str, MergeTable] = {}
        self.follow = FollowThrough(self._table, self.changed, now=now)  # the forms' own steps
        self.history: list[dict[str, object]] = []
        self.ledger: list[dict[str, object]] = []  # entries added by this run
        # Where each form's fields land, worked out once per form (and table, section), not once per file.
        self._targets_of: dict[tuple[str, str, str], list[tuple[str, str, bool]]] = {}
        self._used: dict[str, frozenset[str]] = {}  # form -> the header fields its tables take
        self._products: pd.DataFrame | None = None
        self._names: dict[str, str] | None = None  # customer id -> the master's name, read on first use
        ledger = store.frame(LEDGER.name)
        self.known_sha = set(ledger_files(ledger, *SETTLED))
        # What a file sent again repeats: the settled file of the same content, when and how it was settled.
        settled = ledger[ledger["status"].isin(SETTLED)]
        self.settled: dict[str, tuple[str, str, str]] = {
            str(sha): (str(name), str(when), str(status))
            for sha, name, when, status in zip(
                settled["file_sha256"], settled["file_name"], settled["consolidated_at"], settled["status"]
            )
        }
        self.held = set(ledger_files(ledger, "needs_review"))
        self.undone = ledger_files(ledger, "undone") - self.known_sha  # an undone file accepted again is settled
        # Live submissions by form instance (form, rep, key): (sha256, file name) in the order they came.
        self.instances: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
        live = ledger[ledger["status"].isin(LIVE)]
        for form, rep, key, sha, name in zip(
            live["form"], live["rep"], live["key"], live["file_sha256"], live["file_name"]
        ):
            self.instances.setdefault((str(form), str(rep), key if isinstance(key, str) else ""), []).append(
                (str(sha), str(name))
            )

    def apply(self, outcome: FileOutcome) -> None:
        """Merge one checked file (duplicates and rejected files only pass through)."""
        if outcome.status not in (*LIVE, "needs_review", "duplicate"):
            return
        if outcome.status == "duplicate" or outcome.sha256 in self.known_sha:  # found by the reader or in this run
            outcome.status, outcome.code = "duplicate", "duplicate"
            outcome.reason_en, outcome.reason_zh = texts(self._repeated(outcome.sha256))
            return
        if outcome.sha256 in self.undone:  # taken back out on purpose: an inbox consolidated again keeps it out
            outcome.hold_for_review(
                *texts(
                    msg(
                        "this file was taken back out of the master with consolidate --undo; --accept consolidates "
                        "it again, --reject keeps it out"
                    )
                )
            )
        self._check_folder(outcome)
        self._check_company(outcome)
        if not self._decided(outcome):
            return
        route, spec = ROUTES[outcome.form_id], self.specs[outcome.form_id]
        if reads_product_codes(spec) and outcome.status in LIVE:  # before the references settle the status
            check_product_codes(outcome, spec, self._catalogue)
        check_references(
            outcome, route, spec, self.cards.owners, self.cards.spellings, self.cards.customers, strict=self.strict
        )
        if outcome.status not in LIVE:
            return
        rest = self._kept_values(outcome, spec, route)
        kept = row_json(_readable(rest, spec, self.lang)) if rest else None
        if kept is not None and len(kept) > EXCEL_MAX_TEXT:
            _refuse_kept_too_long(outcome, spec, rest, len(kept))
            return
        if route.registers_customers and self.cards.refuse(outcome, spec, self.instances):
            return
        settle_key(outcome, self.now)
        earlier = self.instances.get((outcome.form_id, outcome.rep, outcome.key), []) if outcome.key else []
        owned = self._rows_by_file(route, earlier)  # before this file's updates give the rows its provenance
        touched: dict[str, set[Location]] = {}
        lineage = frozenset({outcome.sha256, *(sha for sha, _ in earlier)})  # the rows this file may update as its own
        if route.registers_customers:
            self._apply_card(outcome, spec, earlier)
        elif route.header_tables:
            for name in route.header_tables:
                touched[name] = self._upsert(name, [self._header_row(outcome, spec, name)], outcome, lineage)
        for section_id, table in route.rows.items():
            lines = plan_rows(table, outcome, self._lines(outcome, spec, table, section_id))
            for name, rows in shape_lines(outcome, route, spec, section_id, table, lines, lang=self.lang).items():
                touched.setdefault(name, set()).update(self._upsert(name, rows, outcome, lineage))
        if "Contacts" in touched:  # a newly named buyer retires the customer's earlier one
            # A retired buyer is reported as retired (before/after), not also as missing from a correction.
            touched["Contacts"] |= self._retire(outcome, touched["Contacts"])
        self._settle_correction(outcome, route, earlier, owned, touched)
        self._ledger(outcome, kept)

    # -- review --------------------------------------------------------------------------------------------

    def _check_folder(self, outcome: FileOutcome) -> None:
        """Hold a file whose rep (typed or hidden) is not the rep of the inbox folder it came from."""
        owner = folder_rep(outcome.name, self.rep_folders, self.reps)
        named = {r for r in (outcome.rep, outcome.meta_rep) if r}
        if owner and named - {owner}:
            other = listing(sorted(named - {owner}))
            outcome.hold_for_review(
                *texts(msg("the file came from {owner}'s folder but names {other}", owner=owner, other=other))
            )

    def _check_company(self, outcome: FileOutcome) -> None:
        """Hold a form made for another company than the master's, and a card from a rep the master does not
        know where its customers have reps (a form naming no company creates no customers unseen; in a master
        whose customers have no rep, an empty one or a pasted list, every rep is new)."""
        card = ROUTES[outcome.form_id].registers_customers and bool(self.reps)
        known = self.reps | frozenset(self.rep_folders.values())
        for reason in (
            other_company(outcome.company, self.store.settings.company_name),
            unknown_rep_card(outcome.rep, known) if card else None,
        ):
            if reason is not None:
                outcome.hold_for_review(*reason)

    def _decided(self, outcome: FileOutcome) -> bool:
        """Apply a person's decision to a file waiting for review; whether it may now be merged."""
        decision = self.decisions.get(outcome.sha256)
        if outcome.status != "needs_review":
            return True
        if decision:
            self.reviewed.add(outcome.sha256)
        if decision == "accept":
            outcome.status, outcome.code = outcome.settled_status(), "accepted_after_review"
            reason = Pair(outcome.reason_en, outcome.reason_zh)
            outcome.warn(msg("accepted after review: {reason}", reason=reason))
            return True
        if decision == "reject":
            outcome.reject(
                "rejected_after_review",
                msg("rejected after review: {reason}", reason=Pair(outcome.reason_en, outcome.reason_zh)),
            )
        self._ledger_waiting(outcome)
        return False

    def _ledger_waiting(self, outcome: FileOutcome) -> None:
        """Record a file held for review (once), or rejected after review so later runs know the decision."""
        if outcome.sha256 in self.held:
            ledger = self.store.frame(LEDGER.name)
            if outcome.status == "rejected":
                ledger.loc[ledger["file_sha256"] == outcome.sha256, "status"] = "rejected"
                self.changed.add(LEDGER.name)
                self.edited.add(LEDGER.name)
        else:
            self._ledger_entry(outcome, header=None)
        if outcome.status == "rejected":
            self.known_sha.add(outcome.sha256)
            self.settled[outcome.sha256] = (outcome.name, self.now, "rejected")

    # -- references ----------------------------------------------------------------------------------------

    # -- rows ----------------------------------------------------------------------------------------------

    def _catalogue(self) -> pd.DataFrame:
        """The master's Products (empty without one), read once per run, on the first form giving product codes."""
        if self._products is None:
            self._products = load_optional_tables(self.store.path, (PRODUCTS,))[PRODUCTS.name]
        return self._products

    def _provenance(self, outcome: FileOutcome, sheet: str, row: int | None) -> dict[str, object]:
        return {
            "source_file": outcome.name,
            "source_sheet": sheet,
            "source_row": row,
            "rep": outcome.rep,
            "period": outcome.period or None,
            "file_sha256": outcome.sha256,
            "consolidated_at": self.now,
        }

    def _targets(
        self, fields: tuple[FieldSpec, ...], table: str, fed: tuple[str, ...] = ()
    ) -> list[tuple[str, str, bool]]:
        """(field key, column, is an extra column) for each field: maps_to first, then same key, else label.

        A field mapped to another of the ``fed`` tables lands there (a quote line's date is its quotation's).
        """
        keys = ALL_CONSOLIDATION_TABLES[table].keys
        targets = []
        for f in fields:
            target_table, _, column = (f.maps_to or "").partition(".")
            if target_table == table:
                targets.append((f.key, column, False))
            elif f.key in keys:
                targets.append((f.key, f.key, False))
            elif target_table in fed:
                continue
            else:  # kept as an extra column under its label
                targets.append((f.key, self._extra_header(table, f), True))
        return targets

    def _extra_header(self, table: str, field: FieldSpec) -> str:
        """The header of a field kept as an extra column of ``table``: its label in the master's language, an English
        one in the Title Case of the master's own headers (Customer Name beside Customer ID); a column the table has
        under a spelling that differs only in case or spacing (a Customer name of an earlier run) is that column."""
        label = field.label.zh if self.lang == "zh" else title_case(field.label.en)
        frame = self.store.frames.get(table)
        had = {normalize_header(c): str(c) for c in (frame.columns if frame is not None else ())}
        return had.get(normalize_header(label), label)

    @staticmethod
    def _columns_for(targets: list[tuple[str, str, bool]], values: dict[str, object]) -> dict[str, object]:
        return {
            column: values[key]
            for key, column, extra in targets
            if key in values and (not extra or values[key] is not None)
        }

    def _header_targets(self, spec: FormSpec, table: str, *, mapped_only: bool) -> list[tuple[str, str, bool]]:
        """``_targets`` of the form's header fields (only those mapped to ``table`` when ``mapped_only``)."""
        key = (spec.id, table, "mapped header" if mapped_only else "header")
        if key not in self._targets_of:
            fields = spec.header_fields
            if mapped_only:
                fields = tuple(f for f in fields if (f.maps_to or "").partition(".")[0] == table)
            self._targets_of[key] = self._targets(fields, table)
        return self._targets_of[key]

    def _line_targets(self, spec: FormSpec, table: str, section_id: str) -> list[tuple[str, str, bool]]:
        """``_targets`` of a table section's fields."""
        key = (spec.id, table, f"section {section_id}")
        if key not in self._targets_of:
            fields = spec.section(section_id).fields
            self._targets_of[key] = self._targets(fields, table, route_tables(ROUTES[spec.id]))
        return self._targets_of[key]

    def _lines(self, outcome: FileOutcome, spec: FormSpec, table: str, section_id: str) -> list[dict[str, object]]:
        """The master rows of one table section: header values and provenance shared, then each line's own."""
        keys = _keys(table)
        base = self._columns_for(self._header_targets(spec, table, mapped_only=True), outcome.header)
        targets = self._line_targets(spec, table, section_id)
        for key in ("customer_id", "quote_no", "year"):  # a line inherits its form's customer, quote, year
            if key in keys and base.get(key) is None and outcome.header.get(key) is not None:
                base[key] = outcome.header[key]
        provenance = self._provenance(outcome, "", None)
        period = parse_period(outcome.period) if "date" in keys else None
        start = pd.Timestamp(period.first) if period is not None else None
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
        values = self._columns_for(self._header_targets(spec, table, mapped_only=False), outcome.header)
        keys = _keys(table)
        return {
            **{k: v for k, v in values.items() if k in keys},
            **self._provenance(outcome, "", None),
        }

    def _table(self, name: str) -> MergeTable:
        if name not in self.tables:
            frame = self.store.frames[name]
            self.tables[name] = MergeTable(name, frame, KeyedRows.of_frame(frame, ROW_KEYS[name]))
        return self.tables[name]

    def _upsert(
        self, name: str, rows: list[dict[str, object]], outcome: FileOutcome, lineage: frozenset[str]
    ) -> set[Location]:
        """Add each row, or update the row with its key (a key fitting several rows: rowmatch.KeyedRows.place);
        returns the rows this file matched or added."""
        rows = self.follow.rows(name, rows, outcome)
        table = self._table(name)
        touched: set[Location] = set()
        places, several = table.keyed.place(rows, held=table.record, lineage=lineage)
        outcome.issues.extend(several_issue(outcome, name, rows[s.index], s, table.record) for s in several)
        for values, where in zip(rows, places):
            if where is None:
                touched.add(table.add(values))
                outcome.rows_added += 1
                self.changed.add(name)
                continue
            touched.add(where)
            if self._update(table, where, values, outcome):
                outcome.rows_updated += 1
            else:
                self._sent_again(table, where, values)
        return touched

    def _sent_again(self, table: MergeTable, where: Location, values: Mapping[str, object]) -> None:
        """Record a row another file added that this file sent unchanged: the undo of that file keeps it for this one
        (keyacct_xl/consolidate/sentagain.py)."""
        entry = sent_again_entry(table.name, table.get(where, "file_sha256"), values, self.now)
        if entry is not None:
            self.history.append(entry)
            self.changed.add(HISTORY.name)

    def _retire(self, outcome: FileOutcome, named: set[Location]) -> set[Location]:
        """Retire the buyers the ``named`` ones replace; the rows retired."""
        contacts = self._table("Contacts")
        retired: set[Location] = set()
        for where, values in replaced_buyers(contacts, named, outcome, self.now, self.lang):
            retired.add(where)
            if self._update(contacts, where, values, outcome):
                outcome.rows_updated += 1
        return retired

    def _update(self, table: MergeTable, where: Location, values: Mapping[str, object], outcome: FileOutcome) -> bool:
        """Write the submitted values that differ into an existing row; blanks never erase. Whether it changed."""
        differ = {
            c: v
            for c, v in values.items()
            if c not in PROVENANCE_KEYS
            and (c != "rep" or c in ROW_KEYS[table.name].updates)
            and not is_blank(v)
            and (is_blank(table.get(where, c)) or not says_the_same(c, table.get(where, c), v, ROW_KEYS[table.name]))
            and not self._echoed_name(table, where, c, v)
        }
        if not differ:
            return False
        before = table.record(where)
        key = key_text(before, ROW_KEYS[table.name])
        for column, value in differ.items():
            self.changes.append(
                RowChange("updated", outcome.name, table.name, key, column, shown(before.get(column)), shown(value))
            )
        table.put(where, {**differ, **{c: values[c] for c in PROVENANCE_KEYS if c in values}})
        if ROW_KEYS[table.name].moves in differ:  # a line moved to another day: found under its new key
            table.keyed.moved(before, table.record(where), where)
        self._history(table.name, before, outcome, "updated", written=differ)
        self.changed.add(table.name)
        if where[0] == "frame":
            self.edited.add(table.name)
        return True

    def _echoed_name(self, table: MergeTable, where: Location, column: str, value: object) -> bool:
        """Whether ``value`` is the customer's name as the master holds it, sent for a row whose form's name column
        (kept beside the table's, not one of its own) is blank: what a pre-filled form printed, not an edit of the
        rep's. Such a row is left as it was: a pre-filled funnel returned untouched counted every line as updated."""
        if column in ALL_CONSOLIDATION_TABLES[table.name].keys or not is_blank(table.get(where, column)):
            return False
        if normalize_header(column) != normalize_header(CUSTOMERS.column("name").header(self.lang)):
            return False
        if self._names is None:
            self._names = customer_names(self.cards.customers())
        cid = table.get(where, "customer_id")
        return not is_blank(cid) and same_value(self._names.get(str(cid).strip()), value)

    def _history(
        self,
        table: str,
        before: Mapping[str, object],
        outcome: FileOutcome,
        change: str,
        written: Mapping[str, object] | None = None,
    ) -> None:
        data, kept = row_json(dict(before)), None if written is None else row_json(dict(written))
        longest = max(len(data), len(kept or ""))
        if longest > EXCEL_MAX_TEXT:
            _refuse_history_too_long(outcome, table, key_text(before, ROW_KEYS[table]), longest)
        self.history.append(
            {
                "table": table,
                "change": change,
                "file_sha256": before.get("file_sha256"),
                "source_file": before.get("source_file"),
                "source_row": before.get("source_row"),
                "rep": before.get("rep"),
                "period": before.get("period"),
                "changed_at": self.now,
                "changed_by_file": outcome.name,
                "changed_by": outcome.sha256,
                "data": data,
                "written": kept,
            }
        )
        self.changed.add(HISTORY.name)

    def _apply_card(self, outcome: FileOutcome, spec: FormSpec, earlier: list[tuple[str, str]]) -> None:
        update = self.cards.apply(outcome, spec, self._provenance, corrects=frozenset(sha for sha, _ in earlier))
        self.changed.update(self.cards.changed)
        self.edited.update(self.cards.edited)
        if update is not None:
            before, after = update
            for column in after:
                self.changes.append(
                    RowChange(
                        "updated",
                        outcome.name,
                        "Customers",
                        str(outcome.key),
                        column,
                        shown(before.get(column)),
                        shown(after[column]),
                    )
                )
            self._history("Customers", before, outcome, "updated", written=after)
            outcome.rows_updated += 1

    # -- corrections ---------------------------------------------------------------------------------------

    def _rows_by_file(self, route: Route, earlier: list[tuple[str, str]]) -> dict[str, dict[str, set[Location]]]:
        """Each earlier file's rows in the tables the route matches rows in: file sha256 -> table -> rows."""
        owned: dict[str, dict[str, set[Location]]] = {}
        if not earlier:
            return owned
        shas = frozenset(sha for sha, _ in earlier)
        for name in route_tables(route):
            if route.registers_customers and name == route.header_table:
                continue  # the card's customer row is the card merger's: a card corrects by its key alone
            for sha, rows in self._table(name).rows_by_file(shas).items():
                owned.setdefault(sha, {})[name] = rows
        return owned

    def _settle_correction(
        self,
        outcome: FileOutcome,
        route: Route,
        earlier: list[tuple[str, str]],
        owned: Mapping[str, Mapping[str, set[Location]]],
        touched: dict[str, set[Location]],
    ) -> None:
        """Decide which earlier files this file corrects; list the rows of those files it no longer has.

        A file with a key field (quote, card) corrects every earlier file of its instance. A period file corrects
        an earlier file when it repeats at least ``CORRECTION_OVERLAP`` of that file's own rows; the earlier files
        are judged one by one, so Thu–Fri corrected does not make Mon–Wed "corrected" (or its rows "missing").
        """
        corrected = [(sha, name) for sha, name in earlier if route.key_field or _repeats(owned.get(sha, {}), touched)]
        if not corrected:
            return  # another file of the same period: its rows add up
        outcome.corrects = ", ".join(name for _, name in corrected)
        for sha, earlier_name in corrected:
            for name, rows in owned.get(sha, {}).items():
                if name not in touched:
                    continue
                table = self._table(name)
                for where in sorted(rows - touched[name]):
                    key = key_text(table.record(where), ROW_KEYS[name])
                    self.changes.append(RowChange("removed", outcome.name, name, key, earlier=earlier_name))
        shas = {sha for sha, _ in corrected}
        ledger = self.store.frame(LEDGER.name)
        ledger.loc[ledger["file_sha256"].isin(shas), "corrected_by"] = outcome.sha256
        for entry in self.ledger:
            if entry["file_sha256"] in shas:
                entry["corrected_by"] = outcome.sha256
        self.changed.add(LEDGER.name)
        self.edited.add(LEDGER.name)

    # -- bookkeeping ---------------------------------------------------------------------------------------

    def _kept_values(self, outcome: FileOutcome, spec: FormSpec, route: Route) -> dict[str, object]:
        """The header fields no table takes and the lines of sections none takes, by key, which the ledger keeps (as
        JSON) so nothing a rep typed is lost; empty when there are none."""
        used = self._used.get(spec.id)
        if used is None:
            used = self._used[spec.id] = frozenset(
                {"rep", "period"} | {f.key for f in spec.header_fields if _consumed(f, route)}
            )
        rest: dict[str, object] = {k: v for k, v in outcome.header.items() if k not in used and v is not None}
        rest.update(_unrouted_lines(outcome, route))
        return rest

    def _ledger(self, outcome: FileOutcome, kept: str | None) -> None:
        self._ledger_entry(outcome, header=kept)
        self.known_sha.add(outcome.sha256)
        self.settled[outcome.sha256] = (outcome.name, self.now, "accepted")

    def _repeated(self, sha: str) -> Message:
        """Why a file is a duplicate: the earlier file of the same content, and when it was merged or refused."""
        name, when, status = self.settled.get(sha, ("", "", "accepted"))
        if status == "rejected":
            return msg("same content as {file}, refused on {when}", file=name, when=when)
        return msg("same content as {file}, consolidated on {when}", file=name, when=when)

    def _ledger_entry(self, outcome: FileOutcome, *, header: str | None) -> None:
        self.ledger.append(
            {
                "file_sha256": outcome.sha256,
                "file_name": outcome.name,
                "form": outcome.form_id,
                "version": outcome.version or None,
                "rep": outcome.rep,
                "period": outcome.period or None,
                "key": outcome.key or None,
                "status": outcome.status,
                "rows": outcome.rows_added,
                "rejected_rows": sum(1 for r in outcome.rows if not r.ok),
                "consolidated_at": self.now,
                "header": header,
            }
        )
        if outcome.status in LIVE:
            self.instances.setdefault((outcome.form_id, outcome.rep, outcome.key), []).append(
                (outcome.sha256, outcome.name)
            )
        self.changed.add(LEDGER.name)

    def flush(self) -> None:
        """Append the rows, history and ledger entries added during the run to the Store's frames."""
        names = customer_names(self.cards.customers())
        frames = self.store.frames
        added = {name: table.added for name, table in self.tables.items()}
        for name, rows in added.items():
            column = self._name_column(name, rows)
            fill_customer_names(rows, column, names)
            fill_customer_names(self.tables[name].written, column, names)  # the name is part of what the file wrote
        written = [
            *((name, table.written) for name, table in self.tables.items()),
            (CUSTOMERS.name, self.cards.written),
        ]
        recorded = [entry for name, rows in written for entry in added_entries(name, rows, self.now)]
        if recorded:
            self.history += recorded
            self.changed.add(HISTORY.name)
        self.cards.written = []
        added[HISTORY.name], added[LEDGER.name] = self.history, self.ledger
        for name, rows in added.items():
            if rows:
                frames[name] = append_rows(frames[name], rows, ALL_CONSOLIDATION_TABLES[name])
        for table in self.tables.values():
            table.added, table.written = [], []
        self.history, self.ledger = [], []

    def _name_column(self, name: str, rows: list[dict[str, object]]) -> str | None:
        """The column of table ``name`` that names a row's customer: its own customer_name, or a form's customer
        name kept as an extra column (a visit record's 客户名称 in Visits) that the table or its new rows have."""
        keys = ALL_CONSOLIDATION_TABLES[name].keys
        if "customer_name" in keys:
            return "customer_name"
        if "customer_id" not in keys:
            return None
        wanted = normalize_header(CUSTOMERS.column("name").header(self.lang))
        present = [*self.tables[name].frame.columns, *(c for row in rows for c in row)]
        return next((str(c) for c in present if normalize_header(c) == wanted), None)


def customer_names(customers: pd.DataFrame) -> dict[str, str]:
    """Customer id -> the master's name of the customer (customers without a name left out)."""
    return {
        str(cid).strip(): str(name)
        for cid, name in zip(customers["customer_id"], customers["name"])
        if not is_blank(cid) and not is_blank(name)
    }


def fill_customer_names(rows: list[dict[str, object]], column: str | None, names: Mapping[str, str]) -> None:
    """Give each new row whose ``column`` is blank its customer's name from the master: a rep who picked the customer
    from the form's dropdown typed the id only, and the row read blank where the customer is named. A name the rep
    typed is kept as typed."""
    if column is None:
        return
    for row in rows:
        cid = row.get("customer_id")
        if is_blank(row.get(column)) and not is_blank(cid) and str(cid).strip() in names:
            row[column] = names[str(cid).strip()]


def _repeats(rows: Mapping[str, set[Location]], touched: Mapping[str, set[Location]]) -> bool:
    """Whether a file's ``touched`` rows are at least ``CORRECTION_OVERLAP`` of an earlier file's own ``rows``."""
    total = sum(len(found) for name, found in rows.items() if name in touched)
    repeated = sum(len(found & touched[name]) for name, found in rows.items() if name in touched)
    return total > 0 and repeated / total >= CORRECTION_OVERLAP


def _refuse_kept_too_long(outcome: FileOutcome, spec: FormSpec, rest: Mapping[str, object], length: int) -> None:
    """Refuse a file whose fields kept in the ledger make a text longer than its one cell holds: the master could not
    be saved (or would lose the text), and cutting it would drop what the rep typed. The field holding most of it is
    named, so the rep knows what to shorten (before, "the longest texts" left them to guess)."""
    sizes = {key: len(row_json({key: value})) for key, value in rest.items()}
    largest = max(sizes, key=sizes.__getitem__)
    outcome.reject(
        "too_long",
        msg(
            "the fields and lines no master table takes are kept in one cell of the import ledger, and this "
            "file's come to {length:,} characters, more than the {limit:,} a cell holds; {field} holds the most "
            "of them ({most:,}): shorten it and send the file again",
            length=length,
            limit=EXCEL_MAX_TEXT,
            field=_kept_label(spec, largest),
            most=sizes[largest],
        ),
    )


def _kept_label(spec: FormSpec, key: str) -> Pair | str:
    """What the form calls a key the ledger keeps: a header field's label, a line field's as section · field; a key
    the form no longer has (an older version's field) as it is."""
    section_id, _, field_key = key.rpartition(".")
    if section_id:
        section = next((s for s in spec.sections if s.id == section_id), None)
        field = next((f for f in section.fields if f.key == field_key), None) if section is not None else None
        if section is not None and field is not None:
            return Pair(f"{section.title.en} · {field.label.en}", f"{section.title.zh} · {field.label.zh}")
        return key
    field = next((f for f in (*spec.header_fields, *TITLE_FIELD_SPECS.values()) if f.key == key), None)
    return key if field is None else Pair(field.label.en, field.label.zh)


def _readable(rest: Mapping[str, object], spec: FormSpec, lang: Lang) -> dict[str, object]:
    """The values the ledger keeps as a person reads them in the master's language: under the form's labels
    (注册资本(万元), 顺延客户 · 客户名称), dates as days, 200 not 200.0. Nothing reads them back (an undo goes by the
    history's rows), so the ledger's 表头数据 is written for the person looking up what a rep typed."""
    readable: dict[str, object] = {}
    for key, value in rest.items():
        label = _kept_label(spec, key)
        name = label.render(lang) if isinstance(label, Pair) else label
        cells = {ref: shown(v) for ref, v in value.items()} if isinstance(value, Mapping) else shown(value)
        if cells not in ("", {}):
            readable[key if name in readable else name] = cells
    return readable


class HistoryTooLong(Exception):
    """A file's change of a row whose history entry outgrows a cell. Raised out of ``Merger.apply`` (the file's other
    rows may already be merged in memory) so the run merges again from the master as read, this file refused."""

    def __init__(self, name: str, reason: Message) -> None:
        super().__init__(name)
        self.name, self.reason = name, reason


def _refuse_history_too_long(outcome: FileOutcome, table: str, key: str, length: int) -> None:
    """Stop merging this file: the row it changes is kept in the history as it was (one cell of JSON, what an undo
    puts back), and that text is longer than a cell holds. The file's other rows may already be merged in memory, so
    the run merges again without it (keyacct_xl.consolidate.run): the file alone is refused, nothing of it kept."""
    raise HistoryTooLong(
        outcome.name,
        msg(
            "its change of {table} row {key} is kept in the submission history as the row was, and that comes to "
            "{length:,} characters, more than the {limit:,} a cell holds, so the change could not be undone; nothing "
            "of this file was consolidated: shorten the row's longest text in the master and send the file again",
            table=table,
            key=key,
            length=length,
            limit=EXCEL_MAX_TEXT,
        ),
    )


def _unrouted_lines(outcome: FileOutcome, route: Route) -> dict[str, dict[str, object]]:
    """The cells of lines in a table section no master table takes (the weekly plan's deferred customers), as
    ``{"section.key": {cell: value}}``, so what a rep typed there is kept in the ledger, not dropped."""
    routed = {*route.rows, *route.line_headers}
    kept: dict[str, dict[str, object]] = {}
    for row in outcome.rows:
        if row.section in routed:
            continue
        for key, value in row.values.items():
            if not is_blank(value) and key in row.refs:  # a computed value has no cell: it follows from those kept
                kept.setdefault(f"{row.section}.{key}", {})[row.refs[key]] = plain_value(value)
    return kept
