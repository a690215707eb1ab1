from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Numeric, String, Text, case
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.auth.principals import (
    ACL,
    DEPARTMENT,
    DEPARTMENT_ADMIN,
    LAB_MANAGER,
    LAB_STAFF,
    Permission,
    lab_manager,
    lab_staff,
    manager,
)
from registry.core.models import Audited, UTCDateTime, Versioned, utcnow
from registry.extensions import db

if TYPE_CHECKING:
    from registry.auth.policy import Principals
    from registry.catalogue.models import AdminUnit


class OrgKind(enum.StrEnum):
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"
    PROVIDER = "provider"


class OwnershipClass(enum.StrEnum):
    PUBLIC_UNIT = "public_unit"
    STATE_CAPITAL = "state_capital"
    FDI = "fdi"
    PRIVATE = "private"


class Organisation(Audited, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "organisations"
    __table_args__ = (
        # The list's orders (by name, newest first), each with the id that breaks ties.
        Index("ix_organisations_name_id", "name", "id"),
        Index("ix_organisations_created_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    is_department: Mapped[bool] = mapped_column(Boolean, default=False)
    is_enterprise: Mapped[bool] = mapped_column(Boolean, default=False)
    is_provider: Mapped[bool] = mapped_column(Boolean, default=False)
    # 10 digits, 10 + "-" + 3 for a branch, a 12-digit personal ID for a household business, or none.
    tax_code: Mapped[str | None] = mapped_column(String(14), index=True)
    address: Mapped[str] = mapped_column(String(500), default="")
    admin_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    state_capital_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    foreign_capital_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    public_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Name and code folded (lower case, no diacritics, đ → d) for searching; written with the row.
    search_text: Mapped[str] = mapped_column(String(400), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    admin_unit: Mapped[AdminUnit | None] = relationship(lazy="joined")

    @property
    def kinds(self) -> list[str]:
        return [
            kind.value
            for kind, flag in (
                (OrgKind.DEPARTMENT, self.is_department),
                (OrgKind.ENTERPRISE, self.is_enterprise),
                (OrgKind.PROVIDER, self.is_provider),
            )
            if flag
        ]

    def set_kinds(self, kinds: set[OrgKind]) -> None:
        self.is_department = OrgKind.DEPARTMENT in kinds
        self.is_enterprise = OrgKind.ENTERPRISE in kinds
        self.is_provider = OrgKind.PROVIDER in kinds

    # The ownership class is derived here and only here, in Python and in SQL alike (indicators count
    # by it): a public unit first, then any state capital, then any foreign capital, else private.
    @hybrid_property
    def ownership_class(self) -> str:
        if self.public_unit:
            return OwnershipClass.PUBLIC_UNIT.value
        if (self.state_capital_pct or 0) > 0:
            return OwnershipClass.STATE_CAPITAL.value
        if (self.foreign_capital_pct or 0) > 0:
            return OwnershipClass.FDI.value
        return OwnershipClass.PRIVATE.value

    @ownership_class.inplace.expression
    @classmethod
    def _ownership_class_expression(cls) -> ColumnElement[str]:
        return case(
            (cls.public_unit.is_(True), OwnershipClass.PUBLIC_UNIT.value),
            (cls.state_capital_pct > 0, OwnershipClass.STATE_CAPITAL.value),
            (cls.foreign_capital_pct > 0, OwnershipClass.FDI.value),
            else_=OwnershipClass.PRIVATE.value,
        )

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"

    # Who may do what (DESIGN §3), asked through registry.auth.policy.
    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        """The Department sees every organisation; everyone else its own."""
        return None if who.department else cls.id == who.organisation_id

    @classmethod
    def __class_acl__(cls) -> ACL:
        return [(DEPARTMENT, {Permission.CREATE})]

    def __acl__(self) -> ACL:
        """The Department changes anything; a manager only the contact details of its own organisation and
        registers its items, one by one or from a file; a lab's manager enters its credentials; a lab's
        staff record as the lab (the Department's admin on its behalf) and register instruments on an
        enterprise's behalf, one at a time: only the Department's admin imports a file on another
        organisation's behalf."""
        acl: list[tuple[str, set[Permission]]] = [
            (
                DEPARTMENT,
                {
                    Permission.CHANGE,
                    Permission.CHANGE_CONTACT,
                    Permission.REGISTER_ITEMS,
                    Permission.MANAGE_CREDENTIALS,
                },
            ),
            (
                manager(self.id),
                {Permission.CHANGE_CONTACT, Permission.REGISTER_ITEMS, Permission.IMPORT_ITEMS},
            ),
        ]
        # The registration rule then says whether the organisation may perform the service that day.
        acl.append((DEPARTMENT_ADMIN, {Permission.RECORD_AS, Permission.IMPORT_ITEMS}))
        if self.is_provider:
            acl += [
                (lab_manager(self.id), {Permission.MANAGE_CREDENTIALS}),
                (lab_staff(self.id), {Permission.RECORD_AS}),
            ]
        if self.is_enterprise:
            acl.append((LAB_STAFF, {Permission.REGISTER_INSTRUMENTS}))
        return acl


class ConfirmationState(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Credential(Audited, Versioned):
    """What every provider credential shares: the provider enters it, the Department confirms it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    confirmation: Mapped[str] = mapped_column(String(12), default=ConfirmationState.PENDING.value)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @classmethod
    def __visible__(cls, who: Principals) -> ColumnElement[bool] | None:
        """The Department sees every credential; everyone else its own organisation's."""
        return None if who.department else cls.organisation_id == who.organisation_id

    @classmethod
    def __class_acl__(cls) -> ACL:
        """Who enters credentials at all (for which organisation: its MANAGE_CREDENTIALS)."""
        return [(DEPARTMENT, {Permission.CREATE, Permission.REVOKE}), (LAB_MANAGER, {Permission.CREATE})]

    def __acl__(self) -> ACL:
        """The lab's manager amends its own (which sends it back to the Department); the Department
        amends, confirms or rejects any, and alone revokes, suspends or withdraws one."""
        return [
            (DEPARTMENT, {Permission.CHANGE, Permission.REVIEW, Permission.REVOKE}),
            (lab_manager(self.organisation_id), {Permission.CHANGE}),
        ]


class Registration(Credential, db.Model):  # type: ignore[name-defined]
    """Giấy chứng nhận đăng ký (Decree 105/2016): mandatory for every verification, calibration or
    testing provider. It does not expire; it can be revoked."""

    __tablename__ = "registrations"

    certificate_number: Mapped[str] = mapped_column(String(80))
    services: Mapped[list[str]] = mapped_column(JSON, default=list)  # verification, calibration, testing
    fields: Mapped[str] = mapped_column(Text, default="")
    issued_on: Mapped[date] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)

    organisation: Mapped[Organisation] = relationship()


class Accreditation(Credential, db.Model):  # type: ignore[name-defined]
    """A voluntary accreditation or certification (ISO/IEC 17025, ISO 9001, ISO 15189, ISO 17034…)."""

    __tablename__ = "accreditations"

    scheme: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(String(120), default="")
    number: Mapped[str] = mapped_column(String(80))
    # [{"quantity": "mass", "range": "1 mg – 50 kg", "cmc": "0.1 mg"}, …]
    scope: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    suspension: Mapped[str | None] = mapped_column(String(12))  # None, "suspended" or "withdrawn"

    organisation: Mapped[Organisation] = relationship()


class Designation(Credential, db.Model):  # type: ignore[name-defined]
    """Quyết định chỉ định: the provider may verify these Group 2 instrument types."""

    __tablename__ = "designations"

    decision_number: Mapped[str] = mapped_column(String(80))
    # [{"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"}, …]
    scope: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)

    organisation: Mapped[Organisation] = relationship()

    @property
    def type_codes(self) -> list[str]:
        return [str(entry["type_code"]) for entry in self.scope]


class Verifier(Credential, db.Model):  # type: ignore[name-defined]
    """Kiểm định viên: a person with a verifier card for some instrument types."""

    __tablename__ = "verifiers"

    name: Mapped[str] = mapped_column(String(200))
    card_number: Mapped[str] = mapped_column(String(60))
    type_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The day the card was issued: a back-dated event cannot cite a card issued later (a card is not valid
    # before it is issued; verifier cards: Decree 105/2016/NĐ-CP, Circular 24/2013/TT-BKHCN). None only on
    # cards entered before it was asked (their start was not recorded): judged by their end alone.
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)

    organisation: Mapped[Organisation] = relationship()


class OrganisationUsers:
    """The users of one organisation (no table of its own: the accounts are auth's): the Department sees
    every organisation's; its admin and the organisation's managers see and manage them (within the roles
    each may grant: ``policy.grantable_roles``). Its other people see its contacts only."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation

    @classmethod
    def __class_acl__(cls) -> ACL:
        return []

    def __acl__(self) -> ACL:
        return [
            (DEPARTMENT, {Permission.SEE_USERS}),
            (DEPARTMENT_ADMIN, {Permission.SEE_USERS, Permission.MANAGE_USERS}),
            (manager(self.organisation.id), {Permission.SEE_USERS, Permission.MANAGE_USERS}),
        ]
