"""Permission rows of notifications (see tests/test_permissions.py).

- The inbox, marking all read and the API list: everyone logged in, each its own organisation's.
- Marking one read (page and API): anyone of the notification's organisation; another organisation's
  notification is not found (404), the Department's people included: an inbox is its organisation's.
- Reminder settings: the organisation's managers and the Department; e-mail recipients: the same, for
  the users of their organisation (the Department for anyone's).
- The daily digest and the outbox's delivery state: the Department only.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from registry.auth.models import Role
from registry.notifications.models import Notification
from registry.organisations.models import Organisation
from tests.factories import InstrumentFactory, user_with_role
from tests.matrix.base import (
    DEPARTMENT_SEES,
    EVERYONE,
    LOGIN,
    MANAGERS,
    NONE,
    OTHER,
    OWN,
    TOKEN_HOLDERS,
    Redirect,
    Row,
    managers_save,
)

API_LIST = "notifications_api.Notifications"
API_READ = "notifications_api.NotificationRead"
OPENED = Redirect("/instruments/", prefix=True)
READ_ALL = Redirect("/notifications/")
OWN_SETTINGS = Redirect("/notifications/settings")
OTHER_SETTINGS = Redirect("/notifications/settings?org=", prefix=True)

# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    # (endpoint, method, target): anonymous, d_admin, d_officer, p_manager, p_technician, e_manager, e_viewer
    ("notifications.index", "GET", NONE):         EVERYONE,
    ("notifications.read_all", "POST", NONE):     (LOGIN, *[READ_ALL] * 6),
    ("notifications.read", "POST", OWN):          (LOGIN, *[OPENED] * 6),
    ("notifications.read", "POST", OTHER):        (LOGIN, 404, 404, 404, 404, 404, 404),
    ("notifications.settings", "GET", NONE):      MANAGERS,
    ("notifications.settings", "POST", NONE):     managers_save(OWN_SETTINGS),
    ("notifications.recipient", "POST", OWN):     managers_save(OWN_SETTINGS),
    ("notifications.recipient", "POST", OTHER):   (LOGIN, OTHER_SETTINGS, OTHER_SETTINGS, 404, 404, 404, 404),
    ("notifications.digest", "GET", OWN):         DEPARTMENT_SEES,
    ("notifications.digest", "GET", OTHER):       DEPARTMENT_SEES,
    ("notifications.outbox", "GET", NONE):        DEPARTMENT_SEES,
    (API_LIST, "GET", NONE):                      TOKEN_HOLDERS,
    (API_READ, "POST", OWN):                      (401, 200, 200, 200, 200, 200, 200),
    (API_READ, "POST", OTHER):                    (401, 404, 404, 404, 404, 404, 404),
}
# fmt: on

FORM_BODIES: dict[tuple[str, str], dict[str, str]] = {
    ("notifications.read", "POST"): {},
    ("notifications.read_all", "POST"): {},
    ("notifications.settings", "POST"): {"stages": "45, 10, 1"},
    ("notifications.recipient", "POST"): {"receives": "1"},
}


def _notification(organisation: Organisation) -> dict[str, Any]:
    """A reminder to ``organisation`` about one of its instruments, overdue since 2026-03-01."""
    item = InstrumentFactory(owner=organisation, valid_until=date(2026, 3, 1), last_result="pass")
    notification = Notification(
        organisation_id=organisation.id,
        kind="reminder",
        subject_type="item",
        subject_id=item.id,
        valid_until=date(2026, 3, 1),
        stage=-1,
        created_on=date(2026, 3, 2),
        batch="matrix",
    )
    from registry.extensions import db

    db.session.add(notification)
    db.session.flush()
    return {"notification_id": notification.id}


def _colleague(organisation: Organisation) -> dict[str, Any]:
    return {"user_id": user_with_role(Role.ENTERPRISE_VIEWER, organisation).id}


URL_VALUES = {
    "notifications.read": _notification,
    API_READ: _notification,
    "notifications.recipient": _colleague,
    "notifications.digest": lambda organisation: {"day": "2026-03-01"},
}
