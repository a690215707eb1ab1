"""Writes the audit trail from the ORM flush, so no service can forget it, and replays it."""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from registry.audit.models import AuditEvent
from registry.core.models import Audited, Versioned, utcnow
from registry.extensions import db


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)
REASON_KEY = "audit_reason"


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute the changes made inside the block to ``actor`` (CLI commands, scheduler jobs)."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(actor: Actor | None) -> None:
    """Attribute the rest of this context's changes (a request) to ``actor``."""
    _actor.set(actor)


def set_reason(reason: str | None) -> None:
    """The reason given for the changes of the current session's next flush."""
    db.session.info[REASON_KEY] = reason


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
    actor = _actor.get() or Actor(None, "system")
    reason = session.info.pop(REASON_KEY, None)
    now = utcnow()
    rows: list[dict[str, Any]] = []

    def add(obj: Audited, action: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        rows.append(
            {
                "occurred_at": now,
                "actor_id": actor.user_id,
                "actor_label": actor.label,
                "table_name": inspect(obj).mapper.persist_selectable.name,
                "row_id": _row_id(obj),
                "action": action,
                "old_values": old,
                "new_values": new,
                "reason": reason,
            }
        )

    for obj in session.new:
        if isinstance(obj, Audited):
            add(obj, "create", None, _snapshot(obj))
    for obj in session.dirty:
        if isinstance(obj, Audited) and session.is_modified(obj, include_collections=False):
            old, new = _changes(obj)
            if new:
                add(obj, "update", old, new)
    for obj in session.deleted:
        if isinstance(obj, Audited):
            add(obj, "delete", _snapshot(obj), None)
    if rows:
        session.connection().execute(insert(AuditEvent), rows)


def history(table_name: str, row_id: object) -> list[AuditEvent]:
    """The audit events of one row, oldest first."""
    stmt = (
        select(AuditEvent)
        .where(AuditEvent.table_name == table_name, AuditEvent.row_id == str(row_id))
        .order_by(AuditEvent.id)
    )
    return list(db.session.scalars(stmt))


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
