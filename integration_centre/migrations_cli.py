"""``integration-centre db …``: Flask-Migrate's commands, usable without an app for ``--help``,
and an ``upgrade`` that says which revisions it applied.

Flask-Migrate's ``db`` group builds the app in its own callback, before the sub-command reads
``--help``; this group keeps the options aside and each sub-command builds the app when it runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import click
from flask import current_app, g
from flask.cli import with_appcontext
from flask_migrate.cli import db as _flask_migrate_db

_META = "integration_centre.db_options"


@dataclass(frozen=True)
class AppliedRevision:
    """One revision an upgrade applied: its id, the one before and the first line of its message."""

    down: str | None
    revision: str
    message: str


def _script():
    from alembic.script import ScriptDirectory

    migrate = current_app.extensions["migrate"]
    return ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))


def current_revisions() -> tuple[str, ...]:
    """The revisions the database is at (empty for a database without the schema)."""
    from alembic.runtime.migration import MigrationContext

    from integration_centre.extensions import db

    with db.engine.connect() as connection:
        return tuple(sorted(MigrationContext.configure(connection).get_current_heads()))


def head_revisions() -> tuple[str, ...]:
    """The latest revisions shipped with the application."""
    return tuple(sorted(_script().get_heads()))


def applied_between(before: tuple[str, ...], after: tuple[str, ...]) -> list[AppliedRevision]:
    """The revisions applied to go from ``before`` to ``after``, oldest first."""
    if before == after:
        return []
    script = _script()
    steps = []
    for upper in after:
        for rev in script.iterate_revisions(upper, before[0] if len(before) == 1 else None):
            if rev.revision in before:
                continue
            message = (rev.doc or "").strip().splitlines()[0] if rev.doc else ""
            down = rev.down_revision if isinstance(rev.down_revision, str) or rev.down_revision is None else "+"
            steps.append(AppliedRevision(down, rev.revision, message))
    return list(reversed(steps))


def describe(before: tuple[str, ...], after: tuple[str, ...]) -> list[str]:
    """Human lines for an upgrade from ``before`` to ``after``."""
    if before == after:
        latest = ", ".join(after) or "(none)"
        return [f"Database already at the latest revision {latest}: nothing applied."]
    steps = applied_between(before, after)
    lines = [f"Applied {step.down or '(empty)'} → {step.revision}: {step.message}" for step in steps]
    origin = ", ".join(before) or "an empty database"
    lines.append(f"Database upgraded from {origin} to {', '.join(after)} ({len(steps)} revision(s) applied).")
    return lines


@click.group("db", help=_flask_migrate_db.help, params=list(_flask_migrate_db.params))
@click.pass_context
def db_group(ctx: click.Context, directory, x_arg) -> None:
    """Perform database migrations."""
    ctx.meta[_META] = (directory, x_arg)


def _with_db_options(command: click.Command) -> click.Command:
    """Flask-Migrate's sub-command ``command``, building the app only when it runs."""

    @with_appcontext
    def callback(**kwargs):
        ctx = click.get_current_context()
        g.directory, g.x_arg = ctx.meta.get(_META, (None, ()))
        return ctx.invoke(command.callback, **kwargs)

    return click.Command(
        command.name,
        callback=callback,
        params=list(command.params),
        help=command.help,
        short_help=command.short_help,
        epilog=command.epilog,
    )


@with_appcontext
def _upgrade_callback(directory, sql, tag, x_arg, revision) -> None:
    ctx = click.get_current_context()
    g.directory, g.x_arg = ctx.meta.get(_META, (None, ()))
    original = _flask_migrate_db.commands["upgrade"].callback
    kwargs = {"directory": directory, "sql": sql, "tag": tag, "x_arg": x_arg, "revision": revision}
    if sql:  # offline mode: the SQL goes to standard output, nothing is applied
        ctx.invoke(original, **kwargs)
        return
    before = current_revisions()
    ctx.invoke(original, **kwargs)
    for line in describe(before, current_revisions()):
        click.echo(line)


_upgrade = _flask_migrate_db.commands["upgrade"]
for _name, _command in sorted(_flask_migrate_db.commands.items()):
    if _name == "upgrade":
        db_group.add_command(
            click.Command(
                "upgrade",
                callback=_upgrade_callback,
                params=list(_upgrade.params),
                help=(_upgrade.help or "") + "\n\nSays which revisions it applied.",
            )
        )
    else:
        db_group.add_command(_with_db_options(_command), _name)
