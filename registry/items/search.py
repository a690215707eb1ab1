"""Filtering and sorting item lists, the same for the web pages, their exports and the API.

Filters are plain WHERE conditions (so a page, its count and its status tally share them); ``q`` is
matched against the folded ``search_text`` column with ``LIKE``: lower case, no diacritics, đ → d,
whatever the normalisation (NFC or NFD) the query was typed in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, event, false, inspect, or_, select, update
from sqlalchemy.orm import Session, UOWTransaction, aliased
from sqlalchemy.sql.elements import ColumnElement

from registry.auth import policy
from registry.auth.policy import Actor
from registry.catalogue.models import AdminUnit, InstrumentType
from registry.core.dates import clean_date
from registry.core.errors import ServiceError
from registry.core.pagination import Order, parse_day, parse_text, parse_whole
from registry.core.text import fold, fold_all
from registry.core.validation import code_or_none
from registry.items.group2 import group2_on
from registry.items.models import Item, ItemKind
from registry.items.status import Status, status_condition
from registry.organisations.models import Organisation

MAX_QUERY_LENGTH = 200


def serial_key(serial_number: str | None) -> str:
    """What serial numbers are compared by, in lookups and duplicate checks: "QUA19-00002", "qua19-00002"
    and an NFD "qúa19-00002" are one instrument's number, as the search already treats them."""
    return fold(serial_number)


def search_text_of(item: Item, owner: Organisation | None = None) -> str:
    """What an item is found by: its serial number, manufacturer, model and name, its type's names
    (Vietnamese and English), and its owner's code and name."""
    owner = owner or item.owner
    type_names = (item.instrument_type.name_vi, item.instrument_type.name_en) if item.instrument_type else ()
    return fold_all(
        item.serial_number, item.manufacturer, item.model, item.name, *type_names, owner.code, owner.name
    )


def search_columns_of(item: Item, owner: Organisation) -> dict[str, str]:
    """The derived search columns of ``item`` when owned by ``owner``."""
    return {"search_text": search_text_of(item, owner), "serial_key": serial_key(item.serial_number)}


@event.listens_for(Session, "after_flush")
def _follow_renames(session: Session, flush_context: UOWTransaction) -> None:
    """An organisation or an instrument type renamed: its items are found by the new name. A derived
    column only, rewritten without bumping the items' versions or auditing each (the rename itself is
    audited)."""
    for renamed in session.dirty:
        if isinstance(renamed, Organisation) and inspect(renamed).attrs.name.history.deleted:
            _refresh_search_text(session, Item.owner_id == renamed.id)
        elif isinstance(renamed, InstrumentType) and any(
            inspect(renamed).attrs[name].history.deleted for name in ("name_vi", "name_en")
        ):
            _refresh_search_text(session, Item.type_id == renamed.id)


def _refresh_search_text(session: Session, which: ColumnElement[bool]) -> None:
    instrument_type = aliased(InstrumentType)
    # The connection, not the session: no autoflush from inside a flush.
    rows = (
        session.connection()
        .execute(
            select(
                Item.id,
                Item.serial_number,
                Item.manufacturer,
                Item.model,
                Item.name,
                instrument_type.code,
                instrument_type.name_vi,
                instrument_type.name_en,
                Organisation.code,
                Organisation.name,
            )
            .join(Organisation, Item.owner_id == Organisation.id)
            .outerjoin(instrument_type, Item.type_id == instrument_type.id)
            .where(which)
        )
        .all()
    )
    if rows:
        table = Item.__table__
        session.connection().execute(
            update(table).where(table.c.id == bindparam("item_id")).values(search_text=bindparam("text")),
            [{"item_id": row[0], "text": fold_all(*row[1:])} for row in rows],
        )
    changed = {row[0] for row in rows}
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Item) and obj.id in changed:
            session.expire(obj, ["search_text"])


@dataclass(frozen=True)
class ItemFilters:
    q: str = ""
    owner: str = ""
    type_code: str = ""
    status: str | None = None  # None: any status; anything else must name one
    admin_unit: str = ""
    due_before: object = None  # a date, or its text (ISO or dd/mm/yyyy)
    group2: bool = False  # instruments in Group 2 on the day only


