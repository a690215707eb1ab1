"""Plans, their phases and indicators (loaded from a data file: a new province's plan is a new file, never
new code), and the activities the Department records, which the indicators count."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.auth.principals import ACL, DEPARTMENT, DEPARTMENT_ADMIN, Permission
from registry.core.models import Audited, UTCDateTime, Versioned, utcnow
from registry.extensions import db
from registry.organisations.models import Organisation

if TYPE_CHECKING:
    from registry.auth.policy import Principals


class Window(enum.StrEnum):
    PHASE = "phase"  # within the indicator's period
    CUMULATIVE = "cumulative"  # from the plan's start to the period's end


class Rule(enum.StrEnum):
    COUNT_ITEMS = "count_items"
    COUNT_ACTIVITIES = "count_activities"
    SUM_PARTICIPANTS = "sum_participants"
    COUNT_ACTIVITY_ORGS = "count_activity_orgs"
    DISTINCT_ORGS = "distinct_orgs"
    MAP_TURNS = "map_turns"


class ActivityKind(enum.StrEnum):
    TRAINING = "training"
    ARTICLE = "article"
    COORDINATION = "coordination"
    POLICY_REVIEW = "policy_review"
    MAP_SURVEY = "map_survey"
    MAP_ENROLMENT = "map_enrolment"
    METHOD_DEVELOPMENT = "method_development"
    CRITERIA_ASSESSMENT = "criteria_assessment"
    CRITERIA_SUPPORT = "criteria_support"
    PROVIDER_SUPPORT = "provider_support"
    LAB_UPGRADE = "lab_upgrade"
    PLAN_INSPECTION = "plan_inspection"
    REPORT = "report"
    PHASE_REVIEW = "phase_review"


class ActivityState(enum.StrEnum):
    CURRENT = "current"
    VOID = "void"


def _department_only(who: Principals) -> ColumnElement[bool] | None:
    return None if who.department else false()


class Plan(Audited, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    reference: Mapped[str] = mapped_column(String(120), default="")  # "KH 3144/KH-UBND"
    province_code: Mapped[str] = mapped_column(String(20))  # the administrative unit "trên địa bàn tỉnh"
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    phases: Mapped[list[Phase]] = relationship(order_by="Phase.starts_on", back_populates="plan")
    indicators: Mapped[list[Indicator]] = relationship(order_by="Indicator.position", back_populates="plan")

    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        """The plan's tallies name organisations and people: the Department's."""
        return _department_only(who)

    @classmethod
    def __class_acl__(cls) -> ACL:
        return [(DEPARTMENT_ADMIN, {Permission.CREATE})]

    def __acl__(self) -> ACL:
        """The Department's admin alone changes a plan's targets and submits its reports."""
        return [(DEPARTMENT_ADMIN, {Permission.CHANGE, Permission.SUBMIT})]


class Phase(Audited, db.Model):  # type: ignore[name-defined]
    __tablename__ = "plan_phases"
    __table_args__ = (UniqueConstraint("plan_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    code: Mapped[str] = mapped_column(String(20))  # "2021-2025"
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    plan: Mapped[Plan] = relationship(back_populates="phases")


class Indicator(Audited, Versioned, db.Model):  # type: ignore[name-defined]
    """One row of a plan's indicator file: one indicator in one period, with its target and the rule
    that counts its achieved value from the registry."""

    __tablename__ = "plan_indicators"
    __table_args__ = (UniqueConstraint("plan_id", "code", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    section: Mapped[str] = mapped_column(String(60), default="")
    title_vi: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str] = mapped_column(Text, default="")
    unit_vi: Mapped[str] = mapped_column(String(120), default="")
    period: Mapped[str] = mapped_column(String(20))  # the file's label: "by-2025", "2021-2025", …
    starts_on: Mapped[date] = mapped_column(Date)  # the counting window (cumulative: the plan's start)
    ends_on: Mapped[date] = mapped_column(Date)
    target: Mapped[int | None] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(30))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    window: Mapped[str] = mapped_column(String(12))
    counting_rule: Mapped[str] = mapped_column(Text, default="")
    lead_unit: Mapped[str] = mapped_column(String(200), default="")  # Đơn vị chủ trì
    confidence: Mapped[str] = mapped_column(String(20), default="source")  # "verify": not yet checked

    plan: Mapped[Plan] = relationship(back_populates="indicators")

    @property
    def per_year(self) -> bool:
        return self.params.get("per") == "year"

    def __acl__(self) -> ACL:
        return [(DEPARTMENT_ADMIN, {Permission.CHANGE})]


class IndicatorSnapshot(db.Model):  # type: ignore[name-defined]
    """An indicator's achieved value as counted one night (the ``indicator_snapshot`` job), for trends:
    one row per indicator and day, whatever how often the job runs."""

    __tablename__ = "indicator_snapshots"
    __table_args__ = (UniqueConstraint("indicator_id", "taken_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("plan_indicators.id"))
    taken_on: Mapped[date] = mapped_column(Date)
    actual: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


activity_organisations = db.Table(
    "activity_organisations",
    db.metadata,
    db.Column("activity_id", ForeignKey("activities.id"), primary_key=True),
    db.Column("organisation_id", ForeignKey("organisations.id"), primary_key=True, index=True),
)


class Activity(Audited, Versioned, db.Model):  # type: ignore[name-defined]
    """Something the Department did for the plan: a training, an article, a survey…"""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str] = mapped_column(Text, default="")
    outlet: Mapped[str] = mapped_column(String(200), default="")  # an article's newspaper or channel
    link: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[str] = mapped_column(String(10), default=ActivityState.CURRENT.value)
    state_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=activity_organisations, order_by="Organisation.code"
    )
    participants: Mapped[list[Participant]] = relationship(
        back_populates="activity", order_by="Participant.id", cascade="all, delete-orphan"
    )

    @property
    def void(self) -> bool:
        return self.state == ActivityState.VOID

    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        """Participants are personal data: the Department's alone."""
        return _department_only(who)

    @classmethod
    def __class_acl__(cls) -> ACL:
        return [(DEPARTMENT, {Permission.CREATE})]

    def __acl__(self) -> ACL:
        return [(DEPARTMENT, {Permission.CHANGE})]


