"""``flask --app wsgi backup PATH`` and ``restore PATH`` (registered in registry/cli.py)."""

from __future__ import annotations

from pathlib import Path

import click
from alembic.script import ScriptDirectory
from flask import current_app

from registry.backup.database import backup, restore
from registry.core.storage import certificate_files_dir
from registry.extensions import db


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Copy the whole database to PATH while the registry runs (SQLite: a database file; PostgreSQL: a
    pg_dump archive), and the certificate files its rows name to the folder PATH.files."""
    summary = backup(db.engine, path, force=force, files_dir=certificate_files_dir())
    click.echo(summary.describe("Backed up to"))


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Replace the database with the backup at PATH, and put back the certificate files of PATH.files
    (stop the web workers and the scheduler first)."""
    summary = restore(db.engine, path, force=force, files_dir=certificate_files_dir())
    click.echo(summary.describe("Restored from"))
    head = ScriptDirectory.from_config(
        current_app.extensions["migrate"].migrate.get_config()
    ).get_current_head()
    if summary.revision != head:
        click.echo(
            f"The backup's schema is at revision {summary.revision}, the code's at {head}: "
            "run `flask --app wsgi db upgrade` before starting the registry."
        )
