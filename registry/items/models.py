"""One base table for everything that falls due (single-table inheritance), so that status, counts and
reminders run over one table."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.auth.principals import (
    ACL,
    DEPARTMENT,
    DEPARTMENT_ADMIN,
    LAB_STAFF,
    MANAGER,
    Permission,
    in_house,
    manager,
    member,
)
from registry.catalogue.models import AdminUnit, InstrumentType
from registry.core.models import Audited, UTCDateTime, Versioned, utcnow
from registry.extensions import db
from registry.organisations.models import Organisation

if TYPE_CHECKING:
    from registry.auth.policy import Principals


class ItemKind(enum.StrEnum):
    INSTRUMENT = "instrument"
    STANDARD = "standard"
    REFERENCE_MATERIAL = "reference_material"


class ItemState(enum.StrEnum):
    IN_SERVICE = "in_service"
    OUT_OF_SERVICE = "out_of_service"
    RETIRED = "retired"


class Use(enum.StrEnum):
    LEGAL = "legal"  # trade, payment, safety, health, environment, inspection: Group 2 controls apply
    INTERNAL = "internal"  # makes a Group 2 type a Group 1 instrument


class Funding(enum.StrEnum):
    SOCIALISED = "socialised"
    STATE_BUDGET = "state_budget"
    OWN = "own"


class Purpose(enum.StrEnum):
    STATE_INSPECTION = "state_inspection"
    MEASUREMENT_ASSURANCE = "measurement_assurance"
    TESTING = "testing"  # the plan's II.3.a: "phục vụ công tác thử nghiệm"
    SERVICE = "service"
    PRODUCTION = "production"
    OTHER = "other"


class StandardLevel(enum.StrEnum):
    NATIONAL = "national"
    REFERENCE = "reference"
    WORKING = "working"


class Result(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a result, not a password
    FAIL = "fail"
    NOT_STATED = "not_stated"


class Item(Audited, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "items"
    __table_args__ = (
        # Serial numbers are unique per owner and type (standards and reference materials have no type:
        # their uniqueness per owner and kind is checked by the service).
        UniqueConstraint("owner_id", "type_id", "serial_number"),
        Index("ix_items_valid_until", "valid_until"),
        # The lists' order (valid_until NULLS LAST, id) for the Department, for one owner, and the
        # columns of the rarer statuses (retired, failed, awaiting verification…), counted exactly.
        Index("ix_items_kind_valid_until_id", "kind", "valid_until", "id"),
        Index("ix_items_owner_kind_valid_until_id", "owner_id", "kind", "valid_until", "id"),
        Index("ix_items_status_columns", "kind", "state", "last_result", "needs_reverification"),
        Index(
            "ix_items_awaiting_reverification",
            "kind",
            "state",
            postgresql_where=text("needs_reverification"),
            sqlite_where=text("needs_reverification"),
        ),
        # The search's LIKE '%…%' on PostgreSQL (SQLite scans: a single office's registry is small).
        Index(
            "ix_items_search_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        Index("ix_items_owner_serial_key", "owner_id", "serial_key"),
        Index("ix_items_serial_key", "serial_key"),  # the Department's search, across owners
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    serial_number: Mapped[str] = mapped_column(String(80), default="")
    manufacturer: Mapped[str] = mapped_column(String(120), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    measuring_range: Mapped[str] = mapped_column(String(120), default="")
    interval_months: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=ItemState.IN_SERVICE.value)
    funding: Mapped[str] = mapped_column(String(16), default=Funding.OWN.value)
    purpose: Mapped[str] = mapped_column(String(24), default=Purpose.OTHER.value)
    acquired_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")

    # Current validity, maintained by the event service in the same transaction as the event: derived
    # state stored on purpose, because status is filtered and counted over millions of rows.
    valid_until: Mapped[date | None] = mapped_column(Date)
    last_result: Mapped[str | None] = mapped_column(String(12))
    last_event_on: Mapped[date | None] = mapped_column(Date)
    # A repair or a broken seal (on ``repaired_on``): out of validity until a verification after repair.
    needs_reverification: Mapped[bool] = mapped_column(Boolean, default=False)
    repaired_on: Mapped[date | None] = mapped_column(Date)

    # What an item is found by (serial number, manufacturer, model, name, type code and names, owner code
    # and name) folded (lower case, no diacritics, đ → d): written with the row, indexable (pg_trgm) on
    # PostgreSQL. The serial number folded alone: lookups and duplicate checks ignore case and diacritics.
    search_text: Mapped[str] = mapped_column(Text, default="")
    serial_key: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Instruments
    type_id: Mapped[int | None] = mapped_column(ForeignKey("instrument_types.id"), index=True)
    accuracy_class: Mapped[str] = mapped_column(String(40), default="")
    use: Mapped[str | None] = mapped_column(String(10))
    site_address: Mapped[str] = mapped_column(String(500), default="")
    site_admin_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)

    # Measurement standards
    level: Mapped[str | None] = mapped_column(String(12))
    quantity: Mapped[str] = mapped_column(String(60), default="")
    uncertainty: Mapped[str] = mapped_column(String(120), default="")
    traceable_to: Mapped[str] = mapped_column(String(255), default="")  # external body at a chain's top

    # Reference materials
    producer: Mapped[str] = mapped_column(String(200), default="")
    producer_iso17034: Mapped[bool] = mapped_column(Boolean, default=False)
    lot: Mapped[str] = mapped_column(String(80), default="")
    certified_value: Mapped[str] = mapped_column(String(80), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    certificate_number: Mapped[str] = mapped_column(String(80), default="")
    expiry_date: Mapped[date | None] = mapped_column(Date)

    owner: Mapped[Organisation] = relationship(lazy="joined")
    instrument_type: Mapped[InstrumentType | None] = relationship(lazy="joined")
    site_admin_unit: Mapped[AdminUnit | None] = relationship(lazy="joined")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"polymorphic_on": cls.__table__.c.kind, "version_id_col": cls.__table__.c.version}

    @property
    def is_instrument(self) -> bool:
        return self.kind == ItemKind.INSTRUMENT

    # Who may do what (DESIGN §3), asked through registry.auth.policy.
    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        """The Department sees every item; everyone else its own organisation's (and a lab those it has
        served: registry.events widens this)."""
        return None if who.department else Item.owner_id == who.organisation_id

    @classmethod
    def __class_acl__(cls) -> ACL:
        """Who registers items at all (whose: the owner's REGISTER_ITEMS)."""
        return [(DEPARTMENT, {Permission.CREATE}), (MANAGER, {Permission.CREATE})]

    def __acl__(self) -> ACL:
        """The owner's managers change its items, the Department any (and alone transfers one). The
        owner's people and the Department read an item's history, not the labs that served it. The owner
        records its in-house checks (the Department's admin on its behalf)."""
        return [
            (DEPARTMENT, {Permission.CHANGE, Permission.TRANSFER, Permission.VIEW_HISTORY}),
            (member(self.owner_id), {Permission.VIEW_HISTORY}),
            (manager(self.owner_id), {Permission.CHANGE}),
            (in_house(self.owner_id), {Permission.RECORD_IN_HOUSE}),
            (DEPARTMENT_ADMIN, {Permission.RECORD_IN_HOUSE}),
        ]


class Instrument(Item):
    __mapper_args__ = {"polymorphic_identity": ItemKind.INSTRUMENT.value}

    @classmethod
    def __class_acl__(cls) -> ACL:
        """A lab also registers an instrument it is about to serve, on its owner's behalf, and looks any
        owner's up by owner code and serial number."""
        return [
            *super().__class_acl__(),
            (LAB_STAFF, {Permission.CREATE, Permission.LOOK_UP}),
            (DEPARTMENT, {Permission.LOOK_UP}),
        ]

    def group2_on(self, day: date) -> bool:
        """Group 2 controls apply on ``day``: in legal use, of a type with a legal rule in force that day
        (Law on Metrology 2011, Art. 16; Circular 23/2013 as amended). On any other day it is a Group 1
        instrument: the owner's interval applies."""
        return bool(self.use == Use.LEGAL and self.instrument_type and self.instrument_type.group2_on(day))


class MeasurementStandard(Item):
    __mapper_args__ = {"polymorphic_identity": ItemKind.STANDARD.value}


class ReferenceMaterial(Item):
    __mapper_args__ = {"polymorphic_identity": ItemKind.REFERENCE_MATERIAL.value}


MODELS: dict[ItemKind, type[Item]] = {
    ItemKind.INSTRUMENT: Instrument,
    ItemKind.STANDARD: MeasurementStandard,
    ItemKind.REFERENCE_MATERIAL: ReferenceMaterial,
}