class Participant(Audited, db.Model):  # type: ignore[name-defined]
    __tablename__ = "activity_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(255), default="")
    role: Mapped[str] = mapped_column(String(120), default="")

    activity: Mapped[Activity] = relationship(back_populates="participants")


class Submission(Audited, db.Model):  # type: ignore[name-defined]
    """A report the Department's admin submitted, frozen: the figures and the files as they were, who
    submitted them and when, and (in ``plan_submission_rows``) the rows each indicator counted. Never
    changed nor deleted (database triggers): later changes to the registry show beside it, never in it."""

    __tablename__ = "plan_submissions"
    # The files are kept whole below; the audit trail records their digests.
    __audit_exclude__ = frozenset({"report_json", "report_xlsx", "report_docx"})

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by: Mapped[str] = mapped_column(String(200))  # the name as it was (or the system's label)
    note: Mapped[str] = mapped_column(Text, default="")
    report_json: Mapped[bytes] = mapped_column(LargeBinary)
    report_xlsx: Mapped[bytes] = mapped_column(LargeBinary)
    report_docx: Mapped[bytes] = mapped_column(LargeBinary)
    sha256_json: Mapped[str] = mapped_column(String(64))
    sha256_xlsx: Mapped[str] = mapped_column(String(64))
    sha256_docx: Mapped[str] = mapped_column(String(64))

    plan: Mapped[Plan] = relationship()

    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        return _department_only(who)


# The rows each indicator counted when its report was submitted: written once, set-based (an indicator
# may count hundreds of thousands), compared with what it counts now.
submission_rows = db.Table(
    "plan_submission_rows",
    db.metadata,
    db.Column("id", Integer, primary_key=True),
    db.Column("submission_id", ForeignKey("plan_submissions.id"), nullable=False),
    db.Column("indicator_id", ForeignKey("plan_indicators.id"), nullable=False),
    db.Column("day", Date, nullable=False),
    db.Column("activity_id", Integer),
    db.Column("item_id", Integer),
    db.Column("participant_id", Integer),
    db.Column("organisation_id", Integer),
    Index("ix_plan_submission_rows_submission_indicator", "submission_id", "indicator_id"),
)
