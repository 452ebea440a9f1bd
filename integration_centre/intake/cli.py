"""``integration-centre import FILE --office OFFICE --agent EMAIL [--mapping NAME] [--dry-run]``.

Imports a commune list or a spreadsheet (CSV or XLSX) at an office, in the name of one of its
agents (who is recorded in the audit log as having registered the files). Prints the report
(line numbers, columns and reasons, never a cell's content) and a progress bar on stderr.
Exit codes: 0 every row imported or skipped as already imported or duplicate; 1 some rows have
errors; 2 the file or the command was refused (nothing written); 3 a batch failed (the report
says which rows were written; run it again to continue).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from integration_centre.accounts.models import Office, Role, User
from integration_centre.errors import DomainError
from integration_centre.extensions import db
from integration_centre.intake import services


def _office(value: str) -> Office:
    if value.isdigit() and (office := db.session.get(Office, int(value))) is not None:
        return office
    found = list(db.session.scalars(select(Office).where(func.lower(Office.name) == value.strip().lower())))
    if len(found) != 1:
        raise click.UsageError(f"no single office with id or name {value!r} (give its id)")
    return found[0]


def _agent(email: str, office: Office) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or user.role != Role.AGENT or user.office_id != office.id or not user.is_active:
        raise click.UsageError("--agent must be the e-mail of an active agent of that office")
    return user


def _pairs(items: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals:
            raise click.UsageError(f"{option} takes NAME=VALUE")
        pairs[key.strip()] = value.strip()
    return pairs


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--office", "office_ref", required=True, help="The office (its id or exact name).")
@click.option("--agent", "agent_email", required=True, help="E-mail of the office's agent the files are registered by.")
@click.option("--mapping", "mapping_name", help="A saved mapping (preset) of the office.")
@click.option("--column", "column_items", multiple=True, help="HEADER=FIELD, overrides detection (repeatable).")
@click.option("--default", "default_items", multiple=True, help="FIELD=VALUE for --save-mapping (repeatable).")
@click.option("--save-mapping", "save_as", help="Save the columns used (and --default values) as this preset.")
@click.option("--dry-run", is_flag=True, help="Report only: write no file.")
@click.option("--batch-size", default=services.DEFAULT_BATCH_SIZE, show_default=True, type=click.IntRange(1, 5000))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def import_command(
    file: Path,
    office_ref: str,
    agent_email: str,
    mapping_name: str | None,
    column_items: tuple[str, ...],
    default_items: tuple[str, ...],
    save_as: str | None,
    dry_run: bool,
    batch_size: int,
    as_json: bool,
) -> None:
    """Import a commune list or a spreadsheet (CSV or XLSX) as newcomers' files."""
    office = _office(office_ref)
    agent = _agent(agent_email, office)
    columns = _pairs(column_items, "--column")
    try:
        preset = services.get_mapping(office, mapping_name) if mapping_name else None
        with file.open("rb") as stream, _Progress() as progress:
            report = services.run_import(
                agent, office, stream, file.name, preset=preset, columns=columns, dry_run=dry_run,
                batch_size=batch_size, progress=progress,
            )  # fmt: skip
        if save_as:
            used = {c["header"]: c["field"] or "" for c in report.columns}
            defaults = {**(preset.defaults if preset else {}), **_pairs(default_items, "--default")}
            services.save_mapping(agent, office, save_as, used, defaults)
            db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        click.echo(f"Refused: {exc.message}", err=True)
        sys.exit(2)
    click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) if as_json else report.text())
    if report.status == "failed":
        sys.exit(3)
    if report.errors:
        sys.exit(1)


class _Progress:
    """A click progress bar on stderr fed by the engine's (rows done, rows expected) callback."""

    def __init__(self) -> None:
        self.bar = None
        self.done = 0

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.render_finish()

    def __call__(self, done: int, total: int | None) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total or 0, done, 1), label="Importing", file=sys.stderr)
        if self.bar.length < done:
            self.bar.length = done
        self.bar.update(done - self.done)
        self.done = done


def register(app: Flask) -> None:
    """Attach the ``import`` command."""
    app.cli.add_command(import_command)
