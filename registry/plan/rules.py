"""The counting rules of the plans' indicator files, in SQL: each rule gives the rows it counts between two
days, as one SELECT with the same columns (``activity_id``, ``item_id``, ``participant_id``,
``organisation_id``, ``admin_unit_id``, ``day``); :mod:`registry.plan.tallies` counts them, groups them by
year, ownership class and district, and lists them (every number links to its rows).

Rules read the rows as they stand: a voided activity or event counts nowhere, an amended one counts as
amended. An accreditation is judged on the activity's date (confirmed, not suspended or withdrawn, and
valid that day); "in the province" means the organisation's administrative unit is the plan's province or
lies within it (communes under their 2021 district)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import Integer, Select, cast, exists, extract, func, null, or_, select
from sqlalchemy.orm import aliased

from registry.catalogue.models import AdminUnit
from registry.events.models import Event, EventKind, EventState
from registry.items.models import Item
from registry.organisations.models import Accreditation, ConfirmationState, Organisation
from registry.plan.models import Activity, ActivityState, Participant, activity_organisations

COLUMNS = ("activity_id", "item_id", "participant_id", "organisation_id", "admin_unit_id", "day")
# What a measurement assurance programme's year needs on the organisation's items (OBJ-3).
MAP_EVENT_KINDS = tuple(
    kind.value for kind in EventKind if kind.is_verification or kind.is_calibration or kind == EventKind.TEST
)

RuleQuery = Callable[[dict[str, Any], date, date, str], Select[Any]]


def _none() -> Any:
    return cast(null(), Integer)


def _activities(kind: str, start: date, end: date) -> list[Any]:
    return [
        Activity.kind == kind,
        Activity.state == ActivityState.CURRENT.value,
        Activity.held_on >= start,
        Activity.held_on <= end,
    ]


def units_in_province(province_code: str) -> Any:
    """The administrative units of the province: itself, its districts and their communes."""
    district = aliased(AdminUnit)
    return select(AdminUnit.id).where(
        or_(
            AdminUnit.code == province_code,
            AdminUnit.parent_code == province_code,
            AdminUnit.parent_code.in_(select(district.code).where(district.parent_code == province_code)),
        )
    )


def accredited_on(organisation_id: Any, day: Any, schemes: list[str]) -> Any:
    """The organisation held a confirmed accreditation (or certification) under one of ``schemes``, not
    suspended nor withdrawn, valid on ``day``."""
    return exists().where(
        Accreditation.organisation_id == organisation_id,
        Accreditation.scheme.in_(schemes),
        Accreditation.confirmation == ConfirmationState.CONFIRMED.value,
        Accreditation.suspension.is_(None),
        Accreditation.valid_from <= day,
        Accreditation.valid_to >= day,
    )


def count_items(params: dict[str, Any], start: date, end: date, province: str) -> Select[Any]:
    """Items of ``kinds`` with ``funding`` (and a ``purpose`` among those given) acquired in the window;
    their district is the instrument's site, else the owner's."""
    conditions = [Item.acquired_on >= start, Item.acquired_on <= end]
    if params.get("kinds"):
        conditions.append(Item.kind.in_(params["kinds"]))
    if params.get("funding"):
        conditions.append(Item.funding == params["funding"])
    if params.get("purpose"):
        conditions.append(Item.purpose.in_(params["purpose"]))
    return (
        select(
            _none().label("activity_id"),
            Item.id.label("item_id"),
            _none().label("participant_id"),
            Item.owner_id.label("organisation_id"),
            func.coalesce(Item.site_admin_unit_id, Organisation.admin_unit_id).label("admin_unit_id"),
            Item.acquired_on.label("day"),
        )
        .join(Organisation, Organisation.id == Item.owner_id)
        .where(*conditions)
    )


def count_activities(params: dict[str, Any], start: date, end: date, province: str) -> Select[Any]:
    return select(
        Activity.id.label("activity_id"),
        _none().label("item_id"),
        _none().label("participant_id"),
        _none().label("organisation_id"),
        _none().label("admin_unit_id"),
        Activity.held_on.label("day"),
    ).where(*_activities(params["kind"], start, end))


def sum_participants(params: dict[str, Any], start: date, end: date, province: str) -> Select[Any]:
    """One row per participant (a person-turn: lượt người)."""
    return (
        select(
            Activity.id.label("activity_id"),
            _none().label("item_id"),
            Participant.id.label("participant_id"),
            _none().label("organisation_id"),
            _none().label("admin_unit_id"),
            Activity.held_on.label("day"),
        )
        .join(Participant, Participant.activity_id == Activity.id)
        .where(*_activities(params["kind"], start, end))
    )


def _activity_orgs(params: dict[str, Any], start: date, end: date, province: str) -> Select[Any]:
    link = activity_organisations.c
    conditions = _activities(params["kind"], start, end)
    if params.get("require_accreditation"):
        conditions.append(
            accredited_on(link.organisation_id, Activity.held_on, params["require_accreditation"])
        )
    if params.get("in_province"):
        conditions.append(Organisation.admin_unit_id.in_(units_in_province(province)))
    return (
        select(Activity.id, Activity.held_on, link.organisation_id, Organisation.admin_unit_id)
        .join(activity_organisations, link.activity_id == Activity.id)
        .join(Organisation, Organisation.id == link.organisation_id)
        .where(*conditions)
    )


def count_activity_orgs(params: dict[str, Any], start: date, end: date, province: str) -> Select[Any]:
    """One row per (organisation, activity) pair."""
    pairs = _activity_orgs(params, start, end, province).subquery()
    return select(
        pairs.c.id.label("activity_id"),
        _none().label("item_id"),
        _none().label("participant_id"),
        pairs.c.organisation_id.label("organisation_id"),
        pairs.c.admin_unit_id.label("admin_unit_id"),
        pairs.c.held_on.label("day"),
    )


def distinct_orgs(params: dict[str, Any], start: date, end: date, province: str) -> Select[Any]:
    """One row per organisation, on the day of its first qualifying activity in the window."""
    pairs = _activity_orgs(params, start, end, province).subquery()
    return select(
        func.min(pairs.c.id).label("activity_id"),
        _none().label("item_id"),
        _none().label("participant_id"),
        pairs.c.organisation_id.label("organisation_id"),
        func.min(pairs.c.admin_unit_id).label("admin_unit_id"),
        func.min(pairs.c.held_on).label("day"),
    ).group_by(pairs.c.organisation_id)


def map_turns(params: dict[str, Any], start: date, end: date, province: str) -> Select[Any]:
    """One turn per (organisation, year): enrolled that year (a map_enrolment activity naming it) and,
    that year and by ``end``, a verification, calibration or test on its items or a method_development
    activity naming it. The turn's day is its first enrolment of the year."""
    link = activity_organisations.c
    year = extract("year", Activity.held_on)
    enrolments = (
        select(
            link.organisation_id.label("organisation_id"),
            year.label("year"),
            func.min(Activity.id).label("activity_id"),
            func.min(Activity.held_on).label("day"),
        )
        .join(activity_organisations, link.activity_id == Activity.id)
        .where(*_activities("map_enrolment", start, end))
        .group_by(link.organisation_id, year)
        .subquery()
    )
    method = aliased(Activity)
    method_link = activity_organisations.alias("method_link")
    worked = or_(
        exists().where(
            Event.item_id == Item.id,
            Item.owner_id == enrolments.c.organisation_id,
            Event.kind.in_(MAP_EVENT_KINDS),
            Event.state == EventState.CURRENT.value,
            Event.performed_on <= end,
            extract("year", Event.performed_on) == enrolments.c.year,
        ),
        exists().where(
            method_link.c.activity_id == method.id,
            method_link.c.organisation_id == enrolments.c.organisation_id,
            method.kind == "method_development",
            method.state == ActivityState.CURRENT.value,
            method.held_on <= end,
            extract("year", method.held_on) == enrolments.c.year,
        ),
    )
    return (
        select(
            enrolments.c.activity_id.label("activity_id"),
            _none().label("item_id"),
            _none().label("participant_id"),
            enrolments.c.organisation_id.label("organisation_id"),
            Organisation.admin_unit_id.label("admin_unit_id"),
            enrolments.c.day.label("day"),
        )
        .join(Organisation, Organisation.id == enrolments.c.organisation_id)
        .where(worked)
    )


RULES: dict[str, RuleQuery] = {
    "count_items": count_items,
    "count_activities": count_activities,
    "sum_participants": sum_participants,
    "count_activity_orgs": count_activity_orgs,
    "distinct_orgs": distinct_orgs,
    "map_turns": map_turns,
}
