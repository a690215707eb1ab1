"""The vocabulary of the permission matrix: who acts, on which organisation's row, what answer is
expected, the rows that several domains share, and the request bodies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from registry.auth.models import Role, User
from registry.organisations.models import Organisation

ANONYMOUS = "anonymous"
ACTORS = (ANONYMOUS, *(role.value for role in Role))
assert ACTORS == (
    "anonymous",
    "department_admin",
    "department_officer",
    "provider_manager",
    "provider_technician",
    "enterprise_manager",
    "enterprise_viewer",
), "the columns of EXPECTED follow this order"

# Which organisation fills the route's ``<code>``: none, the actor's own, or another one (of the
# same kind as the actor's, so that one lab cannot see another lab, nor one enterprise another).
NONE, OWN, OTHER = "-", "own", "other"


@dataclass(frozen=True)
class Redirect:
    """A 302 to ``to`` (``{code}`` is the target organisation's code); ``prefix``: Location starts so."""

    to: str
    prefix: bool = False


Expected = int | Redirect
Row = tuple[Expected, ...]

LOGIN = Redirect("/login?next=", prefix=True)  # not logged in: off to the login page, and back after

# Rows that several domains share, one answer per actor in the order of ACTORS.
EVERYONE: Row = (LOGIN, 200, 200, 200, 200, 200, 200)
TOKEN_HOLDERS: Row = (401, 200, 200, 200, 200, 200, 200)
DEPARTMENT_SEES: Row = (LOGIN, 200, 200, 404, 404, 404, 404)
MANAGERS: Row = (LOGIN, 200, 200, 200, 403, 200, 403)


def managers_save(saved: Redirect) -> Row:
    return (LOGIN, saved, saved, saved, 403, saved, 403)


def department_saves(saved: Redirect) -> Row:
    return (LOGIN, saved, saved, 404, 404, 404, 404)


# A request body is either fixed values, where "{email}" stands for the actor's email and "{kinds}" and
# "{version}" for the target organisation's, or a builder: a function of the actor and the target (None
# for a route without one) that makes the rows its body names, for a body that fits the actor's role.
BodyBuilder = Callable[[User, Organisation | None], dict[str, Any]]
Body = dict[str, Any] | BodyBuilder

# URL arguments built from the target organisation, creating the row the route needs (an instrument owned
# by that organisation, say).
UrlValues = Callable[[Organisation], dict[str, Any]]


def fill(body: Body, user: User, organisation: Organisation | None) -> dict[str, Any]:
    """The body that ``user`` sends to a route of ``organisation``."""
    if callable(body):
        return body(user, organisation)
    values: dict[str, Any] = {"{email}": user.email}
    if organisation is not None:
        values |= {"{kinds}": organisation.kinds, "{version}": organisation.version}
    return {key: values.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
