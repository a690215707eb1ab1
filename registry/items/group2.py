"""Group 2 on a day, in SQL (DESIGN §2): an instrument in legal use whose type has a legal rule in force that
day; membership follows the rules (types join and leave the list), never a fixed flag. The Department's
overdue digest, the instrument list's "Group 2 only" filter and the plan dashboard share it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, or_
from sqlalchemy.sql.elements import ColumnElement

from registry.catalogue.models import LegalRule
from registry.items.models import Item, Use


def group2_on(today: date) -> ColumnElement[bool]:
    """In legal use, of a type with a legal rule in force on ``today``."""
    return and_(
        Item.use == Use.LEGAL.value,
        exists().where(
            LegalRule.instrument_type_id == Item.type_id,
            LegalRule.effective_from <= today,
            or_(LegalRule.effective_to.is_(None), LegalRule.effective_to >= today),
        ),
    )
