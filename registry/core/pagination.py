"""Numbered pages of a web list (the API pages with cursors: registry.api.pagination)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select

from registry.extensions import db

T = TypeVar("T")
MAX_PAGE_DIGITS = 6


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    number: int
    pages: int
    total: int


def page_number(value: object) -> int:
    """The page asked for: a whole number from 1, anything else the first page."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) <= MAX_PAGE_DIGITS and int(text) > 0 else 1


def page_of(stmt: Select[Any], number: object, per_page: int) -> Page[Any]:
    """Page ``number`` of ``stmt``'s rows (the last page when it asks for more)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    current = min(page_number(number), pages)
    items = list(db.session.scalars(stmt.limit(per_page).offset((current - 1) * per_page)))
    return Page(items, current, pages, total)
