"""An organisation's users: the list, invitations by e-mail, roles, disabling and re-enabling.

Each takes the actor who acts and asks the policy: the Department's admin and the organisation's managers
manage its users, within the roles each may grant (``policy.grantable_roles``); the Department sees every
organisation's. Another organisation's users are not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from registry.audit import services as audit
from registry.auth import policy, tokens
from registry.auth.models import Role, TokenPurpose, User, UserRole, UserSession, UserToken
from registry.auth.policy import Actor, Permission
from registry.auth.sessions import revoke_sessions
from registry.core.errors import FieldErrors, ForbiddenError, NotFoundError, ServiceError
from registry.core.models import utcnow
from registry.core.validation import clean_text, normalise_email
from registry.extensions import db
from registry.organisations.models import Organisation, OrganisationUsers
from registry.organisations.services import get_organisation
from registry.users.labels import ROLE_LABELS
from registry.users.mail import queue_link

NOT_MANAGED = _l("You cannot change this account: it holds a role you may not grant, or it is your own.")


@dataclass(frozen=True)
class UserRow:
    user: User
    role_labels: list[str]
    last_login: datetime | None
    state: str  # active, invited, invitation_expired, disabled
    manageable: bool


def _state(user: User, open_invitation: bool) -> str:
    if not user.active:
        return "disabled"
    if user.invited:
        return "invited" if open_invitation else "invitation_expired"
    return "active"


def list_users(actor: Actor, organisation: Organisation) -> list[UserRow]:
    """The organisation's users, by name, each with its roles, last login (while the login is still
    recorded: ended sessions are forgotten after 30 days) and state."""
    policy.require(actor, OrganisationUsers(organisation), Permission.SEE_USERS, seen=True)
    users = list(
        db.session.scalars(
            select(User).where(User.organisation_id == organisation.id).order_by(User.name, User.email)
        ).unique()
    )
    return _rows(actor, users)


def row_of(actor: Actor, user: User) -> UserRow:
    """One user as its organisation's list shows it (found with :func:`get_user`)."""
    return _rows(actor, [user])[0]


def _rows(actor: Actor, users: list[User]) -> list[UserRow]:
    ids = [user.id for user in users]
    last_logins: dict[int, datetime] = {
        user_id: at
        for user_id, at in db.session.execute(
            select(UserSession.user_id, func.max(UserSession.created_at))
            .where(UserSession.user_id.in_(ids))
            .group_by(UserSession.user_id)
        )
    }
    invited = set(
        db.session.scalars(
            select(UserToken.user_id).where(
                UserToken.user_id.in_(ids),
                UserToken.purpose == TokenPurpose.INVITATION.value,
                UserToken.used_at.is_(None),
                UserToken.expires_at > utcnow(),
            )
        )
    )
    return [
        UserRow(
            user,
            [str(ROLE_LABELS[role.value]) for role in policy.roles_of(user)],
            last_logins.get(user.id),
            _state(user, user.id in invited),
            policy.manages(actor, user),
        )
        for user in users
    ]


def users_of(actor: Actor, code: str, permission: Permission = Permission.SEE_USERS) -> Organisation:
    """The organisation with ``code`` whose users ``actor`` sees — or manages, with MANAGE_USERS (another
    organisation is not found; one whose users the actor may not see or manage is forbidden)."""
    organisation = get_organisation(actor, code)
    policy.require(actor, OrganisationUsers(organisation), permission, seen=True)
    return organisation


def get_user(actor: Actor, organisation: Organisation, user_id: int, *, manage: bool = False) -> User:
    """One of the organisation's users; another organisation's (or none) is not found. ``manage``: one
    the actor may change, or forbidden."""
    policy.require(actor, OrganisationUsers(organisation), Permission.SEE_USERS, seen=True)
    user = db.session.get(User, user_id)
    if user is None or user.organisation_id != organisation.id:
        raise NotFoundError({"id": _l("No such resource, or you cannot see it.")})
    if manage:
        _require_manages(actor, user)
    return user


def parse_roles(actor: Actor, organisation: Organisation, values: object, errors: FieldErrors) -> set[Role]:
    """The roles chosen, each one the actor may grant in the organisation."""
    chosen = values if isinstance(values, list | tuple | set) else [values] if values else []
    grantable = policy.grantable_roles(actor, organisation)
    roles: set[Role] = set()
    for value in chosen:
        role = next((role for role in Role if role.value == value), None)
        if role is None or role not in grantable:
            label = ROLE_LABELS.get(str(value), str(value))
            errors.add("role", _l("You may not grant this role: %(role)s.", role=label))
            return set()
        roles.add(role)
    if not roles:
        errors.add("role", _l("Give the account at least one role."))
    return roles


