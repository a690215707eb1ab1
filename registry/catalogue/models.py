from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.auth.principals import ACL, DEPARTMENT_ADMIN, Permission
from registry.catalogue.labels import legal_basis_words
from registry.core.models import Audited, Versioned
from registry.extensions import db

CONTROLS = ("PA", "IV", "PV", "RV")  # type approval, initial, periodic, after-repair verification


class SyncedFromFile:
    """Rows loaded from a reference file remember the file's values as last loaded (``source``), so
    ``catalogue sync`` can tell a Department edit (keep it) from an untouched value (follow the file)."""

    source: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    confidence: Mapped[str] = mapped_column(String(10), default="source")
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def needs_verification(self) -> bool:
        return self.confidence == "verify"

    # Everyone reads the catalogue; the Department's admin edits it (DESIGN §3).
    @classmethod
    def __class_acl__(cls) -> ACL:
        return [(DEPARTMENT_ADMIN, {Permission.CHANGE})]

    def __acl__(self) -> ACL:
        return self.__class_acl__()


class AdminUnit(SyncedFromFile, Audited, Versioned, db.Model):  # type: ignore[name-defined]
    """A province, city, district or commune, valid for a period; abolished units keep their rows so
    that reports for the plan's periods can still group by them."""

    __tablename__ = "admin_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(String(20))
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    successor: Mapped[str] = mapped_column(String(120), default="")

    def is_valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    @property
    def abolished_on(self) -> date | None:
        """The first day the unit no longer existed (the day after ``valid_to``)."""
        return None if self.valid_to is None else self.valid_to + timedelta(days=1)


class InstrumentType(SyncedFromFile, Audited, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "instrument_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_vi: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str] = mapped_column(String(255))
    quantity: Mapped[str] = mapped_column(String(60))
    list_row: Mapped[str] = mapped_column(String(20), default="")

    rules: Mapped[list[LegalRule]] = relationship(
        back_populates="instrument_type", order_by="LegalRule.effective_from", lazy="selectin"
    )

    def rule_on(self, day: date) -> LegalRule | None:
        """The legal rule in force on ``day``, if any."""
        for rule in self.rules:
            if rule.in_force_on(day):
                return rule
        return None

    def group2_on(self, day: date) -> bool:
        """On the Group 2 list on ``day``: a legal rule is in force then (Law on Metrology 2011, Art. 16;
        the list of Circular 23/2013 as amended by 07/2019 and 03/2024 changes: EV-charger meters joined
        on 2024-10-15, single-phase induction meters left). Never a fixed flag."""
        return self.rule_on(day) is not None

    @property
    def ever_group2(self) -> bool:
        """On the Group 2 list for some period (a designation or a verifier card may name it)."""
        return bool(self.rules)

    @property
    def needs_verification(self) -> bool:
        return self.confidence == "verify" or any(rule.needs_verification for rule in self.rules)

    @property
    def rules_by_period(self) -> list[LegalRule]:
        return sorted(self.rules, key=lambda rule: rule.effective_from)


class LegalRule(SyncedFromFile, Audited, Versioned, db.Model):  # type: ignore[name-defined]
    """What the law required of one instrument type during one period."""

    __tablename__ = "legal_rules"
    __table_args__ = (UniqueConstraint("instrument_type_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_type_id: Mapped[int] = mapped_column(ForeignKey("instrument_types.id"), index=True)
    controls: Mapped[str] = mapped_column(String(20), default="")
    cycle_months: Mapped[int | None] = mapped_column(Integer)
    legal_basis: Mapped[str] = mapped_column(String(120))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)

    instrument_type: Mapped[InstrumentType] = relationship(back_populates="rules")

    @property
    def control_set(self) -> frozenset[str]:
        return frozenset(part for part in self.controls.split("+") if part)

    @property
    def basis_in_words(self) -> str:
        return legal_basis_words(self.legal_basis)

    @property
    def periodic(self) -> bool:
        # The reference file leaves the cycle empty when there is no periodic verification; some new
        # rules (EV chargers, 2024) have a cycle but controls not yet confirmed.
        return self.cycle_months is not None

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)
