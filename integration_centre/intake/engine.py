"""Running an import: a dry run (report only) or the import itself, batch by batch.

``run_import(actor, office, stream, filename, …)`` checks the actor (an agent of the office),
opens the file (``sources``: size, type, zip bomb, encoding), maps the columns (``fields``, a
preset), then reads the rows in batches. Per row, in this order:

1. read and validate (``rows.read_row``): an error refuses the row;
2. the same row already written by an earlier import (its fingerprint is known): skipped;
3. the same person as an earlier row of this file (same NISS, or same family name and date of
   birth): a warning, skipped;
4. a probable duplicate of an existing file (``registration.match_duplicates_many``, blind
   indexes): a warning, skipped — in another office, the coordinator gets a ``DuplicateReview``;
5. otherwise created by ``registration.register_many`` (encrypted, audited, indexed) with its
   fingerprint.

Each step is set-based over the batch: one query for the known fingerprints, one for the keys of
the earlier rows (kept in ``intake_seen_key`` for the run, not in memory, so that an import's
memory stays flat whatever the file's length), one search of the blind indexes, and one
registration of the batch's new files (a fixed number of statements).

Each batch is one transaction: committed whole, or (on any failure) rolled back whole, the run
marked ``failed`` and the report saying which rows the committed batches wrote. A process killed
midway leaves only complete batches; running the same file again skips their rows (step 2). A
dry run writes no file: only the audit of the duplicate searches and the run's report.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import BinaryIO

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update

from integration_centre import clock
from integration_centre.accounts.models import Office, Role, User
from integration_centre.accounts.permissions import can_see_office, require
from integration_centre.extensions import db
from integration_centre.intake import fields, rows, sources
from integration_centre.intake.errors import ImportRefused
from integration_centre.intake.models import ImportedRow, ImportMapping, ImportRun, ImportSeenKey
from integration_centre.intake.report import WARNING, ImportReport, Issue, LineRanges
from integration_centre.pathway import registration
from integration_centre.pathway.models import DuplicateReview
from integration_centre.pathway.permissions import person_visible_to
from integration_centre.privacy import audit
from integration_centre.privacy.access import clear_request_caches

DEFAULT_BATCH_SIZE = 200
DUPLICATE_EXISTING = _l("Probable duplicate of an existing file of your office: not imported; check that file.")
DUPLICATE_ELSEWHERE = _l(
    "A file that may be the same person exists in another office: not imported; the centre's coordinator "
    "will review it."
)
Progress = Callable[[int, int | None], None]


def run_import(
    actor: User,
    office: Office,
    stream: BinaryIO,
    filename: str,
    *,
    preset: ImportMapping | None = None,
    columns: dict[str, str] | None = None,
    dry_run: bool = False,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportReport:
    """Dry-run or import the list in ``stream`` (a seekable binary file) at ``office``.

    ``preset`` is a saved mapping; ``columns`` ({header: field code}) overrides it and the
    detection. Raises ``ImportRefused`` when the file cannot be imported at all (nothing is
    written). Otherwise returns the report; the rows are committed batch by batch.
    """
    require(actor.role == Role.AGENT and can_see_office(actor, office.id))
    today = today or clock.today()
    source = sources.open_source(stream, filename)
    row_iter = source.rows()
    try:
        return _import_rows(actor, office, source, row_iter, preset, columns, dry_run, batch_size, progress, today)
    finally:
        row_iter.close()


def _import_rows(actor, office, source, row_iter, preset, columns, dry_run, batch_size, progress, today):
    first = next(row_iter, None)
    if first is None:
        raise ImportRefused(_("The file holds no row."), "empty")
    preset_columns = {**(preset.columns if preset else {}), **(columns or {})}
    mapping = fields.detect(first[1], preset_columns, preset.defaults if preset else None)
    check_mapping(mapping)
    report = ImportReport(dry_run=dry_run)
    report.source = {"kind": source.kind, "encoding": source.encoding, "delimiter": source.delimiter}
    report.columns = [{"index": c.index, "header": c.header, "field": c.field} for c in mapping.columns]
    report.defaults = sorted({*rows.BUILTIN_DEFAULTS, *mapping.defaults} - set(mapping.by_field()))
    for name, _kept, ignored in mapping.conflicts:
        report.warnings.append(
            Issue(
                first[0], WARNING, "column_twice", _("Two columns for one field: the first one is used."), name, ignored
            )
        )
    run = start_run(actor, office, source, preset, dry_run)
    report.run_id = str(run.id)
    importer = _Batches(actor, office, run, report, mapping, dry_run=dry_run, today=today)
    batch: list[tuple[int, list]] = []
    try:
        for item in row_iter:
            batch.append(item)
            if len(batch) >= batch_size:
                importer.write(batch)
                batch = []
                if progress:
                    progress(report.rows_read, source.estimated_rows)
        if batch:
            importer.write(batch)
    except _BatchFailed:
        return finish_run(run.id, report, "failed")
    except ImportRefused as exc:  # the file turned out unreadable midway (e.g. a broken XLSX)
        db.session.rollback()
        report.failure = exc.message
        return finish_run(run.id, report, "failed")
    if progress:
        progress(report.rows_read, source.estimated_rows)
    return finish_run(run.id, report, "dry_run" if dry_run else "completed")


def check_mapping(mapping: fields.ColumnMapping) -> None:
    """Refuse a file whose columns feed no field, or miss a required one."""
    if not mapping.by_field():
        raise ImportRefused(
            _("No column was recognised: the first line must hold the column names (Nom, Prénom, NISS…)."),
            "columns",
        )
    missing = mapping.missing()
    if missing:
        names = ", ".join(str(fields.LABELS[name]) for name in missing)
        raise ImportRefused(_("Columns missing for: %(fields)s.", fields=names), "columns")


def start_run(actor: User, office: Office, source: sources.Source, preset, dry_run: bool) -> ImportRun:
    """Record the run (committed), noting earlier unfinished runs of the same file as interrupted."""
    unfinished = select(ImportRun.id).where(
        ImportRun.office_id == office.id, ImportRun.file_digest == source.digest, ImportRun.status == "running"
    )
    db.session.execute(delete(ImportSeenKey).where(ImportSeenKey.run_id.in_(unfinished)))
    db.session.execute(
        update(ImportRun)
        .where(ImportRun.office_id == office.id, ImportRun.file_digest == source.digest, ImportRun.status == "running")
        .values(status="interrupted")
    )
    run = ImportRun(
        id=uuid.uuid4(),
        office_id=office.id,
        actor_id=actor.id,
        mapping_id=preset.id if preset else None,
        dry_run=dry_run,
        status="running",
        file_digest=source.digest,
        source_kind=source.kind,
        started_at=clock.utcnow(),
    )
    db.session.add(run)
    audit.record("import_dry_run" if dry_run else "import", "intake_run", run.id, purpose="intake.import", actor=actor)
    db.session.commit()
    return run


def finish_run(run_id: uuid.UUID, report: ImportReport, status: str) -> ImportReport:
    """Store the run's outcome and report (in a transaction of its own)."""
    report.status = status
    db.session.execute(delete(ImportSeenKey).where(ImportSeenKey.run_id == run_id))
    run = db.session.get(ImportRun, run_id)
    run.status = status
    run.rows_read = report.rows_read
    run.rows_created = report.created.count
    run.rows_failed = len(report.failed_lines)
    run.rows_skipped = len(report.skipped_lines) + report.already_imported.count
    run.batches_committed = report.batches_committed
    run.report = report.as_dict()
    run.finished_at = clock.utcnow()
    db.session.commit()
    return report


