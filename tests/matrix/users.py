"""Permission rows of an organisation's users and of the links sent by e-mail (see
tests/test_permissions.py).

- The users page and one user's page: the Department (admin and officers) for any organisation, the
  organisation's own managers; technicians and viewers are refused, another organisation is not found.
- Inviting, changing roles, disabling, re-enabling and inviting again: the Department's admin and the
  organisation's managers (the officers see but do not manage).
- The pages a link opens (an invitation, a password reset) and the forgotten-password form: anyone not
  logged in; someone logged in is sent home.

The URL builders make a user of the target organisation holding a role that fits it (so that its managers
may manage it): disabled for re-enabling, invited (no password yet) for inviting again and accepting.
"""

from __future__ import annotations

from typing import Any

from registry.auth import tokens
from registry.auth.models import Role, TokenPurpose, User
from registry.organisations.models import Organisation
from tests.factories import user_with_role
from tests.matrix.base import LOGIN, NONE, OTHER, OWN, Body, Redirect, Row, UrlValues

HOME = Redirect("/")
TO_LOGIN = Redirect("/login")
LISTED = Redirect("/organisations/{code}/users/")
SHOWN = Redirect("/organisations/{code}/users/{user_id}")
NEW_PASSWORD = "một mật khẩu mới thật dài"


def _fitting_role(organisation: Organisation) -> Role:
    if organisation.is_department:
        return Role.DEPARTMENT_OFFICER
    if organisation.is_provider:
        return Role.PROVIDER_TECHNICIAN
    return Role.ENTERPRISE_VIEWER


def _member(**kwargs: Any) -> UrlValues:
    def build(organisation: Organisation) -> dict[str, Any]:
        user = user_with_role(_fitting_role(organisation), organisation, **kwargs)
        return {"code": organisation.code, "user_id": user.id}

    return build


def _link(purpose: TokenPurpose) -> UrlValues:
    def build(organisation: Organisation) -> dict[str, Any]:
        invited = purpose is TokenPurpose.INVITATION
        user: User = user_with_role(
            _fitting_role(organisation), organisation, **({"password_hash": ""} if invited else {})
        )
        return {"token": tokens.issue(user, purpose, why="test set-up: a link sent by e-mail")}

    return build


def _invitation(user: User, organisation: Organisation | None) -> dict[str, Any]:
    assert organisation is not None
    return {
        "email": "invited@example.vn",
        "name": "Người được mời",
        "role": [_fitting_role(organisation).value],
    }


def _roles(user: User, organisation: Organisation | None) -> dict[str, Any]:
    assert organisation is not None
    return {"role": [_fitting_role(organisation).value]}


SEE_OWN: Row = (LOGIN, 200, 200, 200, 403, 200, 403)
SEE_OTHER: Row = (LOGIN, 200, 200, 404, 404, 404, 404)


def _manage(done: Redirect, target: str) -> Row:
    if target == OWN:
        return (LOGIN, done, 403, done, 403, done, 403)
    return (LOGIN, done, 403, 404, 404, 404, 404)


ROWS: dict[tuple[str, str, str], Row] = {
    ("users.forgot", "GET", NONE): (200, *[HOME] * 6),
    ("users.forgot", "POST", NONE): (TO_LOGIN, *[HOME] * 6),
}
for target in (OWN, OTHER):
    ROWS |= {
        ("users.index", "GET", target): SEE_OWN if target == OWN else SEE_OTHER,
        ("users.user", "GET", target): SEE_OWN if target == OWN else SEE_OTHER,
        ("users.invite", "POST", target): _manage(LISTED, target),
        ("users.change_roles", "POST", target): _manage(SHOWN, target),
        ("users.disable", "POST", target): _manage(SHOWN, target),
        ("users.enable", "POST", target): _manage(SHOWN, target),
        ("users.invite_again", "POST", target): _manage(SHOWN, target),
        # A link works for whoever holds it, whichever organisation its account belongs to.
        ("users.accept", "GET", target): (200, *[HOME] * 6),
        ("users.accept", "POST", target): (HOME, *[HOME] * 6),
        ("users.reset", "GET", target): (200, *[HOME] * 6),
        ("users.reset", "POST", target): (TO_LOGIN, *[HOME] * 6),
    }

FORM_BODIES: dict[tuple[str, str], Body] = {
    ("users.forgot", "POST"): {"email": "{email}"},
    ("users.invite", "POST"): _invitation,
    ("users.change_roles", "POST"): _roles,
    ("users.disable", "POST"): {},
    ("users.enable", "POST"): {},
    ("users.invite_again", "POST"): {},
    ("users.accept", "POST"): {"password": NEW_PASSWORD},
    ("users.reset", "POST"): {"password": NEW_PASSWORD},
}
URL_VALUES: dict[str, UrlValues] = {
    "users.user": _member(),
    "users.change_roles": _member(),
    "users.disable": _member(),
    "users.enable": _member(active=False),
    "users.invite_again": _member(password_hash=""),
    "users.accept": _link(TokenPurpose.INVITATION),
    "users.reset": _link(TokenPurpose.PASSWORD_RESET),
}
