"""Organisation rules: codes, names, kinds, tax codes, capital, places; registering, changing, finding.

Every function takes the actor who acts and asks :mod:`registry.auth.policy`; every value arrives as the
form or the API sent it and is cleaned by :mod:`registry.organisations.parsing`, so both give the same
answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from registry.audit import services as audit
from registry.audit.readable import Entry, readable
from registry.audit.services import history
from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.catalogue.models import AdminUnit
from registry.core.errors import FieldErrors, ForbiddenError, NotFoundError, ServiceError
from registry.core.pagination import Order, parse_moment
from registry.core.services import check_version, require_reason
from registry.core.text import fold, fold_all
from registry.core.validation import clean_code, clean_text, code_or_none
from registry.extensions import db
from registry.organisations.history import VOCABULARY as HISTORY_VOCABULARY
from registry.organisations.models import Organisation, OrganisationUsers, OrgKind
from registry.organisations.parsing import (
    clean_address,
    clean_flag,
    clean_percent,
    clean_sectors,
    clean_tax_code,
    find_admin_unit,
)

# What a manager may change of its own organisation: how to find it, not what it is.
CONTACT_FIELDS = frozenset({"address", "admin_unit", "sectors"})
PROFILE_FIELDS = frozenset(
    {"name", "kinds", "tax_code", "state_capital_pct", "foreign_capital_pct", "public_unit", *CONTACT_FIELDS}
)
# The list's orders, each served by an index (name, id), (code), (created_at, id).
ORDERS = {
    "name": Order("name", Organisation.name, Organisation.id, nullable=False),
    "code": Order("code", Organisation.code, Organisation.id, nullable=False),
    "newest": Order(
        "newest",
        Organisation.created_at,
        Organisation.id,
        descending=True,
        parse=parse_moment,
        nullable=False,
    ),
}


def parse_kinds(values: object, *, field: str = "kinds") -> set[OrgKind]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ServiceError({field: _l("Send a list.")})
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


def _clean_profile(
    given: Mapping[str, Any], errors: FieldErrors, *, current: Organisation | None = None
) -> dict[str, Any]:
    """The stored values of the profile fields in ``given``, every error collected in ``errors``; the
    capital shares are checked together, overlaying ``current``'s."""
    values: dict[str, Any] = {}
    if "name" in given:
        values["name"] = errors.run(clean_text, given["name"], field="name", max_length=255)
    if "kinds" in given:
        values["kinds"] = errors.run(parse_kinds, given["kinds"])
    if "tax_code" in given:
        values["tax_code"] = errors.run(clean_tax_code, given["tax_code"])
        _check_tax_code_is_free(values["tax_code"], errors, exclude=current.id if current else None)
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
        values.get("state_capital_pct", current.state_capital_pct if current else None),
        values.get("foreign_capital_pct", current.foreign_capital_pct if current else None),
        errors,
    )
    return values


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


def check_may_register(actor: Actor) -> None:
    """Refuse (403) an actor who may not register organisations."""
    message = _l("Only the Department may register organisations.")
    policy.require(actor, Organisation, Permission.CREATE, message)


def create_organisation(actor: Actor, *, code: object = None, **fields: Any) -> Organisation:
    """Register an organisation (the Department): ``code``, ``name`` and ``kinds`` are required, the
    other profile fields optional."""
    check_may_register(actor)
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise ServiceError({key: _l("This field is not accepted here.") for key in sorted(unknown)})
    errors = FieldErrors()
    clean = errors.run(clean_code, code)
    values = _clean_profile({"name": None, "kinds": (), **fields}, errors)
    if clean and db.session.scalar(select(Organisation.id).where(Organisation.code == clean)) is not None:
        errors.add("code", _l("An organisation with code %(code)s already exists.", code=clean))
    errors.raise_if_any()
    kinds = values.pop("kinds")
    organisation = Organisation(code=clean, search_text=fold_all(clean, values["name"]), **values)
    organisation.set_kinds(kinds)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(
    actor: Actor,
    organisation: Organisation,
    changes: Mapping[str, Any],
    *,
    reason: object,
    version: int | None = None,
) -> Organisation:
    """Change the profile fields in ``changes``: the Department any; an organisation's manager only its
    contact details (address, administrative unit, sectors). ``reason`` is required and audited."""
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise ServiceError({key: _l("This field is not accepted here.") for key in sorted(unknown)})
    if set(changes) <= CONTACT_FIELDS:
        refused = _l("Only the Department may change organisations.")
        policy.require(actor, organisation, Permission.CHANGE_CONTACT, refused)
    elif policy.permits(actor, organisation, Permission.CHANGE_CONTACT):
        policy.require(
            actor,
            organisation,
            Permission.CHANGE,
            _l("You may change only the address, administrative unit and sectors of your organisation."),
        )
    else:
        policy.require(
            actor, organisation, Permission.CHANGE, _l("Only the Department may change organisations.")
        )
    check_version(organisation, version)
    errors = FieldErrors()
    why = errors.run(require_reason, reason)
    values = _clean_profile(changes, errors, current=organisation)
    errors.raise_if_any()
    kinds = values.pop("kinds", None)
    with audit.reason(why):
        for key, value in values.items():
            if getattr(organisation, key) != value:
                setattr(organisation, key, value)
        if kinds is not None and set(organisation.kinds) != {kind.value for kind in kinds}:
            organisation.set_kinds(kinds)
        search_text = fold_all(organisation.code, organisation.name)
        if organisation.search_text != search_text:
            organisation.search_text = search_text
    return organisation


