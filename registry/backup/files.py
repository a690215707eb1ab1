"""The certificate files beside the database: a backup at PATH keeps, in the folder PATH.files, every file the
backed-up rows of ``certificate_files`` name, checked by its SHA-256; a restore puts them back into the
files folder and checks each again.

The rows name the files, not the folder's listing: a file is written before its row commits (and deleted if
that transaction does not commit), so every row of the database's snapshot finds its file, and files of
later transactions are left out as their rows are.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa

TABLE = "certificate_files"
CHUNK = 1 << 20

Listed = list[tuple[str, str]]  # (stored_name, sha256)


def files_folder(path: Path) -> Path:
    """Where the backup at ``path`` keeps its certificate files."""
    return path.with_name(path.name + ".files")


def listed(connection: sa.Connection) -> Listed:
    """The files the database's ``certificate_files`` rows name (none before the table existed)."""
    if not sa.inspect(connection).has_table(TABLE):
        return []
    rows = connection.exec_driver_sql(f"SELECT stored_name, sha256 FROM {TABLE} ORDER BY id")  # noqa: S608
    return [(str(name), str(digest)) for name, digest in rows]


def listed_sqlite(connection: object) -> Listed:
    """As :func:`listed`, through a ``sqlite3`` connection."""
    cursor = connection.execute(  # type: ignore[attr-defined]
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)
    )
    if cursor.fetchone() is None:
        return []
    rows = connection.execute(f"SELECT stored_name, sha256 FROM {TABLE} ORDER BY id")  # type: ignore[attr-defined]  # noqa: S608
    return [(str(name), str(digest)) for name, digest in rows]


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _safe(name: str) -> bool:
    """A stored name is generated (hex digits, ``.pdf``): never a path that leaves the folder."""
    return bool(name) and Path(name).name == name and not name.startswith(".")


def copy_listed(files: Iterable[tuple[str, str]], source: Path, target: Path) -> tuple[int, list[str]]:
    """Copy each listed file from ``source`` to ``target`` (each written under a temporary name, then
    renamed), checking its SHA-256: how many were copied, and what is wrong with the others."""
    target.mkdir(parents=True, exist_ok=True)
    copied, problems = 0, []
    for name, sha256 in files:
        origin = source / name
        if not _safe(name) or not origin.is_file():
            problems.append(f"{name} is missing from {source}")
            continue
        if _digest(origin) != sha256:
            problems.append(f"{name} does not match its SHA-256")
            continue
        partial = target / f".{name}.part"
        shutil.copyfile(origin, partial)
        os.replace(partial, target / name)
        copied += 1
    return copied, problems


def back_up(files: Listed, files_dir: Path, folder: Path) -> list[str]:
    """The snapshot's ``files`` into ``folder``, which appears only once complete; what went wrong."""
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    _copied, problems = copy_listed(files, files_dir, partial)
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(partial, folder)
    return problems


def describe(copied: int, problems: list[str]) -> str:
    text = f"{copied} certificate files copied, SHA-256 checked"
    if problems:
        text += f"; {len(problems)} not: {'; '.join(problems[:5])}"
    return text
