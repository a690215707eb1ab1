"""Plan rules: loading a plan from its data files, changing its targets (the Department's admin, audited),
and the tallies the Department reads."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.core.dates import clean_date, local_today
from registry.core.errors import FieldErrors, NotFoundError, ServiceError
from registry.core.services import check_version, require_reason
from registry.core.validation import clean_whole_number
from registry.extensions import db
from registry.plan import reference
from registry.plan.models import Indicator, IndicatorSnapshot, Phase, Plan
from registry.plan.tallies import Tally, tally

DEFAULT_PLAN = "kontum-2021"


def visible_plans(actor: Actor) -> list[Plan]:
    condition = policy.visible(actor, Plan)
    stmt = select(Plan).order_by(Plan.starts_on, Plan.code)
    return list(db.session.scalars(stmt if condition is None else stmt.where(condition)))


def get_plan(actor: Actor, code: object, permission: Permission = Permission.VIEW) -> Plan:
    """The plan with ``code``; not found for anyone outside the Department."""
    plan = db.session.scalar(select(Plan).where(Plan.code == str(code or "").strip().lower()))
    if plan is None or not policy.can_see(actor, plan):
        raise NotFoundError({"plan": _l("No such plan.")})
    policy.require(actor, plan, permission, _l("Only the Department's admin may change a plan."), seen=True)
    return plan


def get_indicator(actor: Actor, plan: Plan, indicator_id: int) -> Indicator:
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or indicator.plan_id != plan.id:
        raise NotFoundError({"indicator": _l("No such indicator.")})
    return indicator


def load_plan(actor: Actor, path: Path) -> Plan:
    """Install the plan of the data file ``path`` (its phases and indicators): a new province's plan is a
    new file. The Department's admin (or the command line)."""
    policy.require(actor, Plan, Permission.CREATE, _l("Only the Department's admin may load a plan."))
    data = reference.read_plan(path)
    if db.session.scalar(select(Plan.id).where(Plan.code == data["code"])) is not None:
        raise ServiceError({"code": _l("A plan with code %(code)s already exists.", code=data["code"])})
    fields = {key: value for key, value in data.items() if key not in ("phases", "indicators")}
    plan = Plan(**fields)
    plan.phases = [Phase(**phase) for phase in data["phases"]]
    plan.indicators = [Indicator(**indicator) for indicator in data["indicators"]]
    db.session.add(plan)
    db.session.flush()
    return plan


def change_target(
    actor: Actor, indicator: Indicator, target: object, *, reason: object, version: int | None = None
) -> Indicator:
    """Set an indicator's target for its period (empty: none); the Department's admin, with a reason."""
    policy.require(actor, indicator, Permission.CHANGE, _l("Only the Department's admin may change targets."))
    check_version(indicator, version)
    errors = FieldErrors()
    why = errors.run(require_reason, reason)
    value = errors.run(clean_whole_number, target, field="target")
    errors.raise_if_any()
    with audit.reason(why):
        if indicator.target != value:
            indicator.target = value
    return indicator


def parse_as_of(value: object) -> date:
    """The day the tallies are asked for: today when none is given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return local_today()
    day = clean_date(value, field="as_of")
    assert day is not None
    return day


def tallies(actor: Actor, plan: Plan, as_of: date) -> list[Tally]:
    policy.require(actor, plan, Permission.VIEW)
    return [tally(indicator, as_of) for indicator in plan.indicators]


def indicators_json(actor: Actor, plan_code: object, as_of_text: object) -> dict[str, Any]:
    """``GET /api/v1/indicators`` and ``flask indicators --format json`` (DESIGN §5)."""
    errors = FieldErrors()
    as_of = errors.run(parse_as_of, as_of_text)
    errors.raise_if_any()
    plan = get_plan(actor, plan_code or DEFAULT_PLAN)
    return {
        "plan": plan.code,
        "as_of": as_of.isoformat(),
        "indicators": [row.as_json() for row in tallies(actor, plan, as_of)],
    }


def take_snapshots(actor: Actor, today: date) -> dict[str, int]:
    """The ``indicator_snapshot`` job: each indicator of each plan whose window has begun, counted on
    ``today`` and kept, once per day (running the job again that day adds nothing)."""
    policy.require(actor, Plan, Permission.CREATE)
    taken = set(
        db.session.scalars(select(IndicatorSnapshot.indicator_id).where(IndicatorSnapshot.taken_on == today))
    )
    created = 0
    for indicator in db.session.scalars(select(Indicator).where(Indicator.starts_on <= today)):
        if indicator.id not in taken:
            db.session.add(
                IndicatorSnapshot(
                    indicator_id=indicator.id, taken_on=today, actual=tally(indicator, today).actual
                )
            )
            created += 1
    db.session.flush()
    return {"snapshots_created": created}
