"""The PDF certificates labs attach to their events: checked to be a PDF by its first bytes (not by its
name), limited in size, stored outside static/ under a generated name with its SHA-256, and served only to
those who see the event (its owner, its lab, the Department). The public sees only that a file exists and
its SHA-256, so that a holder can check a copy."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.core.errors import NotFoundError, ServiceError
from registry.core.storage import certificate_files_dir, write_in_transaction
from registry.events.models import Event, EventState
from registry.events.revisions import NOT_THE_RECORDER
from registry.extensions import db
from registry.public.models import CertificateFile

# A PDF starts with its header; readers accept it within the first 1,024 bytes (ISO 32000-1, annex H).
PDF_HEADER = b"%PDF-"
HEADER_WINDOW = 1024


class TooLargeError(ServiceError):
    status_code = 413
    code = "payload_too_large"


def files_dir() -> Path:
    return certificate_files_dir()


def attach_file(actor: Actor, event: Event, *, filename: str, data: bytes) -> CertificateFile:
    """Attach the PDF ``data`` the lab issued to the current revision ``event``; an earlier file of the
    same revision stays, listed, behind the new one."""
    policy.require(actor, event, Permission.CHANGE, NOT_THE_RECORDER)
    if event.state != EventState.CURRENT:
        raise ServiceError({"file": _l("Attach the file to the current revision of the certificate.")})
    limit = current_app.config["CERTIFICATE_FILE_MAX_BYTES"]
    if len(data) > limit:
        raise TooLargeError({"file": _l("The file is larger than %(mb)d MB.", mb=max(1, limit // 2**20))})
    if not data:
        raise ServiceError({"file": _l("Choose the PDF file of the certificate.")})
    if PDF_HEADER not in data[:HEADER_WINDOW]:
        raise ServiceError(
            {"file": _l("This file is not a PDF. Attach the certificate as the PDF you issued.")}
        )
    stored_name = f"{secrets.token_hex(16)}.pdf"
    # Deleted again if this transaction does not commit: no file without its row.
    write_in_transaction(files_dir() / stored_name, data)
    record = CertificateFile(
        event_id=event.id,
        sha256=hashlib.sha256(data).hexdigest(),
        stored_name=stored_name,
        original_name=Path(filename or "certificate.pdf").name[:255],
        size=len(data),
        uploaded_by_id=getattr(actor, "id", None),
    )
    db.session.add(record)
    db.session.flush()
    return record


def files_of(event: Event) -> list[CertificateFile]:
    """The files attached to ``event``'s revision, the latest first."""
    stmt = select(CertificateFile).where(CertificateFile.event_id == event.id)
    return list(db.session.scalars(stmt.order_by(CertificateFile.id.desc())))


def get_file(event: Event, file_id: int) -> tuple[CertificateFile, Path]:
    """A file of ``event`` (which the caller has already been allowed to see) and where its bytes are."""
    record = db.session.get(CertificateFile, file_id) if 0 < file_id <= 2**31 else None
    if record is None or record.event_id != event.id:
        raise NotFoundError({"file": _l("No such file.")})
    path = files_dir() / record.stored_name
    if not path.is_file():  # a database restored without its files folder
        raise NotFoundError({"file": _l("The file is listed but missing from the files folder.")})
    return record, path
