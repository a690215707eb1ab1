"""An import as the web page keeps it between the preview and the confirmation: the file, its state, its
counts and every row's verdict."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.core.models import Audited, UTCDateTime, Versioned, utcnow
from registry.extensions import db
from registry.organisations.models import Organisation

if TYPE_CHECKING:
    from registry.auth.policy import Principals


class ImportState(enum.StrEnum):
    CHECKED = "checked"  # every row is right: waiting for the user's confirmation
    REFUSED = "refused"  # the file or some rows are wrong: nothing can be imported from it
    DONE = "done"  # imported


class ImportJob(Audited, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "imports"
    # The file and the report are large and say nothing the items' own audit does not.
    __audit_exclude__ = frozenset({"content", "report"})

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    filename: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(12))
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    error_rows: Mapped[int] = mapped_column(Integer, default=0)
    imported_rows: Mapped[int] = mapped_column(Integer, default=0)
    file_error: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[bytes] = mapped_column(LargeBinary)
    # Every row's verdict: [row number, serial number, type code, [[column, message], …]].
    report: Mapped[list[Any]] = mapped_column(JSON, default=list)

    organisation: Mapped[Organisation] = relationship(lazy="joined")

    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        """The Department sees every import; everyone else its own organisation's."""
        return None if who.department else cls.organisation_id == who.organisation_id
