"""Who may do what (DESIGN §3): the one place that answers "may this actor …".

An *actor* is a logged-in :class:`~registry.auth.models.User` or a :class:`SystemActor` (the command line,
a scheduler job, the demo loader), never ``None``. The policy gives each actor its *principals* — who it
is: the Department, the Department's admin, a member, a manager or the lab staff of one organisation — and
each model declares, in its own terms, what those principals may do (the Warehouse way):

- ``__acl__(self)``: for one row, the permissions each principal holds on it;
- ``__class_acl__(cls)``: for a whole model, the permissions that need no row (create one, look one up);
- ``__visible__(cls, principals)``: the SQL condition of the rows the principals may see (``None``: all),
  which a domain higher up may widen with :func:`also_visible` (a lab sees the items it has served).

:func:`permits`, :func:`require` and :func:`visible` combine the two; services ask them, views and API
handlers only require a login. Another organisation's row answers "not found", never "forbidden".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select
from sqlalchemy.sql.elements import ColumnElement

from registry.auth.models import DEPARTMENT_ROLES, ENTERPRISE_ROLES, PROVIDER_ROLES, Role, User
from registry.auth.principals import (
    DEPARTMENT,
    DEPARTMENT_ADMIN,
    ENTERPRISE_MANAGER,
    ENTERPRISE_STAFF,
    LAB_MANAGER,
    LAB_STAFF,
    MANAGER,
    SYSTEM,
    Permission,
    account,
    in_house,
    lab_manager,
    lab_staff,
    manager,
    member,
)
from registry.core.errors import ForbiddenError, NotFoundError
from registry.extensions import db

if TYPE_CHECKING:
    from registry.organisations.models import Organisation


@dataclass(frozen=True)
class SystemActor:
    """The command line, a scheduler job or the demo loader: a trusted caller that acts for the
    Department. ``label`` names it in the audit trail (``cli``, ``job:reminders``)."""

    label: str

    def __str__(self) -> str:
        return self.label


Actor: TypeAlias = User | SystemActor


@dataclass(frozen=True)
class Principals:
    """Who an actor is, for the models' ACLs and visibility conditions."""

    names: frozenset[str]
    organisation_id: int | None

    def __contains__(self, name: object) -> bool:
        return name in self.names

    @property
    def department(self) -> bool:
        return DEPARTMENT in self.names


def principals(actor: Actor) -> Principals:
    if isinstance(actor, SystemActor):
        return Principals(frozenset({SYSTEM, DEPARTMENT, DEPARTMENT_ADMIN}), None)
    roles = actor.roles
    org = actor.organisation_id
    names = {account(actor.id), member(org)}
    if roles & DEPARTMENT_ROLES:
        names.add(DEPARTMENT)
    if Role.DEPARTMENT_ADMIN in roles:
        names.add(DEPARTMENT_ADMIN)
    if roles & {Role.ENTERPRISE_MANAGER, Role.PROVIDER_MANAGER}:
        names |= {MANAGER, manager(org)}
    if Role.PROVIDER_MANAGER in roles:
        names |= {LAB_MANAGER, lab_manager(org)}
    if roles & PROVIDER_ROLES:
        names |= {LAB_STAFF, lab_staff(org), in_house(org)}
    if roles & ENTERPRISE_ROLES:
        names.add(ENTERPRISE_STAFF)
    if Role.ENTERPRISE_MANAGER in roles:
        names |= {ENTERPRISE_MANAGER, in_house(org)}
    return Principals(frozenset(names), org)


def permits(actor: Actor, context: Any, permission: Permission) -> bool:
    """Whether ``actor`` holds ``permission`` on ``context``: a row, or a model class for what needs no
    row. Seeing a row (VIEW) is the model's visibility condition; everything else its ACL."""
    if permission is Permission.VIEW and not isinstance(context, type):
        return can_see(actor, context)
    who = principals(actor)
    acl = context.__class_acl__() if isinstance(context, type) else context.__acl__()  # type: ignore[attr-defined]
    return any(name in who and permission in granted for name, granted in acl)


REFUSED = _l("You do not have permission to do this.")


def require(
    actor: Actor, context: Any, permission: Permission, message: object = None, *, seen: bool = False
) -> None:
    """Refuse (403, with ``message``) unless ``actor`` holds ``permission`` on ``context``; a row the
    actor may not see is not found (404) first, whatever the permission. ``seen``: the caller found the
    row through :func:`visible` already."""
    if seen and permission is Permission.VIEW:
        return
    if not (seen or isinstance(context, type) or permission is Permission.VIEW or can_see(actor, context)):
        raise NotFoundError({"id": _l("No such resource, or you cannot see it.")})
    if not permits(actor, context, permission):
        if permission is Permission.VIEW:
            raise NotFoundError({"id": _l("No such resource, or you cannot see it.")})
        raise ForbiddenError(message=message or REFUSED)


Widening = Callable[[Principals], ColumnElement[bool] | None]
_WIDENINGS: dict[type, list[Widening]] = {}


