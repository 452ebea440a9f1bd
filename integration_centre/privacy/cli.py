"""``integration-centre keys …`` (KEK rotation), ``audit verify``, ``retention run``, ``backup create|restore``
and ``erasure replay-ledger``."""

from __future__ import annotations

import dataclasses
import functools
import secrets

import click
from flask import Flask
from flask.cli import with_appcontext

from integration_centre.clock import utcnow
from integration_centre.config import ConfigurationError
from integration_centre.extensions import db
from integration_centre.privacy import audit, audit_checkpoints, keys, runtime
from integration_centre.privacy.context import Actor
from integration_centre.privacy.keyring import new_kek_id
from integration_centre.privacy.models import KeyCheck

CLI_ACTOR = Actor.system("cli")


def _one_line_errors(command):
    """Turn a ConfigurationError into a one-line ``Error: …`` and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ConfigurationError as exc:
            raise click.ClickException(str(exc)) from None

    return wrapper


@click.group("keys")
def keys_group() -> None:
    """Key management: status, add a KEK, promote it, re-wrap person keys, retire the old KEK."""


def _save(keyring) -> None:
    current = runtime.state()
    try:
        current.provider.save(keyring)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    current.reload_if_changed()


@keys_group.command("status")
@with_appcontext
@_one_line_errors
def status_command() -> None:
    """Show the keyring (ids only, never keys) and where the person keys are wrapped."""
    runtime.keyring()
    info = keys.status()
    click.echo(f"Keyring: {info.source}{' (DEMO)' if info.demo else ''}")
    click.echo(f"Primary KEK: {info.primary}")
    for kek_id in info.keks:
        marker = "*" if kek_id == info.primary else " "
        click.echo(f" {marker} {kek_id}: {info.per_kek.get(kek_id, 0)} person keys")
    unknown = {k: n for k, n in info.per_kek.items() if k not in info.keks}
    for kek_id, count in sorted(unknown.items()):
        click.echo(f" ! {kek_id}: {count} person keys (KEK not in the keyring)")
    click.echo(f"Destroyed person keys (erased persons): {info.destroyed}")
    click.echo(f"Waiting for rewrap: {keys.pending_rewrap_count()}")


@keys_group.command("add-kek")
@with_appcontext
@_one_line_errors
def add_kek_command() -> None:
    """Add a new random KEK to the keyring file (not primary until promoted)."""
    ring = runtime.keyring()
    kek_id = new_kek_id()
    while ring.has_kek(kek_id):
        kek_id = new_kek_id()
    _save(dataclasses.replace(ring, keks={**ring.keks, kek_id: secrets.token_bytes(32)}))
    runtime.write_kek_check(kek_id, db.session)
    audit.record("key_rotation", "kek", kek_id, purpose="kek.add", actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"Added KEK {kek_id}. Next: integration-centre keys promote {kek_id}")


@keys_group.command("promote")
@click.argument("kek_id")
@with_appcontext
@_one_line_errors
def promote_command(kek_id: str) -> None:
    """Make KEK_ID the primary KEK: new person keys are wrapped under it."""
    ring = runtime.keyring()
    if not ring.has_kek(kek_id):
        raise click.ClickException(f"KEK {kek_id} is not in the keyring (see `integration-centre keys status`)")
    _save(dataclasses.replace(ring, primary_kek_id=kek_id))
    runtime.write_kek_check(kek_id, db.session)
    audit.record("key_rotation", "kek", kek_id, purpose="kek.promote", actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"KEK {kek_id} is now primary. Next: integration-centre keys rewrap")


@keys_group.command("rewrap")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@with_appcontext
@_one_line_errors
def rewrap_command(batch_size: int) -> None:
    """Re-wrap the person keys still under other KEKs (batches; resumable; safe while the app runs)."""
    ring = runtime.keyring()
    pending = keys.pending_rewrap_count()
    db.session.rollback()
    if pending == 0:
        click.echo(f"Every person key is already wrapped under the primary KEK {ring.primary_kek_id}.")
        return
    with click.progressbar(length=pending, label="Re-wrapping person keys") as bar:
        moved = keys.rewrap_all(batch_size=batch_size, progress=bar.update)
    audit.record("key_rotation", "person_keys", ring.primary_kek_id, purpose="kek.rewrap", actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"Re-wrapped {moved} person keys under {ring.primary_kek_id}.")


@keys_group.command("retire")
@click.argument("kek_id")
@with_appcontext
@_one_line_errors
def retire_command(kek_id: str) -> None:
    """Remove KEK_ID from the keyring; refused while it is primary or still wraps person keys."""
    ring = runtime.keyring()
    if not ring.has_kek(kek_id):
        raise click.ClickException(f"KEK {kek_id} is not in the keyring")
    if kek_id == ring.primary_kek_id:
        raise click.ClickException(f"KEK {kek_id} is the primary KEK: promote another one first")
    in_use = keys.kek_in_use(kek_id)
    if in_use:
        raise click.ClickException(
            f"KEK {kek_id} still wraps {in_use} person keys: run `integration-centre keys rewrap` first"
        )
    _save(dataclasses.replace(ring, keks={k: v for k, v in ring.keks.items() if k != kek_id}))
    db.session.execute(KeyCheck.__table__.delete().where(KeyCheck.name == f"kek:{kek_id}"))
    audit.record("key_rotation", "kek", kek_id, purpose="kek.retire", actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"Retired KEK {kek_id}. Keep an offline backup of the old keyring for old database backups.")


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


@audit_group.command("verify")
@with_appcontext
@_one_line_errors
def verify_command() -> None:
    """Walk the audit chain and compare it with the checkpoints kept outside the database; exit 1
    and name the first broken record, or the missing range of a cut tail."""
    result = audit.verify_chain()
    where = audit_checkpoints.checkpoint_file()
    if result.ok:
        click.echo(f"Audit chain intact: {result.checked} records.")
        if result.last_checkpoint is not None:
            click.echo(f"Checked against the checkpoints in {where} (latest: sequence {result.last_checkpoint}).")
        elif result.checked:
            click.echo(
                f"Warning: no audit checkpoint in {where}: a cut tail cannot be detected "
                "(restore the file from the keyring's backup if it was lost).",
                err=True,
            )
        return
    at = f" at record {result.first_broken_seq}" if result.first_broken_seq is not None else ""
    click.echo(f"Audit chain BROKEN{at}: {result.reason}", err=True)
    raise SystemExit(1)


@audit_group.command("mark-restore")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@_one_line_errors
def mark_restore_command(yes: bool) -> None:
    """After restoring a backup by hand: record that the audit trail now ends at the restored head."""
    result = audit.verify_chain()
    if not result.ok and result.missing is None:  # a broken chain, not only a shorter one
        click.echo(f"Audit chain BROKEN at record {result.first_broken_seq}: {result.reason}", err=True)
        raise SystemExit(1)
    if not yes:
        seq, _mac = audit_checkpoints.head()
        lost = f" (records {result.missing[0]}–{result.missing[1]} are lost with it)" if result.missing else ""
        click.confirm(
            f"Record that the database was restored from a backup and its audit trail now ends at record {seq}{lost}?",
            abort=True,
        )
    seq, _mac = audit_checkpoints.mark_restore()
    click.echo(f"Recorded in {audit_checkpoints.checkpoint_file()}: database restored to audit record {seq}.")


@click.group("retention")
def retention_group() -> None:
    """Retention: list and erase the files whose retention period has ended."""


def _print_item(item) -> None:
    click.echo(f"  {item.person_id}  due {item.due_on.isoformat()}  [{item.category}] {item.reason}")


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="List what would be erased and why; change nothing.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Reference date (default: today).")
@with_appcontext
@_one_line_errors
def retention_run_command(dry_run: bool, today) -> None:
    """Erase (crypto-shredding) every file past its retention period; exit 3 if a legal hold refused one."""
    from integration_centre.privacy import audit_retention, retention

    day = today.date() if today else utcnow().date()
    items = retention.due(day)
    audit_plan = audit_retention.purgeable(day)
    if dry_run:
        click.echo(f"{len(items)} file(s) would be erased (dry run: nothing changed).")
        for item in items:
            _print_item(item)
        click.echo(f"{audit_plan.count} audit record(s) older than {audit_plan.before:%Y-%m-%d} would be purged.")
        return
    if not items:
        click.echo("Nothing to erase: no file is past its retention period.")
        result = retention.RunResult()
    else:
        with click.progressbar(length=len(items), label="Erasing expired files") as bar:
            result = retention.run(actor=CLI_ACTOR, today=day, progress=lambda _item: bar.update(1))
        click.echo(f"Erased {len(result.erased)} file(s); refused {len(result.refused)}.")
    for item in result.erased:
        _print_item(item)
    for item, reasons in result.refused:
        click.echo(f"  REFUSED {item.person_id}: {'; '.join(reasons)}", err=True)
    purged = audit_retention.purge(day, actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"Purged {purged.count} audit record(s) older than {purged.before:%Y-%m-%d}.")
    if result.refused:
        raise SystemExit(3)


@click.group("backup")
def backup_group() -> None:
    """Database backups (never the keyring) and restores that replay the erasure ledger."""


@backup_group.command("create")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@with_appcontext
@_one_line_errors
def backup_create_command(path: str | None) -> None:
    """Back up the database to PATH (default: BACKUP_DIR/integration-centre-<time>.sqlite|.dump)."""
    from integration_centre.privacy import backup

    try:
        target = backup.create(path)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    audit.record("backup", "database", purpose="backup.create", actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"Backup written to {target}. The keyring is NOT in it: back it up separately.")


@backup_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
@_one_line_errors
def backup_restore_command(path: str, yes: bool) -> None:
    """Replace the database by the backup PATH, then replay the erasure ledger."""
    from integration_centre.privacy import backup

    if not yes:
        click.confirm(
            f"Replace the whole database by {path}? Changes made since that backup are lost "
            "(erasures are kept: the ledger is replayed).",
            abort=True,
        )
    try:
        result = backup.restore(path, actor=CLI_ACTOR)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    audit.record("restore", "database", purpose="backup.restore", actor=CLI_ACTOR)
    db.session.commit()
    click.echo(f"Restored {result.path}. Erasure ledger replayed: {len(result.replayed)} person(s) scrubbed again.")


@click.group("erasure")
def erasure_group() -> None:
    """The erasure ledger."""


@erasure_group.command("replay-ledger")
@with_appcontext
@_one_line_errors
def replay_ledger_command() -> None:
    """Scrub again every erased person who still has remains (after a restore made by hand)."""
    from integration_centre.privacy import erasure
    from integration_centre.privacy.errors import PrivacyError

    try:
        replayed = erasure.replay_ledger(actor=CLI_ACTOR)
    except PrivacyError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Erasure ledger replayed: {len(replayed)} person(s) scrubbed again.")


def register(app: Flask) -> None:
    """Attach the privacy commands to the app's CLI."""
    app.cli.add_command(keys_group)
    app.cli.add_command(audit_group)
    app.cli.add_command(retention_group)
    app.cli.add_command(backup_group)
    app.cli.add_command(erasure_group)
