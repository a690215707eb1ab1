"""Writes the audit trail from the ORM flush, so no service can forget it, and replays it."""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, g, has_request_context
from flask_babel import force_locale
from sqlalchemy import and_, event, insert, inspect, or_, select
from sqlalchemy.orm import Session, UOWTransaction

from registry.audit.models import AuditEvent
from registry.core.models import Audited, Versioned, utcnow
from registry.extensions import db


@dataclass(frozen=True)
class Author:
    """Who the audit trail names for a change: a user, or a system label (``cli``, ``job:reminders``)."""

    user_id: int | None
    label: str


_author: contextvars.ContextVar[Author | None] = contextvars.ContextVar("audit_author", default=None)
REASONS_KEY = "audit_reasons"


class MissingReasonError(RuntimeError):
    """A change that must say why was flushed outside an :func:`reason` scope: a programming error."""


@contextmanager
def acting_as(author: Author) -> Iterator[None]:
    """Attribute the changes made inside the block to ``author`` (CLI commands, scheduler jobs)."""
    token = _author.set(author)
    try:
        yield
    finally:
        _author.reset(token)


_REQUEST_AUTHOR_RESET = "_audit_author_reset"


def set_author(author: Author | None) -> None:
    """Attribute the rest of this request's changes to ``author``, until :func:`forget_request_author`."""
    token = _author.set(author)
    if has_request_context() and _REQUEST_AUTHOR_RESET not in g:
        setattr(g, _REQUEST_AUTHOR_RESET, token)


def forget_request_author() -> None:
    """The request is over: its author no longer names anything written afterwards in the same thread
    (a worker's next request, or a test's next step when the test client ran the request in-thread)."""
    token = g.pop(_REQUEST_AUTHOR_RESET, None)
    if token is None:
        return
    try:
        _author.reset(token)
    except ValueError:  # torn down in another context than it was set in
        _author.set(None)


