"""Organisation rules: codes, names, kinds, and who may see which organisation."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from registry.audit.services import set_reason
from registry.auth.models import DEPARTMENT_ROLES, User
from registry.core.errors import NotFoundError, ServiceError
from registry.core.services import check_version, require_reason
from registry.core.text import fold_all
from registry.core.validation import CODE_PATTERN, clean_code, clean_text
from registry.extensions import db
from registry.organisations.models import Organisation, OrgKind


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


def create_organisation(*, code: str, name: str, kinds: Iterable[str]) -> Organisation:
    code = clean_code(code)
    name = clean_text(name, field="name", max_length=255)
    parsed = parse_kinds(kinds)
    if db.session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
        raise ServiceError({"code": _l("An organisation with code %(code)s already exists.", code=code)})
    organisation = Organisation(code=code, name=name, search_text=fold_all(code, name))
    organisation.set_kinds(parsed)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(
    organisation: Organisation,
    *,
    reason: str | None,
    version: int | None = None,
    name: str | None = None,
    kinds: Iterable[str] | None = None,
) -> Organisation:
    check_version(organisation, version)
    reason = require_reason(reason)
    if name is not None:
        organisation.name = clean_text(name, field="name", max_length=255)
        organisation.search_text = fold_all(organisation.code, organisation.name)
    if kinds is not None:
        organisation.set_kinds(parse_kinds(kinds))
    set_reason(reason)
    db.session.flush()
    return organisation


def visible_organisations(user: User) -> Select[Organisation]:
    """Organisations ``user`` may see: all for the Department, otherwise its own."""
    stmt = select(Organisation)
    if not user.has_role(*DEPARTMENT_ROLES):
        stmt = stmt.where(Organisation.id == user.organisation_id)
    return stmt


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
