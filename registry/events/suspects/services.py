"""The suspect report, and closing a suspect with the lab's impact assessment (ISO/IEC 17025 §7.10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.core.errors import FieldErrors, ServiceError
from registry.core.pagination import Page, page_of
from registry.core.services import require_reason
from registry.events.models import Event, EventState
from registry.events.recording import events_visible
from registry.events.suspects.models import Decision, ImpactAssessment, Suspicion
from registry.extensions import db


def _root(event: Event) -> int:
    return event.original_id or event.id


def parse_decision(value: object) -> Decision:
    if value is None or value == "":
        raise ServiceError({"decision": _l("This field is required.")})
    try:
        return Decision(str(value))
    except ValueError:
        raise ServiceError({"decision": _l("Choose one of the decisions offered.")}) from None


def assess_event(actor: Actor, event: Event, *, decision: object, reason: object) -> ImpactAssessment:
    """Close a suspect event with the lab's impact assessment: what it decided (no effect, recall and
    re-verify, customer informed) and why. The flag clears; the suspicions and the assessment stay, and a
    later suspicion makes the event suspect again. The lab that recorded the event, or the Department's
    admin on its behalf."""
    policy.require(
        actor, event, Permission.ASSESS, _l("Only the organisation that recorded this event may assess it.")
    )
    errors = FieldErrors()
    chosen = errors.run(parse_decision, decision)
    why = errors.run(require_reason, reason)
    if event.state != EventState.CURRENT or not event.suspect:
        errors.add("_", _l("This event is not suspect."))
    errors.raise_if_any()
    assert chosen is not None and why is not None
    root = _root(event)
    closes_through = db.session.scalar(select(func.max(Suspicion.id)).where(Suspicion.event_id == root))
    assessment = ImpactAssessment(
        event_id=root,
        decision=chosen.value,
        reason=why,
        user_id=actor.id if isinstance(actor, User) else None,
        assessed_by=actor.name if isinstance(actor, User) else str(actor),
        organisation_id=actor.organisation_id if isinstance(actor, User) else None,
        closes_through=closes_through or 0,
    )
    with audit.reason(why):
        db.session.add(assessment)
        event.suspect = False
    return assessment


@dataclass(frozen=True)
class SuspectRow:
    """One line of the report: why an event is suspect, the event (its current revision) and whether an
    assessment closed it."""

    suspicion: Suspicion
    event: Event
    assessment: ImpactAssessment | None

    @property
    def open(self) -> bool:
        return self.assessment is None and self.event.suspect


def report_query(actor: Actor, *, open_only: bool | None = None, standard: int | None = None) -> Select[Any]:
    """``(Suspicion, Event)`` of the events ``actor`` may see (their current revisions); ``open_only``
    True: those still suspect for that reason, False: those an assessment closed."""
    visible = events_visible(actor).subquery()
    current = db.aliased(Event, visible)
    stmt = select(Suspicion, current).join(
        current,
        and_(
            current.state == EventState.CURRENT.value,
            or_(current.id == Suspicion.event_id, current.original_id == Suspicion.event_id),
        ),
    )
    if standard is not None:
        stmt = stmt.where(Suspicion.standard_id == standard)
    if open_only is not None:
        closed = Suspicion.id <= (
            select(func.coalesce(func.max(ImpactAssessment.closes_through), 0))
            .where(ImpactAssessment.event_id == Suspicion.event_id)
            .scalar_subquery()
        )
        stmt = stmt.where(and_(current.suspect, ~closed) if open_only else closed)
    return stmt


def rows_of(pairs: list[Any]) -> list[SuspectRow]:
    """The report's rows for ``(Suspicion, Event)`` pairs, each with the assessment that closed it."""
    roots = {suspicion.event_id for suspicion, _ in pairs}
    assessments: dict[int, list[ImpactAssessment]] = {}
    if roots:
        stmt = (
            select(ImpactAssessment).where(ImpactAssessment.event_id.in_(roots)).order_by(ImpactAssessment.id)
        )
        for assessment in db.session.scalars(stmt):
            assessments.setdefault(assessment.event_id, []).append(assessment)
    return [
        SuspectRow(
            suspicion,
            event,
            next(
                (a for a in assessments.get(suspicion.event_id, []) if a.closes_through >= suspicion.id), None
            ),
        )
        for suspicion, event in pairs
    ]


def rows_for(actor: Actor, suspicions: list[Suspicion]) -> list[SuspectRow]:
    """The report's rows of ``suspicions`` (found by :func:`report_query`), with their events' current
    revisions as ``actor`` sees them."""
    roots = {suspicion.event_id for suspicion in suspicions}
    events = db.session.scalars(
        events_visible(actor).where(
            Event.state == EventState.CURRENT.value,
            or_(Event.id.in_(roots), Event.original_id.in_(roots)),
        )
    )
    by_root = {event.original_id or event.id: event for event in events}
    return rows_of([(s, by_root[s.event_id]) for s in suspicions if s.event_id in by_root])


REPORT_ORDER = (Suspicion.standard_id, Suspicion.cause_id, Suspicion.depth, Suspicion.id)


def report(actor: Actor, *, open_only: bool | None = None) -> list[SuspectRow]:
    """Every row of the report ``actor`` may see, by standard, bad result and the affected event's date."""
    stmt = report_query(actor, open_only=open_only).order_by(*REPORT_ORDER)
    return rows_of([tuple(row) for row in db.session.execute(stmt)])


def report_page(
    actor: Actor, *, open_only: bool | None = None, page: object = None, per_page: int
) -> tuple[Page[Suspicion], list[SuspectRow]]:
    """Page ``page`` of the report (in the order of :func:`report`), and its rows."""
    result = page_of(report_query(actor, open_only=open_only).order_by(*REPORT_ORDER), page, per_page)
    return result, rows_for(actor, result.items)


def suspicions_of(event: Event) -> list[SuspectRow]:
    """Why ``event`` (any revision) is or was suspect, each reason with the assessment that closed it."""
    stmt = select(Suspicion).where(Suspicion.event_id == _root(event)).order_by(Suspicion.id)
    return rows_of([(suspicion, event) for suspicion in db.session.scalars(stmt)])


def assessments_of(event: Event) -> list[ImpactAssessment]:
    stmt = (
        select(ImpactAssessment)
        .where(ImpactAssessment.event_id == _root(event))
        .order_by(ImpactAssessment.id)
    )
    return list(db.session.scalars(stmt))


def cause_of(suspicion: Suspicion) -> Event | None:
    """The current revision of the bad result a suspicion stems from (the event itself when it used an
    overdue standard); None once it was voided."""
    stmt = select(Event).where(
        Event.state == EventState.CURRENT.value,
        or_(Event.id == suspicion.cause_id, Event.original_id == suspicion.cause_id),
    )
    return db.session.scalars(stmt.limit(1)).first()