@contextmanager
def reason(text: object) -> Iterator[str]:
    """Audit every change flushed inside the block with ``text``, and only those: the block's changes are
    flushed before it ends. A lazily translated text is written in the default language, so that the
    record reads the same whoever made it."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        written = str(text).strip()
    if not written:
        raise ValueError("an audit reason cannot be empty")
    session = db.session()
    # What was changed before the block belongs to the scope around it (or to none, and then fails).
    session.flush()
    reasons: list[str] = session.info.setdefault(REASONS_KEY, [])
    reasons.append(written)
    try:
        yield written
        session.flush()
    finally:
        reasons.pop()


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _columns(obj: Audited) -> list[str]:
    mapper = inspect(obj).mapper
    excluded = type(obj).__audit_exclude__
    return [attr.key for attr in mapper.column_attrs if attr.key not in excluded]


def _snapshot(obj: Audited) -> dict[str, Any]:
    return {key: _jsonable(getattr(obj, key)) for key in _columns(obj)}


def _changes(obj: Audited) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key in _columns(obj):
        history = state.attrs[key].history
        if history.added or history.deleted:
            old[key] = _jsonable(history.deleted[0]) if history.deleted else None
            new[key] = _jsonable(getattr(obj, key))
    if new and isinstance(obj, Versioned):
        # The mapper bumps the version inside the flush without attribute history: record it too.
        old["version"], new["version"] = obj.version - 1, obj.version
    return old, new


def _row_id(obj: Audited) -> str:
    return ":".join(str(part) for part in inspect(obj).mapper.primary_key_from_instance(obj))


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, flush_context: UOWTransaction) -> None:
    author = _author.get() or Author(None, "system")
    reasons = session.info.get(REASONS_KEY)
    why = reasons[-1] if reasons else None
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(obj: Audited, action: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        rows.append(
            {
                "occurred_at": now,
                "actor_id": author.user_id,
                "actor_label": author.label,
                "table_name": inspect(obj).mapper.persist_selectable.name,
                "row_id": _row_id(obj),
                "action": action,
                "old_values": old,
                "new_values": new,
                "reason": why,
            }
        )
        if action != "create" and why is None:
            raise MissingReasonError(
                f"{action} of {rows[-1]['table_name']} {rows[-1]['row_id']} without a reason"
            )

    for obj in session.new:
        if isinstance(obj, Audited):
            add(obj, "create", None, _snapshot(obj))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            old, new = _changes(obj)
            if new:
                add(obj, "update", old, new)
    # From the unit of work, not session.deleted: a row deleted as an orphan (taken out of a
    # "delete-orphan" relationship) is deleted by the flush without ever being in session.deleted.
    for state, (is_delete, list_only) in flush_context.states.items():
        obj = state.obj()
        if is_delete and not list_only and isinstance(obj, Audited):
            add(obj, "delete", _snapshot(obj), None)
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


BATCH_CREATE = "create_batch"


def record_created(model: type[Audited], rows: Mapping[int, Mapping[str, Any]]) -> None:
    """One audit event for many rows of ``model`` inserted together without the ORM (a file import's
    batch), id → its values: each row's every audited column, as its own "create" event would hold
    them, so that :func:`history` and :func:`versions` replay every row as if it had one. Written by
    the author and under the reason in force, like the events of the flush."""
    if not rows:
        return
    session = db.session()
    reasons = session.info.get(REASONS_KEY)
    author = _author.get() or Author(None, "system")
    columns = [attr.key for attr in inspect(model).column_attrs if attr.key not in model.__audit_exclude__]
    first, last = min(rows), max(rows)
    session.execute(
        insert(AuditEvent),
        [
            {
                "occurred_at": utcnow(),
                "actor_id": author.user_id,
                "actor_label": author.label,
                "table_name": inspect(model).persist_selectable.name,
                "row_id": f"{first}-{last}",
                "action": BATCH_CREATE,
                "old_values": None,
                "new_values": {
                    "rows": {
                        str(row_id): {key: _jsonable(values.get(key)) for key in columns}
                        for row_id, values in rows.items()
                    }
                },
                "reason": reasons[-1] if reasons else None,
                "first_row_id": first,
                "last_row_id": last,
            }
        ],
    )


def _one_row(batch: AuditEvent, row_id: str) -> AuditEvent | None:
    """The "create" event of one row of a batch, as if it had been written alone (never stored)."""
    values = (batch.new_values or {}).get("rows", {}).get(row_id)
    if values is None:
        return None
    return AuditEvent(
        id=batch.id,
        occurred_at=batch.occurred_at,
        actor_id=batch.actor_id,
        actor_label=batch.actor_label,
        table_name=batch.table_name,
        row_id=row_id,
        action="create",
        old_values=None,
        new_values=values,
        reason=batch.reason,
    )


def history(table_name: str, row_id: object) -> list[AuditEvent]:
    """The audit events of one row, oldest first (a row created in a batch: its part of the batch)."""
    key = str(row_id)
    mine = AuditEvent.row_id == key
    if key.isdigit():
        number = int(key)
        mine = or_(
            mine,
            and_(
                AuditEvent.action == BATCH_CREATE,
                AuditEvent.first_row_id <= number,
                AuditEvent.last_row_id >= number,
            ),
        )
    stmt = select(AuditEvent).where(AuditEvent.table_name == table_name, mine).order_by(AuditEvent.id)
    events: list[AuditEvent] = []
    for audit_event in db.session.scalars(stmt):
        if audit_event.action != BATCH_CREATE:
            events.append(audit_event)
        elif (single := _one_row(audit_event, key)) is not None:
            events.append(single)
    return events


def versions(table_name: str, row_id: object) -> list[dict[str, Any]]:
    """Every version the row has had, rebuilt from its audit events alone (first version first)."""
    rebuilt: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for audit_event in history(table_name, row_id):
        if audit_event.action == "create":
            current = dict(audit_event.new_values or {})
        elif audit_event.action == "update":
            current = {**current, **(audit_event.new_values or {})}
        else:
            continue
        rebuilt.append(current)
    return rebuilt