def role_choices(actor: Actor, organisation: Organisation) -> list[tuple[str, str]]:
    """The roles the actor may grant in the organisation, as (value, label) for a form."""
    grantable = policy.grantable_roles(actor, organisation)
    return [(role.value, str(ROLE_LABELS[role.value])) for role in Role if role in grantable]


def _require_manager(actor: Actor, organisation: Organisation) -> None:
    policy.require(actor, OrganisationUsers(organisation), Permission.MANAGE_USERS, seen=True)


def _require_manages(actor: Actor, user: User) -> None:
    _require_manager(actor, user.organisation)
    if not policy.manages(actor, user):
        raise ForbiddenError(message=NOT_MANAGED)


def _role_words(roles: set[Role]) -> LazyString:
    """The roles' names, read in the language the reason is written in (the Department's)."""
    return LazyString(lambda: ", ".join(str(ROLE_LABELS[role.value]) for role in sorted(roles)))


def _sender(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def invite_user(
    actor: Actor, organisation: Organisation, *, email: object, name: object, roles: object
) -> User:
    """A new account of the organisation, with no password yet, and the e-mail inviting it to choose one
    (a single-use link, open INVITATION_HOURS)."""
    _require_manager(actor, organisation)
    errors = FieldErrors()
    address = errors.run(normalise_email, email if isinstance(email, str) else "")
    full_name = errors.run(clean_text, name, field="name", max_length=200, required=False)
    chosen = parse_roles(actor, organisation, roles, errors)
    if address and db.session.scalar(select(User.id).where(User.email == address)) is not None:
        errors.add("email", _l("An account with this e-mail address already exists."))
    errors.raise_if_any()
    with audit.reason(_l("invited by e-mail as %(roles)s", roles=_role_words(chosen))):
        user = User(
            email=address,
            name=full_name,
            organisation=organisation,
            password_hash="",
            role_rows=[UserRole(role=role.value) for role in sorted(chosen)],
        )
        db.session.add(user)
    token = tokens.issue(user, TokenPurpose.INVITATION, why=_l("invitation link sent"))
    queue_link(user, TokenPurpose.INVITATION, token, sender=_sender(actor))
    return user


def resend_invitation(actor: Actor, user: User) -> None:
    """A new invitation link for an account that has not set its password yet; the older link stops
    working."""
    _require_manages(actor, user)
    if not user.invited or not user.active:
        raise ServiceError({"_": _l("This account has already set its password: it needs no invitation.")})
    token = tokens.issue(user, TokenPurpose.INVITATION, why=_l("invitation link sent again"))
    queue_link(user, TokenPurpose.INVITATION, token, sender=_sender(actor))


def set_roles(actor: Actor, user: User, roles: object) -> User:
    """Replace the user's roles with ``roles``, each one the actor may grant."""
    _require_manages(actor, user)
    errors = FieldErrors()
    chosen = parse_roles(actor, user.organisation, roles, errors)
    errors.raise_if_any()
    current = {row.role: row for row in user.role_rows}
    if set(current) == {role.value for role in chosen}:
        return user
    with audit.reason(_l("roles changed to %(roles)s", roles=_role_words(chosen))):
        for value, row in current.items():
            if value not in {role.value for role in chosen}:
                user.role_rows.remove(row)
        for role in sorted(chosen):
            if role.value not in current:
                user.role_rows.append(UserRole(role=role.value))
    return user


def disable_user(actor: Actor, user: User) -> None:
    """The account can no longer log in, use its API tokens or open its links; its sessions end now."""
    _require_manages(actor, user)
    if not user.active:
        raise ServiceError({"_": _l("This account is already disabled.")})
    with audit.reason(_l("account disabled")):
        user.active = False
    revoke_sessions(user)


def enable_user(actor: Actor, user: User) -> None:
    """The account logs in again with its password (an invited one still needs its invitation)."""
    _require_manages(actor, user)
    if user.active:
        raise ServiceError({"_": _l("This account is not disabled.")})
    with audit.reason(_l("account re-enabled")):
        user.active = True
