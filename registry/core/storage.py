"""Files kept beside the database (the PDF certificates labs attach): where they lie, and writing one so
that it lasts only if the transaction that records it commits.

A file is written under its final name before its row is committed, so that any committed row — and any
backup's snapshot of the rows — finds its file. If that transaction (or the savepoint it was written in)
rolls back or ends without committing, the file is deleted: no file outlives the row it was written for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from registry.extensions import db

# Each session's files written and not yet committed: (path, the innermost transaction it was written in).
_PENDING = "files_pending_commit"


def certificate_files_dir(app: Flask | None = None) -> Path:
    """``CERTIFICATE_FILES_DIR``, or "certificate-files" in the instance folder when it is empty."""
    app = app or current_app
    configured = app.config["CERTIFICATE_FILES_DIR"]
    return Path(configured) if configured else Path(app.instance_path) / "certificate-files"


def write_in_transaction(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (never half-written under its name), kept only when the session's
    current transaction commits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    os.replace(partial, path)
    session = db.session()
    if not session.in_transaction():
        session.begin()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((path, transaction))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """The committing transaction's files: kept when it is the root; else its parent now answers for them."""
    pending: list[tuple[Path, Any]] = session.info.get(_PENDING, [])
    if not pending:
        return
    committing = session.get_nested_transaction() or session.get_transaction()
    parent = committing.parent if committing is not None else None
    session.info[_PENDING] = [
        (path, parent if owner is committing else owner)
        for path, owner in pending
        if not (owner is committing and parent is None)
    ]


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    """A transaction ended still answering for files: it did not commit them, so they go."""
    pending: list[tuple[Path, Any]] = session.info.get(_PENDING, [])
    if not pending:
        return
    kept = []
    for path, owner in pending:
        if owner is transaction:
            path.unlink(missing_ok=True)
        else:
            kept.append((path, owner))
    session.info[_PENDING] = kept