class _BatchFailed(Exception):
    """A batch could not be written; the report says so."""


class _Batches:
    """The row-by-row decisions and the transaction of each batch."""

    def __init__(self, actor, office, run, report, mapping, *, dry_run: bool, today: date) -> None:
        self.actor, self.office, self.run, self.report = actor, office, run, report
        self.mapping, self.dry_run, self.today = mapping, dry_run, today
        self.run_id = run.id

    def write(self, batch: list[tuple[int, list]]) -> None:
        """Decide every row of ``batch`` and commit it whole (or roll it back whole)."""
        created = LineRanges()
        already: list[int] = []
        try:
            read = [rows.read_row(line, cells, self.mapping, today=self.today) for line, cells in batch]
            valid = []
            for result in read:
                self.report.rows_read += 1
                for issue in result.issues:
                    (self.report.errors if issue.severity == "error" else self.report.warnings).append(issue)
                if result.valid:
                    valid.append((result, rows.fingerprint(self.office.id, result.values)))
            known = self._known([fp for _, fp in valid])
            keyed = [(result, fp, rows.duplicate_keys(result.data, result.values)) for result, fp in valid]
            seen = self._seen([key for _, _, keys in keyed for key in keys])
            new_keys: dict[int, int] = {}
            unknown = []
            for result, fp, keys in keyed:
                earlier = next((line for key in keys if (line := seen.get(key)) is not None), None)
                for key in keys:
                    if key not in seen:
                        seen[key] = new_keys[key] = result.line
                if fp in known:
                    already.append(result.line)
                elif earlier is not None:
                    message = _(
                        "Probable duplicate of line %(line)s of this file (same national register number, or "
                        "same family name and date of birth): not imported.",
                        line=earlier,
                    )
                    self._warn(result.line, "duplicate_in_file", message, earlier)
                else:
                    unknown.append((result, fp))
            self._remember(new_keys)
            matches = registration.match_duplicates_many(self.actor, [r.data for r, _ in unknown]) if unknown else []
            new = [item for item, found in zip(unknown, matches, strict=True) if not self._duplicate(item[0], found)]
            self._create(new)
            for result, _fp in new:
                created.add(result.line)
            self.run.rows_read = self.report.rows_read
            self.run.rows_created = self.report.created.count + created.count
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            first, last = batch[0][0], batch[-1][0]
            self.report.failure = _(
                "Lines %(first)s to %(last)s could not be written (%(reason)s): none of them was kept. "
                "The lines listed as created were written; import the file again to continue.",
                first=first,
                last=last,
                reason=type(exc).__name__,
            )
            raise _BatchFailed from exc
        for line in created.lines():
            self.report.created.add(line)
        for line in already:
            self.report.already_imported.add(line)
        self.report.batches_committed += 1
        if has_request_context():  # keep a long import's memory flat: forget the batch's keys
            clear_request_caches()

    def _known(self, fingerprints: list[str]) -> set[str]:
        if not fingerprints:
            return set()
        return set(db.session.scalars(select(ImportedRow.fingerprint).where(ImportedRow.fingerprint.in_(fingerprints))))

    def _seen(self, keys: list[int]) -> dict[int, int]:
        """{key: first line} of those of ``keys`` that earlier batches of this run met."""
        if not keys:
            return {}
        statement = select(ImportSeenKey.key, ImportSeenKey.line).where(
            ImportSeenKey.run_id == self.run_id, ImportSeenKey.key.in_(sorted(set(keys)))
        )
        return dict(db.session.execute(statement).all())

    def _remember(self, keys: dict[int, int]) -> None:
        """Keep the batch's new keys for the next batches (in the batch's transaction)."""
        if keys:
            db.session.execute(
                ImportSeenKey.__table__.insert(),
                [{"run_id": self.run_id, "key": key, "line": line} for key, line in keys.items()],
            )

    def _warn(self, line: int, code: str, message, other_line: int | None = None) -> None:
        self.report.warnings.append(Issue(line, WARNING, code, str(message), other_line=other_line))

    def _duplicate(self, result: rows.RowResult, matches: list) -> bool:
        """Warn (and, for a file of another office, file a review) when ``matches`` is not empty."""
        if not matches:
            return False
        elsewhere = [m.newcomer for m in matches if not person_visible_to(self.actor, m.newcomer)]
        if len(elsewhere) < len(matches):
            self._warn(result.line, "duplicate_existing", DUPLICATE_EXISTING)
        else:
            self._warn(result.line, "duplicate_elsewhere", DUPLICATE_ELSEWHERE)
        if elsewhere and not self.dry_run:
            db.session.add(
                DuplicateReview(
                    centre_id=self.office.centre_id,
                    office_id=self.office.id,
                    requested_by_id=self.actor.id,
                    person_ids=sorted(str(n.id) for n in elsewhere),
                    status="open",
                )
            )
        return True

    def _create(self, new: list[tuple[rows.RowResult, str]]) -> None:
        if self.dry_run or not new:
            return
        ids = registration.register_many(self.actor, [result.data for result, _ in new], self.office, today=self.today)
        db.session.execute(
            ImportedRow.__table__.insert(),
            [
                {"fingerprint": fp, "person_id": person_id, "run_id": self.run_id, "line": result.line}
                for (result, fp), person_id in zip(new, ids, strict=True)
            ],
        )
