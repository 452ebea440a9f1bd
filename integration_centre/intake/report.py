"""An import's report: per row, the problems (line, column, field, reason) and what was (or would
be) created. It holds row numbers, column headers, field codes and reasons — never a value of a
cell — so it may be printed, stored with the run and shown to any agent of the office.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

ERROR = "error"
WARNING = "warning"


@dataclass
class Issue:
    """One problem of one row: ``field`` is a field code, ``column`` the header it came from."""

    line: int
    severity: str
    code: str
    message: str
    field: str | None = None
    column: str | None = None
    other_line: int | None = None  # the row this one duplicates, within the file

    def as_dict(self) -> dict:
        """Plain data (JSON)."""
        return {k: v for k, v in self.__dict__.items() if v is not None}


class LineRanges:
    """A set of row numbers kept as ranges, so that 100,000 consecutive rows cost one pair."""

    def __init__(self) -> None:
        self.ranges: list[list[int]] = []
        self.count = 0

    def add(self, line: int) -> None:
        """Add ``line`` (rows come in increasing order)."""
        self.count += 1
        if self.ranges and self.ranges[-1][1] == line - 1:
            self.ranges[-1][1] = line
        else:
            self.ranges.append([line, line])

    def lines(self) -> list[int]:
        """Every row number (tests and small reports)."""
        return [line for start, end in self.ranges for line in range(start, end + 1)]

    def __str__(self) -> str:
        return ", ".join(str(a) if a == b else f"{a}–{b}" for a, b in self.ranges)


@dataclass
class ImportReport:
    """What an import found and did. ``created`` holds the rows written (or, in a dry run, the
    rows that would be); ``already_imported`` the rows an earlier import of the same rows wrote."""

    dry_run: bool
    source: dict = field(default_factory=dict)
    columns: list[dict] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)
    rows_read: int = 0
    created: LineRanges = field(default_factory=LineRanges)
    already_imported: LineRanges = field(default_factory=LineRanges)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    status: str = "running"
    failure: str | None = None
    batches_committed: int = 0
    run_id: str | None = None

    @property
    def failed_lines(self) -> list[int]:
        """The rows refused for an error."""
        return sorted({issue.line for issue in self.errors if issue.line})

    @property
    def skipped_lines(self) -> list[int]:
        """The rows not written because they look like a duplicate (warnings that skip)."""
        return sorted({i.line for i in self.warnings if i.code.startswith("duplicate")})

    @property
    def ok(self) -> bool:
        """True when no row failed and the import finished."""
        return not self.errors and self.status in ("completed", "dry_run")

    def as_dict(self) -> dict:
        """Plain data (JSON) stored with the run and printed by ``--json``."""
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "status": self.status,
            "failure": self.failure,
            "source": self.source,
            "columns": self.columns,
            "defaults": self.defaults,
            "rows_read": self.rows_read,
            "created": {"count": self.created.count, "lines": self.created.ranges},
            "already_imported": {"count": self.already_imported.count, "lines": self.already_imported.ranges},
            "batches_committed": self.batches_committed,
            "errors": [i.as_dict() for i in self.errors],
            "warnings": [i.as_dict() for i in self.warnings],
        }

    def text(self) -> str:
        """The report as lines for the console."""
        out = []
        for column in self.columns:
            target = column.get("field") or _("ignored")
            out.append(_("Column %(number)s '%(header)s': %(field)s", number=column["index"] + 1,
                         header=column["header"], field=target))  # fmt: skip
        for name in self.defaults:
            out.append(_("Not in the file, taken from the mapping: %(field)s", field=name))
        for issue in [*self.errors, *self.warnings]:
            where = _("line %(line)s", line=issue.line)
            if issue.column or issue.field:
                where += ", " + _("column '%(column)s' (%(field)s)", column=issue.column or "", field=issue.field or "")
            label = _("error") if issue.severity == ERROR else _("warning")
            out.append(f"{where}: {label} [{issue.code}] {issue.message}")
        verb = _("would be created") if self.dry_run else _("created")
        out.append(_("Rows read: %(count)s", count=self.rows_read))
        out.append(_("Files %(verb)s: %(count)s (lines %(lines)s)", verb=verb, count=self.created.count,
                     lines=str(self.created) or "-"))  # fmt: skip
        if self.already_imported.count:
            out.append(_("Already imported before, skipped: %(count)s (lines %(lines)s)",
                         count=self.already_imported.count, lines=str(self.already_imported)))  # fmt: skip
        out.append(_("Rows with errors: %(count)s; rows skipped as duplicates: %(skipped)s",
                     count=len(self.failed_lines), skipped=len(self.skipped_lines)))  # fmt: skip
        if self.failure:
            out.append(self.failure)
        return "\n".join(out)
