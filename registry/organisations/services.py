"""Organisation rules: codes, names, kinds, tax codes, capital, places; who may see and change which."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from registry.audit.services import set_reason
from registry.auth.models import DEPARTMENT_ROLES, Role, User
from registry.catalogue.models import AdminUnit
from registry.core.errors import FieldErrors, ForbiddenError, NotFoundError, ServiceError
from registry.core.services import check_version, require_reason
from registry.core.text import fold, fold_all
from registry.core.validation import CODE_PATTERN, clean_code, clean_text
from registry.extensions import db
from registry.organisations.models import Organisation, OrgKind
from registry.organisations.parsing import (
    UNSET,
    Unset,
    clean_address,
    clean_flag,
    clean_percent,
    clean_sectors,
    clean_tax_code,
    find_admin_unit,
)

# What a manager may change of its own organisation: how to find it, not what it is.
CONTACT_FIELDS = frozenset({"address", "admin_unit", "sectors"})
MANAGER_ROLES = (Role.PROVIDER_MANAGER, Role.ENTERPRISE_MANAGER)
SORTS = {
    "name": (Organisation.name, Organisation.id),
    "code": (Organisation.code,),
    "newest": (Organisation.created_at.desc(), Organisation.id.desc()),
}


def parse_kinds(values: Iterable[str], *, field: str = "kinds") -> set[OrgKind]:
    kinds: set[OrgKind] = set()
    for value in values:
        try:
            kinds.add(OrgKind(str(value).strip().lower()))
        except ValueError:
            raise ServiceError(
                {field: _l("Unknown kind %(kind)s: use department, enterprise or provider.", kind=value)}
            ) from None
    if not kinds:
        raise ServiceError({field: _l("Choose at least one kind.")})
    return kinds


def _check_tax_code_is_free(tax_code: str | None, errors: FieldErrors, *, exclude: int | None = None) -> None:
    if tax_code is None:
        return
    holder = db.session.scalar(
        select(Organisation.code).where(Organisation.tax_code == tax_code, Organisation.id != (exclude or 0))
    )
    if holder is not None:
        errors.add("tax_code", _l("Organisation %(code)s already has this tax code.", code=holder))


def _check_capital(state: Decimal | None, foreign: Decimal | None, errors: FieldErrors) -> None:
    if state is not None and foreign is not None and state + foreign > 100:
        errors.add(
            "foreign_capital_pct",
            _l("State and foreign capital together cannot add up to more than 100 per cent."),
        )


def create_organisation(
    *,
    code: str,
    name: str,
    kinds: Iterable[str],
    tax_code: object = None,
    address: object = "",
    admin_unit: object = None,
    state_capital_pct: object = None,
    foreign_capital_pct: object = None,
    public_unit: object = False,
    sectors: object = None,
) -> Organisation:
    errors = FieldErrors()
    code = errors.run(clean_code, code)
    name = errors.run(clean_text, name, field="name", max_length=255)
    parsed = errors.run(parse_kinds, kinds)
    clean_tax = errors.run(clean_tax_code, tax_code)
    clean_addr = errors.run(clean_address, address)
    unit = errors.run(find_admin_unit, admin_unit)
    state = errors.run(clean_percent, state_capital_pct, field="state_capital_pct")
    foreign = errors.run(clean_percent, foreign_capital_pct, field="foreign_capital_pct")
    public = errors.run(clean_flag, public_unit, field="public_unit")
    clean_sector_list = errors.run(clean_sectors, sectors)
    _check_capital(state, foreign, errors)
    if code and db.session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
        errors.add("code", _l("An organisation with code %(code)s already exists.", code=code))
    _check_tax_code_is_free(clean_tax, errors)
    errors.raise_if_any()
    organisation = Organisation(
        code=code,
        name=name,
        search_text=fold_all(code, name),
        tax_code=clean_tax,
        address=clean_addr,
        admin_unit=unit,
        state_capital_pct=state,
        foreign_capital_pct=foreign,
        public_unit=public,
        sectors=clean_sector_list,
    )
    organisation.set_kinds(parsed)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def check_may_change(user: User, organisation: Organisation, fields: Iterable[str]) -> None:
    """The Department changes anything; a manager only the contact details of its own organisation."""
    if user.has_role(*DEPARTMENT_ROLES):
        return
    if may_edit_contact(user, organisation) and set(fields) <= CONTACT_FIELDS:
        return
    if may_edit_contact(user, organisation):
        raise ForbiddenError(
            message=_l(
                "You may change only the address, administrative unit and sectors of your organisation."
            )
        )
    raise ForbiddenError(message=_l("Only the Department may change organisations."))


def may_edit_contact(user: User, organisation: Organisation) -> bool:
    """Whether ``user`` may change the contact details (address, administrative unit, sectors)."""
    return user.has_role(*DEPARTMENT_ROLES) or (
        user.has_role(*MANAGER_ROLES) and user.organisation_id == organisation.id
    )


def update_organisation(
    organisation: Organisation,
    *,
    reason: str | None,
    version: int | None = None,
    actor: User | None = None,
    name: str | Unset | None = UNSET,
    kinds: Iterable[str] | Unset | None = UNSET,
    tax_code: object = UNSET,
    address: object = UNSET,
    admin_unit: object = UNSET,
    state_capital_pct: object = UNSET,
    foreign_capital_pct: object = UNSET,
    public_unit: object = UNSET,
    sectors: object = UNSET,
) -> Organisation:
    """Change the given fields (``UNSET`` ones stay as they are; ``None`` name or kinds too). ``actor``,
    when given, must be allowed to change them (see :func:`check_may_change`)."""
    given: dict[str, Any] = {
        key: value
        for key, value in {
            "name": name,
            "kinds": kinds,
            "tax_code": tax_code,
            "address": address,
            "admin_unit": admin_unit,
            "state_capital_pct": state_capital_pct,
            "foreign_capital_pct": foreign_capital_pct,
            "public_unit": public_unit,
            "sectors": sectors,
        }.items()
        if value is not UNSET and not (key in {"name", "kinds"} and value is None)
    }
    if actor is not None:
        check_may_change(actor, organisation, given)
    check_version(organisation, version)
    errors = FieldErrors()
    reason = errors.run(require_reason, reason)
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = errors.run(clean_text, given["name"], field="name", max_length=255)
    if "kinds" in given:
        parsed = errors.run(parse_kinds, given["kinds"])
    if "tax_code" in given:
        values["tax_code"] = errors.run(clean_tax_code, given["tax_code"])
        _check_tax_code_is_free(values["tax_code"], errors, exclude=organisation.id)
    if "address" in given:
        values["address"] = errors.run(clean_address, given["address"])
    if "admin_unit" in given:
        values["admin_unit"] = errors.run(find_admin_unit, given["admin_unit"])
    for key in ("state_capital_pct", "foreign_capital_pct"):
        if key in given:
            values[key] = errors.run(clean_percent, given[key], field=key)
    if "public_unit" in given:
        values["public_unit"] = errors.run(clean_flag, given["public_unit"], field="public_unit")
    if "sectors" in given:
        values["sectors"] = errors.run(clean_sectors, given["sectors"])
    _check_capital(
        values.get("state_capital_pct", organisation.state_capital_pct),
        values.get("foreign_capital_pct", organisation.foreign_capital_pct),
        errors,
    )
    errors.raise_if_any()
    for key, value in values.items():
        if getattr(organisation, key) != value:
            setattr(organisation, key, value)
    if "name" in values:
        organisation.search_text = fold_all(organisation.code, organisation.name)
    if "kinds" in given and set(organisation.kinds) != {kind.value for kind in parsed}:
        organisation.set_kinds(parsed)
    set_reason(reason)
    db.session.flush()
    if "name" in values:
        from registry.items.services import refresh_owner_search_text  # items import organisations

        refresh_owner_search_text(organisation)
    return organisation


def visible_organisations(user: User) -> Select[Organisation]:
    """Organisations ``user`` may see: all for the Department, otherwise its own."""
    stmt = select(Organisation)
    if not user.has_role(*DEPARTMENT_ROLES):
        stmt = stmt.where(Organisation.id == user.organisation_id)
    return stmt


def search_organisations(
    user: User,
    *,
    q: str | None = None,
    kind: str | None = None,
    admin_unit: str | None = None,
    sort: str | None = None,
) -> Select[Organisation]:
    """The organisations ``user`` may see, matching the text ``q`` (code or name, without diacritics, or
    the start of a tax code), of ``kind``, in ``admin_unit`` (or a unit within it), in ``sort`` order."""
    stmt = visible_organisations(user)
    folded = fold(q)
    if folded:
        stmt = stmt.where(
            or_(
                Organisation.search_text.contains(folded, autoescape=True),
                Organisation.tax_code.startswith(folded, autoescape=True),
            )
        )
    if kind:
        column = {
            OrgKind.DEPARTMENT.value: Organisation.is_department,
            OrgKind.ENTERPRISE.value: Organisation.is_enterprise,
            OrgKind.PROVIDER.value: Organisation.is_provider,
        }.get(kind)
        if column is None:
            raise ServiceError(
                {"kind": _l("Unknown kind %(kind)s: use department, enterprise or provider.", kind=kind)}
            )
        stmt = stmt.where(column.is_(True))
    if admin_unit:
        find_admin_unit(admin_unit)  # an unknown code is a field error, not an empty list
        units = select(AdminUnit.id).where(
            or_(AdminUnit.code == admin_unit, AdminUnit.parent_code == admin_unit)
        )
        stmt = stmt.where(Organisation.admin_unit_id.in_(units))
    order = SORTS.get(sort or "name")
    if order is None:
        raise ServiceError({"sort": _l("Sort by name, code or newest.")})
    return stmt.order_by(*order)


def get_visible_organisation(user: User, code: str) -> Organisation:
    """The organisation with ``code`` if ``user`` may see it; otherwise not found (never forbidden)."""
    code = code.strip().upper()
    # Something that cannot be a code (a NUL byte, say, which PostgreSQL refuses) is simply not found.
    organisation = (
        db.session.scalars(visible_organisations(user).where(Organisation.code == code)).first()
        if CODE_PATTERN.match(code)
        else None
    )
    if organisation is None:
        raise NotFoundError({"code": _l("No such organisation.")})
    return organisation


def get_organisation_by_code(code: str) -> Organisation:
    clean = code.strip().upper()
    organisation = (
        db.session.scalar(select(Organisation).where(Organisation.code == clean))
        if CODE_PATTERN.match(clean)
        else None
    )
    if organisation is None:
        raise ServiceError({"org": _l("No organisation with code %(code)s.", code=code)})
    return organisation
