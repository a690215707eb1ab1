"""The registry's own figures beside the plan's indicators on the Department's dashboard: items by status,
overdue Group 2 instruments by 2021 district, credentials expiring within 60 days and credentials waiting
for confirmation. Each is counted by the query its list uses, so each number leads to exactly its rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.catalogue.models import AdminUnit
from registry.core.counting import Count
from registry.extensions import db
from registry.items.models import Item, ItemKind
from registry.items.search import ItemFilters, filter_conditions
from registry.items.status import Status, status_counts
from registry.organisations.credentials.state import EXPIRING_DAYS, expiring_credentials, pending_credentials
from registry.plan.models import Plan
from registry.plan.tallies import district_of


@dataclass
class District:
    code: str
    name: str
    count: int


@dataclass
class RegistryFigures:
    by_status: dict[ItemKind, dict[Status, Count]]
    overdue_group2: list[District]
    overdue_group2_total: int
    expiring: int
    pending: int
    expiring_days: int = EXPIRING_DAYS
    statuses: list[Status] = field(default_factory=lambda: list(Status))


def overdue_group2_by_district(actor: Actor, plan: Plan, today: date) -> tuple[list[District], int]:
    """Overdue Group 2 instruments (the instrument list's filters: Group 2 only, overdue) by the 2021
    district of their site; the total also counts those with no site unit."""
    conditions = filter_conditions(
        actor, ItemKind.INSTRUMENT, ItemFilters(status=Status.OVERDUE.value, group2=True), today
    )
    district = district_of(AdminUnit, plan.province_code)
    counts: dict[str | None, int] = dict(
        db.session.execute(
            select(district, func.count())
            .select_from(Item)
            .outerjoin(AdminUnit, AdminUnit.id == Item.site_admin_unit_id)
            .where(*conditions)
            .group_by(district)
        ).all()
    )
    total = sum(counts.values())
    names = dict(
        db.session.execute(select(AdminUnit.code, AdminUnit.name).where(AdminUnit.code.in_(counts))).all()
    )
    districts = [District(code, names.get(code, code), count) for code, count in counts.items() if code]
    return sorted(districts, key=lambda row: row.name), total


def registry_figures(actor: Actor, plan: Plan, today: date) -> RegistryFigures:
    policy.require(actor, plan, Permission.VIEW)
    by_status = {
        kind: status_counts(filter_conditions(actor, kind, ItemFilters(), today), today) for kind in ItemKind
    }
    districts, total = overdue_group2_by_district(actor, plan, today)
    return RegistryFigures(
        by_status=by_status,
        overdue_group2=districts,
        overdue_group2_total=total,
        expiring=len(expiring_credentials(actor, today)),
        pending=len(pending_credentials(actor)),
    )
