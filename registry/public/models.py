"""What the public lookups leave behind: a count per certificate and day, nothing about who looked."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.models import Audited, UTCDateTime, utcnow
from registry.events.models import Event
from registry.extensions import db


class CertificateLookup(db.Model):  # type: ignore[name-defined]
    """How often one revision of a certificate was looked up on one day (Asia/Ho_Chi_Minh), and how many
    of those lookups found it void, suspect or superseded (``flagged``): a void certificate still shown
    at a fuel pump is worth the Department's visit."""

    __tablename__ = "certificate_lookups"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    lookups: Mapped[int] = mapped_column(Integer, default=0)
    flagged: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[Event] = relationship()


class CertificateFile(Audited, db.Model):  # type: ignore[name-defined]
    """The PDF a lab issued for one revision of a certificate. Attaching another keeps this one (the
    latest is the certificate's file); the bytes lie in CERTIFICATE_FILES_DIR under ``stored_name``."""

    __tablename__ = "certificate_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
