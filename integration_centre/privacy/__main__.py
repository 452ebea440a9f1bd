"""``python -m integration_centre.privacy new-keyring PATH``: create a keyring file (mode 0600).

Works without an application (the app refuses to start until a keyring exists).
"""

from __future__ import annotations

import click

from integration_centre.privacy.keyring import generate_keyring, write_keyring_file


@click.group()
def main() -> None:
    """Keyring tools that need no running application."""


@main.command("new-keyring")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--demo", is_flag=True, help="Mark the keyring as demo (refused in production).")
def new_keyring(path: str, demo: bool) -> None:
    """Create a new keyring file at PATH with random keys (refuses to overwrite)."""
    keyring = generate_keyring(demo=demo)
    try:
        write_keyring_file(path, keyring)
    except FileExistsError:
        raise click.ClickException(f"{path} already exists: it was not changed") from None
    click.echo(f"Created keyring {path} (mode 0600, primary KEK {keyring.primary_kek_id}). Keep a backup offline.")


if __name__ == "__main__":
    main()
