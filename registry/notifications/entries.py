"""What a notification says: its subject's name, status, end date and link — for the notifications page,
the API and the e-mails alike. Subjects are loaded in one query per kind, never one per notification."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry.events.models import Event, EventState
from registry.extensions import db
from registry.i18n import format_day
from registry.items.labels import type_name
from registry.items.models import Instrument, Item
from registry.items.status import describe_many
from registry.items.urls import item_url
from registry.notifications.models import Notification, NotificationKind, Subject
from registry.organisations.models import Accreditation, Designation, Verifier

KIND_LABELS = {
    NotificationKind.REMINDER: _l("Reminder"),
    NotificationKind.EXPIRY: _l("Expiry"),
    NotificationKind.DIGEST: _l("Daily digest"),
    NotificationKind.SUSPECT: _l("Suspect result"),
}
CREDENTIALS: dict[Subject, Any] = {
    Subject.ACCREDITATION: Accreditation,
    Subject.DESIGNATION: Designation,
    Subject.VERIFIER: Verifier,
}


@dataclass(frozen=True)
class Entry:
    notification: Notification
    title: str
    status: str
    valid_until: date | None
    stage_text: str
    url: str


def stage_text(notification: Notification) -> str:
    """Reads the notification's kind, stage and valid_until only (:func:`entries` words each once)."""
    if notification.kind == NotificationKind.DIGEST:
        return _(
            "Overdue and never-verified Group 2 instruments on %(date)s",
            date=format_day(notification.valid_until),
        )
    if notification.stage > 0:
        return _(
            "Due in %(days)d days, on %(date)s",
            days=notification.stage,
            date=format_day(notification.valid_until),
        )
    if notification.stage == 0:
        return _("Ends today, %(date)s", date=format_day(notification.valid_until))
    return _(
        "Overdue since %(date)s (%(days)d days)",
        date=format_day(notification.valid_until),
        days=-notification.stage,
    )


def _item_title(item: Item) -> str:
    if isinstance(item, Instrument):
        return f"{type_name(item.instrument_type)} · {item.serial_number}"
    return item.name or item.serial_number


def _current_revisions(roots: set[int]) -> dict[int, Event]:
    """The current revision of each event named by its first revision."""
    root = func.coalesce(Event.original_id, Event.id)
    stmt = select(root, Event).where(root.in_(roots), Event.state == EventState.CURRENT.value)
    return {first: event for first, event in db.session.execute(stmt)}


def _suspect_text(notification: Notification, event: Event, cause: Event | None) -> str:
    """Why the owner's result is in doubt: the standard's bad result, or a standard used while overdue
    (a suspicion whose cause is the event itself)."""
    if notification.stage == notification.subject_id:
        return _("Made with a standard that was overdue on %(date)s", date=format_day(event.performed_on))
    if cause is None:  # the bad result was voided since
        return _("A standard used for this result was found out of tolerance or failed")
    standard = _item_title(cause.item)
    if cause.result == "fail":
        return _(
            "The standard %(standard)s failed on %(date)s",
            standard=standard,
            date=format_day(cause.performed_on),
        )
    return _(
        "The standard %(standard)s was found out of tolerance on %(date)s",
        standard=standard,
        date=format_day(cause.performed_on),
    )


def _suspect_entry(notification: Notification, events: dict[int, Event], today: date) -> Entry | None:
    event = events.get(notification.subject_id)
    if event is None:
        return None
    number = event.certificate_number or event.stamp_number
    title = _item_title(event.item) + (f" · {number}" if number else "")
    return Entry(
        notification,
        title,
        _("Result in doubt since %(date)s", date=format_day(notification.valid_until)),
        event.valid_until,
        _suspect_text(notification, event, events.get(notification.stage)),
        url_for("events.detail", event_id=event.id),
    )


def _credential_title(subject: Subject, credential: Any) -> str:
    if subject == Subject.ACCREDITATION:
        return _("Accreditation %(number)s", number=credential.number)
    if subject == Subject.DESIGNATION:
        return _("Designation %(number)s", number=credential.decision_number)
    return _("Verifier card %(number)s (%(name)s)", number=credential.card_number, name=credential.name)


def _credential_url(subject: Subject, credential: Any) -> str:
    return url_for(
        f"credentials.{subject.value}", code=credential.organisation.code, credential_id=credential.id
    )


# Below both databases' limits on the parameters of one statement (SQLite 32,766, PostgreSQL 65,535).
IDS_PER_QUERY = 10_000


def _load(model: Any, ids: set[int]) -> list[Any]:
    """The rows of ``model`` with these ids, a bounded number of ids per query (a run may announce
    hundreds of thousands)."""
    ordered = sorted(ids)
    rows: list[Any] = []
    for start in range(0, len(ordered), IDS_PER_QUERY):
        chunk = ordered[start : start + IDS_PER_QUERY]
        rows.extend(db.session.scalars(select(model).where(model.id.in_(chunk))))
    return rows


def entries(notifications: Sequence[Notification], today: date, *, external: bool = False) -> list[Entry]:
    """Each notification with its subject described (``external``: absolute links, for e-mail)."""
    ids: dict[str, set[int]] = {}
    for notification in notifications:
        ids.setdefault(notification.subject_type, set()).add(notification.subject_id)
    items = {item.id: item for item in _load(Item, ids.get(Subject.ITEM.value, set()))}
    credentials: dict[tuple[str, int], Any] = {}
    for subject, model in CREDENTIALS.items():
        for row in _load(model, ids.get(subject.value, set())):
            credentials[subject.value, row.id] = row
    statuses = describe_many(items.values(), today)
    stages: dict[tuple[str, int, date], str] = {}
    suspect = [n for n in notifications if n.subject_type == Subject.EVENT]
    events = (
        _current_revisions({n.subject_id for n in suspect} | {n.stage for n in suspect}) if suspect else {}
    )
    result = []
    for notification in notifications:
        title, status, url = "", "", ""
        if notification.subject_type == Subject.EVENT:
            entry = _suspect_entry(notification, events, today)
            if entry is not None:
                result.append(replace(entry, url=external_url(entry.url)) if external else entry)
                continue
        if notification.subject_type == Subject.ITEM and notification.subject_id in items:
            item = items[notification.subject_id]
            title, status = _item_title(item), statuses[item.id].text
            url = item_url(item)
        elif (notification.subject_type, notification.subject_id) in credentials:
            credential = credentials[notification.subject_type, notification.subject_id]
            subject = Subject(notification.subject_type)
            title, url = _credential_title(subject, credential), _credential_url(subject, credential)
            status = _("Valid until %(date)s", date=format_day(credential.valid_to))
        elif notification.subject_type == Subject.DIGEST:
            title = _("Overdue Group 2 instruments")
            url = url_for("notifications.digest", day=notification.valid_until.isoformat())
        if external and url:
            url = external_url(url)
        stage_key = (notification.kind, notification.stage, notification.valid_until)
        if stage_key not in stages:
            stages[stage_key] = stage_text(notification)
        result.append(Entry(notification, title, status, notification.valid_until, stages[stage_key], url))
    return result


def external_url(path: str) -> str:
    from flask import current_app

    return str(current_app.config["PUBLIC_URL"]).rstrip("/") + path
