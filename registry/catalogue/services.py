"""Catalogue rules: the Department's edits of instrument types and of their legal rules by period, and the
lookups other domains use. Syncing the reference files is in ``registry.catalogue.sync``."""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.catalogue.models import AdminUnit, InstrumentType, LegalRule
from registry.catalogue.validation import RuleValues, clean_rule, overlap_error, overlapping_rule
from registry.core.errors import FieldErrors, NotFoundError, ServiceError
from registry.core.services import check_version, require_reason
from registry.core.text import fold, fold_all
from registry.core.validation import clean_text, code_or_none
from registry.extensions import db

MAX_QUERY_LENGTH = 200


# --- the Department's edits -----------------------------------------------------------------------


def update_instrument_type(
    actor: Actor,
    instrument_type: InstrumentType,
    *,
    reason: object,
    version: int | None = None,
    name_vi: str | None = None,
    name_en: str | None = None,
    quantity: str | None = None,
) -> InstrumentType:
    """Change a type's names or quantity (``None``: unchanged). Whether it is on the Group 2 list on a day
    follows from its legal rules by period, never from a flag: end a rule's period to take it off."""
    policy.require(actor, instrument_type, Permission.CHANGE)
    check_version(instrument_type, version)
    errors = FieldErrors()
    clean_reason = errors.run(require_reason, reason)
    values: dict[str, Any] = {}
    if name_vi is not None:
        values["name_vi"] = errors.run(lambda: clean_text(name_vi, field="name_vi", max_length=255))
    if name_en is not None:
        values["name_en"] = errors.run(lambda: clean_text(name_en, field="name_en", max_length=255))
    if quantity is not None:
        values["quantity"] = errors.run(lambda: clean_text(quantity, field="quantity", max_length=60))
    errors.raise_if_any()
    with audit.reason(clean_reason):
        for name, value in values.items():
            if getattr(instrument_type, name) != value:
                setattr(instrument_type, name, value)
    return instrument_type


def _checked_rule(
    instrument_type: InstrumentType,
    reason: object,
    fields: dict[str, Any],
    *,
    ignore: LegalRule | None = None,
) -> tuple[str, RuleValues]:
    """The reason and the clean values of a rule period of ``instrument_type``, every field error at once;
    a period overlapping another one of the type (``ignore``: the rule being changed) is refused."""
    errors = FieldErrors()
    clean_reason = errors.run(require_reason, reason)
    values = clean_rule(**fields, errors=errors)
    other = overlapping_rule(instrument_type, values.effective_from, values.effective_to, ignore=ignore)
    if other is not None:
        raise overlap_error(other, values.effective_from)
    return clean_reason, values


def update_legal_rule(
    actor: Actor,
    rule: LegalRule,
    *,
    reason: object,
    version: int | None = None,
    **fields: Any,
) -> LegalRule:
    """Replace a legal rule's values (every field of :func:`clean_rule`); its period may not overlap
    another period of its type."""
    policy.require(actor, rule, Permission.CHANGE)
    check_version(rule, version)
    clean_reason, values = _checked_rule(rule.instrument_type, reason, fields, ignore=rule)
    with audit.reason(clean_reason):
        if (
            values.effective_from != rule.effective_from
            and rule.source is not None
            and "effective_from" not in rule.source
        ):
            # The file identifies its rows by type and start date: remember the start the file gave, so
            # that `catalogue sync` still recognises this row (and keeps the Department's new start).
            rule.source = {**rule.source, "effective_from": rule.effective_from.isoformat()}
        for name, value in asdict(values).items():
            if getattr(rule, name) != value:
                setattr(rule, name, value)
    return rule


def add_rule_period(
    actor: Actor,
    instrument_type: InstrumentType,
    *,
    reason: object,
    version: int | None = None,
    **fields: Any,
) -> LegalRule:
    """A new legal rule for ``instrument_type`` from ``effective_from`` (a new circular, say), with the
    fields of :func:`clean_rule` (``effective_to`` open, ``confidence`` source and no note unless given).
    ``version`` is the type's version the caller read."""
    policy.require(actor, instrument_type, Permission.CHANGE)
    check_version(instrument_type, version)
    fields = {"effective_to": None, "confidence": "source", "note": "", **fields}
    clean_reason, values = _checked_rule(instrument_type, reason, fields)
    with audit.reason(clean_reason):
        rule = LegalRule(instrument_type=instrument_type, source=None, **asdict(values))
        db.session.add(rule)
    return rule


# --- lookups --------------------------------------------------------------------------------------


def _code_or_none(code: str | None) -> str | None:
    # Something that cannot be a code (a NUL byte, say, which PostgreSQL refuses, or a code with an
    # invisible character in it) is simply unknown: never trimmed or folded into a known one.
    return code_or_none(code)


_remembered: contextvars.ContextVar[dict[tuple[type, str], Any] | None] = contextvars.ContextVar(
    "catalogue_lookups", default=None
)


@contextmanager
def lookups_remembered() -> Iterator[None]:
    """Inside the block, each type and administrative unit is read from the database once: a file of
    100,000 rows names the same few dozen codes over and over."""
    token = _remembered.set({})
    try:
        yield
    finally:
        _remembered.reset(token)


