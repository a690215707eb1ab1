from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.models import UTCDateTime, utcnow
from registry.extensions import db


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """One change of one row. Append-only: a database trigger refuses UPDATE and DELETE.

    ``new_values`` holds every column on create and the changed columns on update, so applying the
    events of a row in order rebuilds each of its versions. A ``create_batch`` event (a file import)
    records many rows created at once: ``new_values`` is ``{"rows": {id: every column}}`` and
    ``first_row_id``/``last_row_id`` bound the ids it holds, so a row's history still finds it.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_table_row", "table_name", "row_id", "id"),
        Index("ix_audit_events_table_batch", "table_name", "first_row_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254), default="")
    table_name: Mapped[str] = mapped_column(String(64))
    row_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    reason: Mapped[str | None] = mapped_column(Text)
    first_row_id: Mapped[int | None] = mapped_column(Integer)
    last_row_id: Mapped[int | None] = mapped_column(Integer)
