"""`flask --app app backup PATH` and `restore PATH --yes`: a consistent copy of the SQLite database
taken while the web and dispatchers keep running (SQLite's online backup API), and putting one
back. On PostgreSQL they print the pg_dump / pg_restore commands instead (and exit 1)."""
import os
import sqlite3
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..db import create_private_file, db

PG_INSTRUCTIONS = """On PostgreSQL, back up and restore with PostgreSQL's own tools (they are consistent while
Flashcall runs):
  pg_dump --format=custom --file {path} "$DATABASE_URL"
  pg_restore --clean --if-exists --no-owner --dbname "$DATABASE_URL" {path}
Keep the file private (chmod 600)."""


def _sqlite_path():
    """The live SQLite file, or None on PostgreSQL."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise click.ClickException("the database is in memory: there is nothing to back up")
    return Path(url.database)


def _connect(path, timeout):
    return sqlite3.connect(str(path), timeout=timeout, isolation_level=None)


def _check_copy(path):
    """A Flashcall database that SQLite finds intact; its schema revision."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise click.ClickException(f"{path} is damaged (integrity check failed)")
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{path} is not a Flashcall database: {exc}") from None
    if revision is None:
        raise click.ClickException(f"{path} is not a Flashcall database (no schema revision)")
    return revision[0]


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path):
    """Copy the database to PATH (a new file, readable by its owner only) while Flashcall runs."""
    source = _sqlite_path()
    if source is None:
        raise click.ClickException(PG_INSTRUCTIONS.format(path=path))
    if path.exists():
        raise click.ClickException(f"{path} exists already; choose a new file")
    if not path.parent.is_dir():
        raise click.ClickException(f"the folder {path.parent} does not exist")
    create_private_file(str(path))
    timeout = current_app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]
    try:
        with_source, with_copy = _connect(source, timeout), _connect(path, timeout)
        try:
            # One step (pages=-1): the copy is one consistent snapshot, whatever is written meanwhile.
            with_source.backup(with_copy)
            with_copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        finally:
            with_copy.close()
            with_source.close()
    except sqlite3.Error as exc:
        path.unlink(missing_ok=True)
        raise click.ClickException(f"backup failed: {exc}") from None
    try:
        revision = _check_copy(path)
    except click.ClickException:
        path.unlink(missing_ok=True)
        raise
    click.echo(f"backed up {source} to {path} ({path.stat().st_size} bytes, schema {revision})")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm: every row of the database is replaced by the backup's.")
@with_appcontext
def restore_command(path, yes):
    """Replace the database with the backup at PATH. Stop the web and the dispatchers first."""
    target = _sqlite_path()
    if target is None:
        raise click.ClickException(PG_INSTRUCTIONS.format(path=path))
    revision = _check_copy(path)
    if not yes:
        raise click.ClickException(
            f"restore replaces every row of {target} with the backup's (schema {revision}); stop the web "
            f"and the dispatchers, then run again with --yes")
    db.engine.dispose()  # this process holds no connection to the file while it is replaced
    create_private_file(str(target))
    timeout = current_app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]
    try:
        with_backup, with_target = _connect(path, timeout), _connect(target, timeout)
        try:
            with_backup.backup(with_target)
        finally:
            with_target.close()
            with_backup.close()
    except sqlite3.Error as exc:
        raise click.ClickException(f"restore failed: {exc}") from None
    os.chmod(target, 0o600)
    click.echo(f"restored {target} from {path} (schema {revision}); run `flask --app app db upgrade` if the "
               f"backup is older than this release")


COMMANDS = (backup_command, restore_command)
