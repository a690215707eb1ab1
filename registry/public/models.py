"""What the public lookups leave behind: a count per certificate and day, nothing about who looked."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