def _by_code(model: type[InstrumentType] | type[AdminUnit], clean: str | None) -> Any:
    if not clean:
        return None
    remembered = _remembered.get()
    if remembered is not None and (model, clean) in remembered:
        return remembered[(model, clean)]
    row = db.session.scalar(select(model).where(model.code == clean))
    if remembered is not None:
        remembered[(model, clean)] = row
    return row


def find_instrument_type(code: str) -> InstrumentType:
    """The type with ``code``, or a 404."""
    instrument_type: InstrumentType | None = _by_code(InstrumentType, _code_or_none(code))
    if instrument_type is None:
        raise NotFoundError({"code": _l("No such instrument type.")})
    return instrument_type


def get_instrument_type(code: str, *, field_name: str = "type_code") -> InstrumentType:
    """The type with ``code`` for a form or import field: an unknown code is a field error (422)."""
    try:
        return find_instrument_type(code)
    except NotFoundError:
        raise ServiceError(
            {field_name: _l("Unknown instrument type %(code)s.", code=str(code)[:40])}
        ) from None


def type_to_edit(actor: Actor, code: str) -> InstrumentType:
    """The type with ``code`` (else 404), if ``actor`` may edit the catalogue (else 403)."""
    instrument_type = find_instrument_type(code)
    policy.require(actor, instrument_type, Permission.CHANGE)
    return instrument_type


def rule_to_edit(actor: Actor, code: str, rule_id: int) -> LegalRule:
    """The rule ``rule_id`` of the type with ``code`` (else 404), if ``actor`` may edit the catalogue."""
    rule = find_rule(find_instrument_type(code), rule_id)
    policy.require(actor, rule, Permission.CHANGE)
    return rule


def find_rule(instrument_type: InstrumentType, rule_id: int) -> LegalRule:
    for rule in instrument_type.rules:
        if rule.id == rule_id:
            return rule
    raise NotFoundError({"rule_id": _l("No such legal rule.")})


def search_instrument_types(q: str | None = None, quantity: str | None = None) -> Select[Any]:
    """Types whose code or names contain every word of ``q`` (ignoring case and diacritics; NFC and
    NFD alike), of ``quantity`` when given.

    The catalogue is a bounded reference list (some hundred rows), so the names are folded here rather
    than kept in a search column as the million-row tables do.
    """
    q = clean_text(q, field="q", max_length=MAX_QUERY_LENGTH, required=False)
    quantity = clean_text(quantity, field="quantity", max_length=60, required=False)
    stmt = select(InstrumentType)
    if quantity:
        stmt = stmt.where(InstrumentType.quantity == quantity)
    words = fold(q).split()
    if words:
        rows = db.session.execute(
            select(InstrumentType.id, InstrumentType.code, InstrumentType.name_vi, InstrumentType.name_en)
        )
        ids = [
            row.id
            for row in rows
            if all(word in fold_all(row.code, row.name_vi, row.name_en) for word in words)
        ]
        stmt = stmt.where(InstrumentType.id.in_(ids))
    return stmt


def quantities() -> list[str]:
    return list(
        db.session.scalars(select(InstrumentType.quantity).distinct().order_by(InstrumentType.quantity))
    )


LEVEL_ORDER = {"province": 0, "city": 1, "district": 1, "town": 1, "commune": 2, "ward": 2}


def admin_units() -> list[AdminUnit]:
    """Every unit, current and abolished: the province first, then its districts, then communes."""
    units = db.session.scalars(select(AdminUnit)).all()
    return sorted(units, key=lambda unit: (LEVEL_ORDER.get(unit.level, 3), unit.code))


def get_admin_unit(code: str, *, field_name: str = "admin_unit") -> AdminUnit:
    """The unit with ``code`` for a form or import field: an unknown code is a field error."""
    unit: AdminUnit | None = _by_code(AdminUnit, _code_or_none(code))
    if unit is None:
        raise ServiceError({field_name: _l("Unknown administrative unit %(code)s.", code=str(code)[:20])})
    return unit


def _local_names(codes: Iterable[str]) -> dict[str, str]:
    english = (locale := get_locale()) is not None and locale.language == "en"
    return {
        row.code: row.name_en if english else row.name_vi
        for row in db.session.scalars(select(InstrumentType).where(InstrumentType.code.in_(list(codes))))
    }


def type_names(codes: list[str]) -> str:
    """Instrument types named by code, in the reader's language and in the order given ("Cột đo xăng dầu,
    Taximet"); a code the catalogue does not hold is shown as it is."""
    names = _local_names(codes) if codes else {}
    return ", ".join(names.get(code, code) for code in codes)


class TypeNames(Mapping[str, str]):
    """Instrument type codes to their names in the reader's language, read when asked (an audit
    vocabulary's value labels)."""

    def __getitem__(self, code: str) -> str:
        return _local_names([code])[code]

    def __iter__(self) -> Iterator[str]:
        return iter(db.session.scalars(select(InstrumentType.code)))

    def __len__(self) -> int:
        return len(list(self))
