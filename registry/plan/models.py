"""Plans, their phases and indicators (loaded from a data file: a new province's plan is a new file, never
new code), and the activities the Department records, which the indicators count."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
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
        """The Department's admin alone changes a plan's targets."""
        return [(DEPARTMENT_ADMIN, {Permission.CHANGE})]


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