def also_visible(model: type) -> Callable[[Widening], Widening]:
    """Register a further condition under which rows of ``model`` (and its subclasses) are visible: a
    domain above the model's adds what only it knows (events: a lab sees the items it has served). It
    holds once the registering module is imported: ``create_app`` imports every model (registry.models)."""

    def register(widening: Widening) -> Widening:
        _WIDENINGS.setdefault(model, []).append(widening)
        return widening

    return register


def visible(actor: Actor, model: Any) -> ColumnElement[bool] | None:
    """The WHERE condition of the rows of ``model`` that ``actor`` may see; ``None`` when it sees all."""
    who = principals(actor)
    own = model.__visible__(who) if hasattr(model, "__visible__") else None
    if own is None:
        return None
    widenings = [widen(who) for cls in model.__mro__ for widen in _WIDENINGS.get(cls, ())]
    return or_(own, *(condition for condition in widenings if condition is not None))


def can_see(actor: Actor, row: Any) -> bool:
    condition = visible(actor, type(row))
    if condition is None:
        return True
    model = type(row)
    return bool(db.session.scalar(select(exists().where(model.id == row.id, condition))))


def is_department(actor: Actor) -> bool:
    """The Department's admin or officers, or the system acting for it: sees everything."""
    return principals(actor).department


def acts_for_anyone(actor: Actor) -> bool:
    """The Department's admin (or the system): records and changes on any organisation's behalf."""
    return DEPARTMENT_ADMIN in principals(actor)


def acts_on_behalf(actor: Actor, organisation_id: int) -> bool:
    """The Department's admin acting for an organisation it does not belong to: it says why. (The
    system's commands and jobs are named in the audit trail instead.)"""
    return isinstance(actor, User) and acts_for_anyone(actor) and not belongs_to(actor, organisation_id)


def must_use_two_factor(actor: Actor) -> bool:
    """Whether ``actor`` logs in with a code from an authenticator app as well as its password: the
    Department's and the labs' people, when the TWO_FACTOR_REQUIRED setting says so (enterprises may)."""
    return (
        isinstance(actor, User)
        and current_app.config["TWO_FACTOR_REQUIRED"]
        and actor.has_role(*DEPARTMENT_ROLES, *PROVIDER_ROLES)
    )


def is_lab_staff(actor: Actor) -> bool:
    return LAB_STAFF in principals(actor)


def is_enterprise_staff(actor: Actor) -> bool:
    return ENTERPRISE_STAFF in principals(actor)


def own_organisation(actor: Actor) -> Organisation | None:
    """The actor's organisation; the system belongs to none."""
    return actor.organisation if isinstance(actor, User) else None


def belongs_to(actor: Actor, organisation_id: int | None) -> bool:
    """Whether ``actor`` is a member of the organisation (the system belongs to none)."""
    return organisation_id is not None and member(organisation_id) in principals(actor)


def grantable_roles(actor: Actor, organisation: Organisation) -> frozenset[Role]:
    """The roles ``actor`` may give the users of ``organisation``: those its kinds allow (the Department's
    roles in the Department only); the Department's admin any of them, a manager those of its own
    organisation's kind — a lab's manager the lab's roles, an enterprise's manager the enterprise's —
    never an admin's or the Department's."""
    fitting: set[Role] = set()
    if organisation.is_department:
        fitting |= DEPARTMENT_ROLES
    if organisation.is_provider:
        fitting |= PROVIDER_ROLES
    if organisation.is_enterprise:
        fitting |= ENTERPRISE_ROLES
    if acts_for_anyone(actor):
        return frozenset(fitting)
    if not isinstance(actor, User) or actor.organisation_id != organisation.id:
        return frozenset()
    own: set[Role] = set()
    if Role.PROVIDER_MANAGER in actor.roles:
        own |= PROVIDER_ROLES
    if Role.ENTERPRISE_MANAGER in actor.roles:
        own |= ENTERPRISE_ROLES
    return frozenset(fitting & own)


def manages(actor: Actor, user: User) -> bool:
    """Whether ``actor`` may change ``user``'s roles, disable it or invite it again: every role the user
    holds is one the actor may grant (so a manager never touches the Department's people, nor a lab's
    manager the enterprise side of an organisation that is both), and never the actor itself."""
    if isinstance(actor, User) and actor.id == user.id:
        return False
    grantable = grantable_roles(actor, user.organisation)
    return bool(grantable) and user.roles <= grantable


def roles_of(user: User) -> list[Role]:
    """The user's roles, in the order of :class:`Role` (for showing them)."""
    return [role for role in Role if role in user.roles]


def is_contact(user: User) -> bool:
    """A user others reach the organisation through: an active manager (the Department's admin for the
    Department)."""
    return user.active and user.has_role(
        Role.ENTERPRISE_MANAGER, Role.PROVIDER_MANAGER, Role.DEPARTMENT_ADMIN
    )
