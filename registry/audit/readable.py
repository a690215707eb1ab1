"""An audit trail as a page shows it: each domain says how its columns read (field labels, value labels,
dates, the rows its ids name), and the page shows those words — never a column name, a row id, a code
value or True/False. What a domain names nothing for is shown as stored, so that nothing is hidden."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.i18n import format_day, format_moment


@dataclass(frozen=True)
class Entry:
    """What ``audit/history.html`` reads of an audit event."""

    occurred_at: datetime
    actor_label: str
    action: str
    old_values: dict[str, Any] | None
    new_values: dict[str, Any] | None
    reason: str | None


def _row_name(row: Any) -> str:
    return str(row.name)


@dataclass(frozen=True)
class Vocabulary:
    """How one table's columns read. ``references``: a column holding another row's id, and that row's
    model (with ``id``); ``name``: how such a row reads (its ``name`` unless told)."""

    labels: Mapping[str, Any]
    hidden: frozenset[str] = frozenset({"id", "search_text", "created_at"})
    values: Mapping[str, Mapping[Any, Any]] = field(default_factory=dict)
    dates: frozenset[str] = frozenset()
    moments: frozenset[str] = frozenset()
    references: Mapping[str, Any] = field(default_factory=dict)
    name: Callable[[Any], str] = _row_name


def readable(events: Iterable[AuditEvent], vocabulary: Vocabulary) -> list[Entry]:
    events = list(events)
    names = _names(events, vocabulary)

    def word(key: str, value: Any) -> Any:
        if value is None:
            return ""
        if key in names:
            return names[key].get(value, value)
        if isinstance(value, bool):
            return _l("Yes") if value else _l("No")
        if key in vocabulary.values:
            labels = vocabulary.values[key]
            if isinstance(value, list):
                return ", ".join(str(labels.get(each, each)) for each in value)
            return labels.get(value, value)
        if key in vocabulary.dates and isinstance(value, str):
            return format_day(date.fromisoformat(value))
        if key in vocabulary.moments and isinstance(value, str):
            return format_moment(datetime.fromisoformat(value))
        if isinstance(value, list) and all(isinstance(each, str) for each in value):
            return ", ".join(value)
        if isinstance(value, list) and all(isinstance(each, dict) for each in value):
            # Entries as the forms take them: one per line, "a | b | c".
            return "; ".join(
                " | ".join(str(v) for v in each.values() if v not in (None, "")) for each in value
            )
        return value

    def shown(values: dict[str, Any] | None, *, skip_empty: bool) -> dict[str, Any] | None:
        if values is None:
            return None
        result: dict[str, Any] = {}
        for key, value in values.items():
            if key in vocabulary.hidden or (skip_empty and value in (None, "", False, [])):
                continue
            if key == "version":
                result[key] = value
                continue
            result[str(vocabulary.labels.get(key, key))] = word(key, value)
        return result

    return [
        Entry(
            occurred_at=event.occurred_at,
            actor_label=event.actor_label,
            action=event.action,
            old_values=shown(event.old_values, skip_empty=False),
            new_values=shown(event.new_values, skip_empty=event.action == "create"),
            reason=event.reason,
        )
        for event in events
    ]


def _names(events: list[AuditEvent], vocabulary: Vocabulary) -> dict[str, dict[Any, str]]:
    """What the ids in the events' values name."""
    wanted: dict[str, set[Any]] = {key: set() for key in vocabulary.references}
    for event in events:
        for values in (event.old_values or {}, event.new_values or {}):
            for key in vocabulary.references:
                if values.get(key) is not None:
                    wanted[key].add(values[key])
    names: dict[str, dict[Any, str]] = {}
    for key, model in vocabulary.references.items():
        rows: list[Any] = (
            list(db.session.scalars(select(model).where(model.id.in_(wanted[key])))) if wanted[key] else []
        )
        names[key] = {row.id: vocabulary.name(row) for row in rows}
    return names
