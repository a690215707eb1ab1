"""Why an event is suspect, and the lab's impact assessments that close it. Both tables are append-only
(database triggers, migration ``0011_suspects``): a suspicion is never withdrawn by editing it, and an
assessment is never changed; an event is suspect while it has a suspicion no assessment has closed."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.core.models import Audited, UTCDateTime, utcnow
from registry.events.models import Event
from registry.extensions import db
from registry.items.models import Item


class SuspectRule(enum.StrEnum):
    OUT_OF_TOLERANCE = "out_of_tolerance"  # the standard was found out of tolerance as found
    FAILED = "failed"  # the standard failed
    OVERDUE = "overdue"  # the standard was used while overdue (or never calibrated), with a reason


class Decision(enum.StrEnum):
    """The lab's impact assessment of a suspect result (ISO/IEC 17025 §7.10)."""

    NO_EFFECT = "no_effect"
    RECALL = "recall"  # recall and re-verify or re-calibrate
    CUSTOMER_INFORMED = "customer_informed"


class Suspicion(db.Model):  # type: ignore[name-defined]
    """One reason an event is suspect: the standard, the result of it that was bad (``cause``), the window
    of that result, and how far down the chain the event lies (0: it used the standard itself). Events are
    named by their first revision (``original_id`` or ``id``), which stands for all their revisions."""

    __tablename__ = "suspicions"
    __table_args__ = (UniqueConstraint("event_id", "cause_id", "standard_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    cause_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    rule: Mapped[str] = mapped_column(String(20))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    window_from: Mapped[date | None] = mapped_column(Date)  # the last good result (excluded)
    window_to: Mapped[date | None] = mapped_column(Date)  # included; none: still open
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(foreign_keys=[event_id])
    cause: Mapped[Event] = relationship(foreign_keys=[cause_id])
    standard: Mapped[Item] = relationship()


class ImpactAssessment(Audited, db.Model):  # type: ignore[name-defined]
    """The lab's assessment of a suspect event: who, when, what it decided and why. It closes every
    suspicion of the event up to ``closes_through``; a later one makes the event suspect again."""

    __tablename__ = "impact_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_by: Mapped[str] = mapped_column(String(200), default="")
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    closes_through: Mapped[int] = mapped_column(Integer)
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
