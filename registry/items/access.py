"""Who may see and change which items (DESIGN §3).

- The Department (admin, officer) sees every item and may change any of them, with a reason.
- Everyone else sees its own organisation's items, and a lab also the items it has served (recorded an
  event on); another organisation's item answers 404.
- Managers (enterprise or provider) create, edit, relocate and retire their own organisation's items;
  viewers and technicians only read them.
- A lab (provider manager or technician) may register an instrument on an enterprise's behalf, and may
  look up any instrument by owner code and serial number (that exact match only).
- Transferring an item to another owner touches two organisations: the Department does it.
"""

from __future__ import annotations

from typing import TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.sql.elements import ColumnElement

from registry.auth.models import DEPARTMENT_ROLES, PROVIDER_ROLES, Role, User
from registry.core.errors import ForbiddenError, NotFoundError, ServiceError
from registry.core.validation import CODE_PATTERN
from registry.events.models import Event
from registry.extensions import db
from registry.items.models import Item, ItemKind
from registry.organisations.models import Organisation

T = TypeVar("T", bound=Item)
# Ids are 32-bit integers on PostgreSQL: anything larger names no row (and must not reach the database).
MAX_ID = 2**31 - 1
MANAGER_ROLES = frozenset({Role.ENTERPRISE_MANAGER, Role.PROVIDER_MANAGER})


def is_department(user: User | None) -> bool:
    """The Department, or ``None``: a trusted caller (command line, scheduler job) that acts for it."""
    return user is None or user.has_role(*DEPARTMENT_ROLES)


def visible_condition(user: User | None) -> ColumnElement[bool] | None:
    """The WHERE clause of the items ``user`` may see (None: all of them)."""
    if user is None or is_department(user):
        return None
    if user.has_role(*PROVIDER_ROLES):
        served = select(Event.item_id).where(Event.provider_id == user.organisation_id)
        return or_(Item.owner_id == user.organisation_id, Item.id.in_(served))
    return Item.owner_id == user.organisation_id


def visible_items(user: User | None, cls: type[T]) -> Select[T]:
    stmt = select(cls)
    condition = visible_condition(user)
    return stmt if condition is None else stmt.where(condition)


def get_visible_item(user: User | None, item_id: int, cls: type[T]) -> T:
    """The item of kind ``cls`` with ``item_id`` if ``user`` may see it; otherwise not found."""
    item = (
        db.session.scalars(visible_items(user, cls).where(cls.id == item_id)).first()
        if 0 < item_id <= MAX_ID
        else None
    )
    if item is None:
        raise NotFoundError({"id": _l("No such item.")})
    return item


def may_see(user: User | None, item: Item) -> bool:
    condition = visible_condition(user)
    return condition is None or bool(db.session.scalar(select(Item.id).where(Item.id == item.id, condition)))


def may_create(user: User | None, kind: ItemKind) -> bool:
    """Whether ``user``'s roles allow creating items of ``kind`` for some owner at all."""
    if user is None or is_department(user) or user.has_role(*MANAGER_ROLES):
        return True
    return kind == ItemKind.INSTRUMENT and user.has_role(Role.PROVIDER_TECHNICIAN)


def require_create(user: User | None, kind: ItemKind) -> None:
    if not may_create(user, kind):
        raise ForbiddenError(message=_l("You may not register items."))


def may_change(user: User | None, item: Item) -> bool:
    if user is None or is_department(user):
        return True
    return item.owner_id == user.organisation_id and user.has_role(*MANAGER_ROLES)


def require_change(user: User | None, item: Item) -> None:
    if not may_change(user, item):
        raise ForbiddenError(message=_l("You may not change this item."))


def may_transfer(user: User | None) -> bool:
    return is_department(user)


def require_transfer(user: User | None) -> None:
    if not may_transfer(user):
        raise ForbiddenError(message=_l("Only the Department may transfer an item to another owner."))


def may_look_up(user: User | None) -> bool:
    return user is None or is_department(user) or user.has_role(*PROVIDER_ROLES)


def require_look_up(user: User | None) -> None:
    if not may_look_up(user):
        raise ForbiddenError(message=_l("Only the Department and laboratories may look instruments up."))


def organisation_by_code(code: str) -> Organisation | None:
    """The organisation with ``code`` (any case), or None; a malformed code is simply not found."""
    clean = code.strip().upper()
    if not CODE_PATTERN.match(clean):
        return None
    return db.session.scalar(select(Organisation).where(Organisation.code == clean))


def resolve_owner(user: User | None, kind: ItemKind, code: str | None) -> Organisation:
    """The owner of a new item of ``kind`` registered by ``user``: the organisation with ``code``, or
    the user's own when ``code`` is empty. Field errors never tell a hidden organisation from a
    missing one."""
    require_create(user, kind)
    code = (code or "").strip()
    if user is None or is_department(user):
        if not code:
            if user is None:
                raise ServiceError({"owner": _l("This field is required.")})
            return user.organisation
        owner = organisation_by_code(code)
        if owner is None:
            raise ServiceError({"owner": _l("No organisation with code %(code)s.", code=code)})
        return owner
    own = user.organisation
    on_behalf = kind == ItemKind.INSTRUMENT and user.has_role(*PROVIDER_ROLES)
    if (not code or code.upper() == own.code) and user.has_role(*MANAGER_ROLES):
        return own
    if on_behalf:
        owner = organisation_by_code(code) if code else own
        if owner is None or not owner.is_enterprise:
            raise ServiceError(
                {"owner": _l("Give the code of the enterprise that owns the instrument.")}
                if not code
                else {"owner": _l("No enterprise with code %(code)s.", code=code)}
            )
        return owner
    raise ServiceError({"owner": _l("You may register items for your own organisation only.")})
