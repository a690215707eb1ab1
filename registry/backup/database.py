"""Copying the whole database to a file and back, while the registry runs.

SQLite: the online backup API copies the database in one step, so the copy is one consistent moment
even while other connections write (they wait for the copy to finish, or go on in WAL mode).
PostgreSQL: ``pg_dump --format=custom`` reads the snapshot a repeatable-read transaction of ours exports
(the one whose rows we count) while writes go on; ``pg_restore --clean --if-exists --no-owner
--single-transaction`` puts it back, all or nothing.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from registry.audit.models import AuditEvent
from registry.backup import files as certificate_files

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"


class BackupError(click.ClickException):
    """A backup or a restore that cannot be done: the command's error, in the operator's words."""


@dataclasses.dataclass
class Summary:
    """What a backup or a restore did, for its one line of output."""

    path: Path
    seconds: float
    revision: str | None
    rows: dict[str, int] = dataclasses.field(default_factory=dict)
    checks: list[str] = dataclasses.field(default_factory=list)
    files: certificate_files.Listed = dataclasses.field(default_factory=list)

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def describe(self, done: str) -> str:
        contents = f"{sum(self.rows.values()):,} rows in {len(self.rows)} tables"
        checks = f"; {', '.join(self.checks)}" if self.checks else ""
        return (
            f"{done} {self.path}: {contents} (revision {self.revision or 'none'}), "
            f"{self.size / 1_000_000:.1f} MB in {self.seconds:.2f} s{checks}."
        )


def backup(engine: Engine, path: Path, *, force: bool = False, files_dir: Path | None = None) -> Summary:
    """Copy the whole database behind ``engine`` to ``path`` (refused if ``path`` exists, unless
    ``force``), and the certificate files its rows name from ``files_dir`` to ``PATH.files``. The file
    appears only once complete, its files beside it."""
    folder = certificate_files.files_folder(path)
    if (path.exists() or folder.exists()) and not force:
        raise BackupError(f"{path} already exists: choose a new file, or give --force to replace it.")
    if path.is_dir():
        raise BackupError(f"{path} is a directory: give the backup file's name.")
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} does not exist.")
    started = time.perf_counter()
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if engine.dialect.name == "sqlite":
            summary = _backup_sqlite(_sqlite_file(engine), partial)
        elif engine.dialect.name == "postgresql":
            summary = _backup_postgresql(engine, partial)
        else:
            raise BackupError(f"No backup for {engine.dialect.name} databases.")
        problems = []
        if files_dir is not None:
            problems = certificate_files.back_up(summary.files, files_dir, folder)
            summary.checks.append(certificate_files.describe(len(summary.files) - len(problems), problems))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    summary = dataclasses.replace(summary, path=path, seconds=time.perf_counter() - started)
    if problems:
        raise BackupError(summary.describe("Backed up to") + " Check the certificate files folder.")
    return summary


def restore(engine: Engine, path: Path, *, force: bool = False, files_dir: Path | None = None) -> Summary:
    """Replace the database behind ``engine`` with the backup at ``path``, and check the result; then put
    the certificate files its rows name back from ``PATH.files`` into ``files_dir``. A database that holds
    data is replaced only with ``force``. The engine's connections are closed first; stop the web workers
    and the scheduler before restoring."""
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    started = time.perf_counter()
    if engine.dialect.name == "sqlite":
        _expect_header(path, SQLITE_HEADER, "an SQLite database (made by `backup` on SQLite)")
        target = _sqlite_file(engine)
        if not target.parent.is_dir():
            raise BackupError(f"{target.parent} does not exist.")
        if target.exists() and target.resolve() == path.resolve():
            raise BackupError(f"{path} is the database itself.")
        _check_sqlite_backup(path)
        _refuse_unless_empty(engine, force)
        engine.dispose()
        summary = _restore_sqlite(path, target)
    elif engine.dialect.name == "postgresql":
        _expect_header(path, PG_DUMP_HEADER, "a pg_dump archive (made by `backup` on PostgreSQL)")
        _refuse_unless_empty(engine, force)
        engine.dispose()
        summary = _restore_postgresql(engine, path)
    else:
        raise BackupError(f"No restore for {engine.dialect.name} databases.")
    if files_dir is not None:
        with engine.connect() as connection:
            wanted = certificate_files.listed(connection)
        copied, problems = certificate_files.copy_listed(
            wanted, certificate_files.files_folder(path), files_dir
        )
        summary.checks.append(certificate_files.describe(copied, problems))
        if problems:
            raise BackupError(summary.describe("Restored the database from") + " Files are missing.")
    return dataclasses.replace(summary, seconds=time.perf_counter() - started)


# --- Both ------------------------------------------------------------------------------------------------


def is_empty(engine: Engine) -> bool:
    """True when the database holds nothing a restore would lose: no tables (a new database), or the
    tables of ``flask db upgrade`` with an empty audit trail (every write the registry makes is audited;
    the reference lists the migrations load are not)."""
    with engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
        if not tables - {"alembic_version"}:
            return True
        if AuditEvent.__tablename__ not in tables:
            return False
        return not connection.scalar(sa.select(sa.func.count()).select_from(AuditEvent.__table__))


def _refuse_unless_empty(engine: Engine, force: bool) -> None:
    if not force and not is_empty(engine):
        raise BackupError(
            f"{engine.url.render_as_string(hide_password=True)} is not empty: a restore would replace its "
            "data. Restore into a new database, or give --force to replace it."
        )


def _expect_header(path: Path, header: bytes, what: str) -> None:
    with path.open("rb") as file:
        if file.read(len(header)) != header:
            raise BackupError(f"{path} is not {what}.")


def _row_counts(connection: sa.Connection) -> dict[str, int]:
    quote = connection.dialect.identifier_preparer.quote
    return {
        table: int(connection.exec_driver_sql(f"SELECT count(*) FROM {quote(table)}").scalar() or 0)  # noqa: S608
        for table in sorted(sa.inspect(connection).get_table_names())
    }


def _revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


# --- SQLite ----------------------------------------------------------------------------------------------


def _sqlite_file(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("The database is not an SQLite file (an in-memory or URI database).")
    return Path(database)


def _sqlite_summary(connection: sqlite3.Connection, path: Path) -> Summary:
    tables = [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    rows = {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608
    revision = None
    if "alembic_version" in tables:
        found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = found[0] if found else None
    return Summary(path, 0.0, revision, rows)


def _integrity(connection: sqlite3.Connection) -> list[str]:
    """The problems ``PRAGMA integrity_check`` and ``foreign_key_check`` find (none: an empty list)."""
    problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    if problems == ["ok"]:
        problems = []
    problems += [
        f"{table} row {rowid} refers to a missing {parent}"
        for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check")
    ]
    return problems


def _backup_sqlite(source_file: Path, partial: Path) -> Summary:
    if not source_file.is_file():
        raise BackupError(f"{source_file} does not exist: nothing to back up.")
    source = sqlite3.connect(source_file, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)  # one step: one consistent moment
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, even from a WAL database
            problems = _integrity(copy)
            if problems:
                raise BackupError(f"The copy fails its integrity check: {'; '.join(problems[:5])}")
            summary = dataclasses.replace(
                _sqlite_summary(copy, partial), files=certificate_files.listed_sqlite(copy)
            )
        finally:
            copy.close()
    finally:
        source.close()
    summary.checks.append("integrity check ok")
    return summary


def _check_sqlite_backup(path: Path) -> None:
    backup = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        problems = _integrity(backup)
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} cannot be read as an SQLite database: {error}") from None
    finally:
        backup.close()
    if problems:
        raise BackupError(f"{path} fails its integrity check, nothing restored: {'; '.join(problems[:5])}")


def _restore_sqlite(path: Path, target_file: Path) -> Summary:
    backup = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(target_file, timeout=30)
        try:
            backup.backup(target)  # page by page, in one transaction of the target
            problems = _integrity(target)
            if problems:
                raise BackupError(
                    f"The restored database fails its integrity check: {'; '.join(problems[:5])}"
                )
            summary = _sqlite_summary(target, path)
        finally:
            target.close()
    finally:
        backup.close()
    summary.checks.append("integrity check ok, foreign keys hold")
    return summary


# --- PostgreSQL ------------------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not installed (or not on PATH): install the PostgreSQL client tools of the server's "
            "version or newer (Debian: apt-get install postgresql-client)."
        )
    return found


def _libpq(engine: Engine) -> tuple[str, dict[str, str]]:
    """The connection string for the client tools, and their environment (the password stays off the
    command line)."""
    url = engine.url
    dsn = sa.URL.create(
        "postgresql",
        username=url.username,
        host=url.host,
        port=url.port,
        database=url.database,
        query=url.query,
    ).render_as_string(hide_password=False)
    environment = dict(os.environ)
    if url.password is not None:
        environment["PGPASSWORD"] = str(url.password)
    return dsn, environment


def _run(command: list[str], environment: dict[str, str]) -> str:
    finished = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603
    if finished.returncode != 0:
        message = finished.stderr.strip() or f"exit status {finished.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {message}")
    return finished.stdout


def _backup_postgresql(engine: Engine, partial: Path) -> Summary:
    """pg_dump reads the snapshot this transaction exports, so the rows counted here are the rows dumped."""
    pg_dump = _tool("pg_dump")
    dsn, environment = _libpq(engine)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            summary = Summary(
                partial,
                0.0,
                _revision(connection),
                _row_counts(connection),
                files=certificate_files.listed(connection),
            )
            _run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    "--no-password",
                    f"--file={partial}",
                    f"--dbname={dsn}",
                ],
                environment,
            )
    return summary


def _restore_postgresql(engine: Engine, path: Path) -> Summary:
    pg_restore = _tool("pg_restore")
    dsn, environment = _libpq(engine)
    _run([pg_restore, "--list", str(path)], environment)  # a readable archive, before touching anything
    _run(
        [
            pg_restore,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={dsn}",
            str(path),
        ],
        environment,
    )
    with engine.connect() as connection:
        summary = Summary(path, 0.0, _revision(connection), _row_counts(connection))
        unchecked = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
        ).scalar()
    if unchecked:
        raise BackupError(f"{unchecked} foreign keys of the restored database are not validated.")
    summary.checks.append("every foreign key validated")
    return summary