def like_pattern(query: str) -> str | None:
    """The LIKE pattern of a search query, or None when it folds to nothing."""
    cleaned = "".join(ch for ch in query if unicodedata.category(ch) != "Cc")
    folded = fold(cleaned)
    if not folded:
        return None
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _code(value: str) -> str | None:
    return code_or_none(value)


def filter_conditions(
    actor: Actor, kind: ItemKind, filters: ItemFilters, today: date
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of the items of ``kind`` that ``actor`` may see and that match ``filters``."""
    conditions: list[ColumnElement[bool]] = [Item.kind == kind.value]
    visible = policy.visible(actor, Item)
    if visible is not None:
        conditions.append(visible)
    if len(filters.q) > MAX_QUERY_LENGTH:
        raise ServiceError({"q": _l("Use at most %(n)d characters.", n=MAX_QUERY_LENGTH)})
    if filters.q and (pattern := like_pattern(filters.q)) is not None:
        conditions.append(Item.search_text.like(pattern, escape="\\"))
    if filters.status is not None:
        if filters.status not in {status.value for status in Status}:
            raise ServiceError(
                {
                    "status": _l(
                        "Use one of: %(choices)s.", choices=", ".join(status.value for status in Status)
                    )
                }
            )
        conditions.append(status_condition(Status(filters.status), today))
    due_before = clean_date(filters.due_before, field="due_before", required=False)
    if due_before is not None:
        conditions.append(Item.valid_until < due_before)
    if filters.owner:
        code = _code(filters.owner)
        conditions.append(
            Item.owner_id.in_(select(Organisation.id).where(Organisation.code == code)) if code else false()
        )
    if filters.type_code:
        code = _code(filters.type_code)
        conditions.append(
            Item.type_id.in_(select(InstrumentType.id).where(InstrumentType.code == code))
            if code
            else false()
        )
    if filters.admin_unit:
        # A district, or a province with every district in it.
        code = _code(filters.admin_unit)
        units = select(AdminUnit.id).where(or_(AdminUnit.code == code, AdminUnit.parent_code == code))
        conditions.append(Item.site_admin_unit_id.in_(units) if code else false())
    if filters.group2:
        conditions.append(group2_on(today))
    return conditions


# Sort keys per kind; "-key" sorts the other way. Unknown keys are refused by the form.
SORT_KEYS: dict[ItemKind, tuple[str, ...]] = {
    ItemKind.INSTRUMENT: ("valid_until", "serial_number", "type", "owner", "manufacturer", "site", "created"),
    ItemKind.STANDARD: ("valid_until", "name", "serial_number", "owner", "created"),
    ItemKind.REFERENCE_MATERIAL: ("valid_until", "name", "lot", "owner", "created"),
}
DEFAULT_SORT = "valid_until"


def item_order(stmt: Select[Any], kind: ItemKind, sort: str) -> tuple[Select[Any], Order]:
    """``stmt`` (a select of items) joined to what the whitelisted ``sort`` key needs, and that order:
    the key's column (rows without a value last, whichever the direction), ties broken by the id."""
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    if key not in SORT_KEYS[kind]:
        raise ServiceError({"sort": _l("Unknown sort order %(sort)s.", sort=sort[:40])})
    column: Any
    parse: Callable[[Any], Any] = parse_text
    if key == "owner":
        owner = aliased(Organisation)
        stmt = stmt.join(owner, Item.owner_id == owner.id)
        column = owner.name
    elif key == "type":
        instrument_type = aliased(InstrumentType)
        stmt = stmt.outerjoin(instrument_type, Item.type_id == instrument_type.id)
        column = instrument_type.code
    elif key == "site":
        unit = aliased(AdminUnit)
        stmt = stmt.outerjoin(unit, Item.site_admin_unit_id == unit.id)
        column = unit.name
    elif key == "created":
        column, parse = Item.id, parse_whole
    else:
        column = getattr(Item, key)
        parse = parse_day if key == "valid_until" else parse_text
    return stmt, Order(sort, column, Item.id, descending, parse, nullable=key != "created")


def sorted_items(stmt: Select[Any], kind: ItemKind, sort: str) -> Select[Any]:
    """``stmt`` (a select of items) in the whitelisted ``sort`` order, whole (the downloads)."""
    stmt, order = item_order(stmt, kind, sort)
    return stmt.order_by(*order.clauses())