def visible_organisations(actor: Actor) -> Select[Organisation]:
    """The organisations ``actor`` may see: all for the Department, otherwise its own."""
    condition = policy.visible(actor, Organisation)
    stmt = select(Organisation)
    return stmt if condition is None else stmt.where(condition)


def search_organisations(
    actor: Actor,
    *,
    q: str | None = None,
    kind: str | None = None,
    admin_unit: str | None = None,
    sort: str | None = None,
) -> Select[Organisation]:
    """The organisations ``actor`` may see, matching the text ``q`` (code or name, without diacritics, or
    the start of a tax code), of ``kind``, in ``admin_unit`` (or a unit within it), in ``sort`` order."""
    stmt = visible_organisations(actor)
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
    return stmt.order_by(*organisation_order(sort).clauses())


def organisation_order(sort: str | None) -> Order:
    """The list's order named ``sort`` (by name when None)."""
    order = ORDERS.get(sort or "name")
    if order is None:
        raise ServiceError({"sort": _l("Sort by name, code or newest.")})
    return order


def get_organisation(actor: Actor, code: str, permission: Permission = Permission.VIEW) -> Organisation:
    """The organisation with ``code`` if ``actor`` may see it (otherwise not found, never forbidden), and
    holds ``permission`` on it (otherwise forbidden)."""
    organisation = find_by_code(code)
    if organisation is None or not policy.can_see(actor, organisation):
        raise NotFoundError({"code": _l("No such organisation.")})
    policy.require(actor, organisation, permission, seen=True)
    return organisation


def history_of(actor: Actor, organisation: Organisation) -> list[Entry]:
    """Every change of the organisation, oldest first and in words, for those who may see it."""
    policy.require(actor, organisation, Permission.VIEW)
    return readable(history("organisations", organisation.id), HISTORY_VOCABULARY)


def find_by_code(code: object) -> Organisation | None:
    """The organisation with ``code`` (any case, plain spaces around ignored); something that cannot be a
    code (a NUL byte, say, which PostgreSQL refuses, or an invisible character, which is never trimmed
    away) is simply not found. For the rules that name another organisation (an item's owner, the lab of
    an event), which each decide what their actor may know."""
    clean = code_or_none(code)
    if clean is None:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.code == clean))


MEMBERS_LIMIT = 200


def _users_of(organisation: Organisation) -> list[User]:
    stmt = select(User).where(User.organisation_id == organisation.id).order_by(User.name, User.id)
    return list(db.session.scalars(stmt.limit(MEMBERS_LIMIT)))


def sees_users(actor: Actor, organisation: Organisation) -> bool:
    """Whether ``actor`` sees ``organisation``'s user accounts (names, e-mails, roles, whether active)."""
    return policy.permits(actor, OrganisationUsers(organisation), Permission.SEE_USERS)


def members_of(actor: Actor, organisation: Organisation) -> list[User]:
    """The organisation's user accounts, for its managers and the Department (others: forbidden)."""
    policy.require(actor, organisation, Permission.VIEW)
    if not sees_users(actor, organisation):
        raise ForbiddenError(message=_l("Only the organisation's managers and the Department see its users."))
    return _users_of(organisation)


def contacts_of(actor: Actor, organisation: Organisation) -> list[User]:
    """Whom to reach the organisation through (its active managers), for whoever may see it."""
    policy.require(actor, organisation, Permission.VIEW)
    return [user for user in _users_of(organisation) if policy.is_contact(user)]
