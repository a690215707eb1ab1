"""The traceability chain upward (DESIGN §2): the standards an event used, the results (calibrations)
those standards stood on that day, the standards those used, and so on up to a national standard or an
external body — each link with the standard's validity on the day it was used.

The chain is found in one recursive SQL query (SQLite and PostgreSQL alike): from the event's standards
(``event_standards``), each standard's latest current validity-giving result on or before the day it was
used (as :func:`.item_validity.latest_result` finds it), then that result's standards, up to
:data:`MAX_DEPTH` links and never through a standard already lower on the same path (a cycle). Each
link's status on its day is :func:`.item_validity.status_given`, the rule that refuses an overdue or
failed standard when an event is recorded: a link whose standard had no valid result that day is broken.

What the viewer sees of a link: everything, with links to the standard's and the result's pages, when
they may see the standard (:func:`registry.auth.policy.visible`); otherwise its public facts only — the
standard's name and its owner, the certificate its validity stood on (number, issuer, date, validity),
its status on the day and where the chain ends — never its serial number, level or a link to a page that
would answer 404. The result's page is linked only when the viewer may see that event.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Text, case, cast, literal, literal_column, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations
from sqlalchemy.sql.selectable import ScalarSelect

from registry.auth import policy
from registry.auth.policy import Actor
from registry.events.item_validity import latest_result, status_given
from registry.events.models import VALIDITY_KINDS, Event, EventState, event_standards
from registry.extensions import db
from registry.items.models import Item, ItemKind, ReferenceMaterial, StandardLevel
from registry.items.status import STATUS_CLASSES, STATUS_LABELS, Status

MAX_DEPTH = 10
MAX_LINKS = 500  # a chain wider than this is cut (a real one has a handful of links)
FIT = frozenset({Status.VALID, Status.DUE_SOON})


class End(enum.StrEnum):
    """Why the chain stops at a link."""

    NATIONAL = "national"  # the standard is a national standard
    TRACEABLE_TO = "traceable_to"  # its owner states the external body it is traceable to
    EXTERNAL = "external"  # calibrated by another organisation, whose standards are not recorded here
    NOT_STATED = "not_stated"  # nothing says where its traceability comes from
    CYCLE = "cycle"  # the standard appears lower on this path already
    DEPTH = "depth"  # the chain goes on above MAX_DEPTH links


END_LABELS = {
    End.NATIONAL: _l("National standard"),
    End.TRACEABLE_TO: _l("Traceable to %(body)s"),
    End.EXTERNAL: _l("Calibrated by %(body)s; the standards it used are not recorded here"),
    End.NOT_STATED: _l("Traceability not stated"),
    End.CYCLE: _l("Already in this chain: not followed again"),
    End.DEPTH: _l("The chain goes on beyond %(n)d links"),
}


@dataclass(frozen=True)
class Calibration:
    """The result a linked standard's validity stood on, as a certificate shows it."""

    event: Event | None  # None when the viewer may not see the event: no link to its page
    id: int | None
    kind: str
    provider: str  # code
    provider_name: str
    performed_on: date
    certificate_number: str | None
    revision: int
    result: str
    valid_until: date | None


@dataclass
class Link:
    """One standard (or reference material) in the chain, as the viewer may see it."""

    depth: int  # 1: a standard the event itself used
    used_on: date
    status: Status  # the standard's status on ``used_on``
    item: Item | None  # None when the viewer may not see the standard: no link to its page
    id: int | None
    kind: str
    name: str
    owner: str  # code
    owner_name: str
    serial_number: str | None
    level: str | None
    calibration: Calibration | None
    end: End | None = None  # why the chain stops here; None when it goes on above
    body: str = ""  # the external body at the top: stated, the producer, or the calibrating organisation
    links: list[Link] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Whether the standard had a valid result on the day it was used (otherwise the link is broken)."""
        return self.status in FIT

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def status_class(self) -> str:
        return STATUS_CLASSES[self.status]

    @property
    def end_text(self) -> str:
        return "" if self.end is None else end_text(self.end, self.body)


@dataclass
class ItemChain:
    """An item's chain: that of the result its current validity stands on."""

    event: Event
    shown: bool  # the viewer may see that event (its page is linked)
    links: list[Link]
    end: End | None = None  # a standard whose result names no standard: where its own chain ends
    body: str = ""

    @property
    def end_text(self) -> str:
        return "" if self.end is None else end_text(self.end, self.body)


def _rows(event_id: int) -> list[tuple[int, int, date, int | None, str, int]]:
    """(depth, standard id, day used, its result id, path, cycle) for every link above ``event_id``, in
    one recursive query."""
    standards = event_standards.alias("es")
    using = aliased(Event, name="using")
    result = aliased(Event, name="result")

    def calibration(used_id: ColumnElement[int], used_on: SQLCoreOperations[date]) -> ScalarSelect[int]:
        """The standard's latest current validity-giving result on or before the day it was used."""
        return (
            select(result.id)
            .where(
                result.item_id == used_id,
                result.state == EventState.CURRENT.value,
                result.kind.in_(VALIDITY_KINDS),
                result.performed_on <= used_on,
            )
            .order_by(result.performed_on.desc(), result.id.desc())
            .limit(1)
            .correlate(standards, using)
            .scalar_subquery()
        )

    def segment(item_id: ColumnElement[int]) -> ColumnElement[str]:
        return cast(item_id, Text) + literal("/", Text)

    anchor = (
        select(
            literal_column("1", Integer).label("depth"),
            standards.c.item_id.label("standard_id"),
            using.performed_on.label("used_on"),
            calibration(standards.c.item_id, using.performed_on).label("calibration_id"),
            (literal("/", Text) + segment(standards.c.item_id)).label("path"),
            literal_column("0", Integer).label("cycle"),
        )
        .select_from(standards)
        .join(using, using.id == standards.c.event_id)
        .where(standards.c.event_id == event_id)
        .cte("chain", recursive=True)
    )
    chain = anchor.alias("below")
    step = (
        select(
            (chain.c.depth + 1).label("depth"),
            standards.c.item_id,
            using.performed_on,
            calibration(standards.c.item_id, using.performed_on),
            (chain.c.path + segment(standards.c.item_id)),
            case(
                (chain.c.path.like(literal("%/", Text) + segment(standards.c.item_id) + "%"), 1),
                else_=0,
            ),
        )
        .select_from(chain)
        .join(standards, standards.c.event_id == chain.c.calibration_id)
        .join(using, using.id == standards.c.event_id)
        .where(chain.c.depth < MAX_DEPTH, chain.c.cycle == 0)
    )
    tree = anchor.union_all(step)
    stmt = select(
        tree.c.depth, tree.c.standard_id, tree.c.used_on, tree.c.calibration_id, tree.c.path, tree.c.cycle
    ).order_by(tree.c.depth, tree.c.path)  # parents first; a cut keeps the links nearest the event
    return [tuple(row) for row in db.session.execute(stmt.limit(MAX_LINKS))]


def chain_of_event(actor: Actor, event: Event) -> list[Link]:
    """The chain above ``event`` (which the caller has already found visible to ``actor``), as the
    standards it used, each with the links above it."""
    rows = _rows(event.id)
    if not rows:
        return []
    item_ids = {row[1] for row in rows}
    event_ids = {row[3] for row in rows if row[3] is not None}
    items = {item.id: item for item in db.session.scalars(select(Item).where(Item.id.in_(item_ids)))}
    results = {
        result.id: result for result in db.session.scalars(select(Event).where(Event.id.in_(event_ids)))
    }
    seen_items = _visible(actor, Item, item_ids)
    seen_events = _visible(actor, Event, event_ids)
    with_standards = set(
        db.session.scalars(
            select(event_standards.c.event_id).where(event_standards.c.event_id.in_(event_ids)).distinct()
        )
    )
    by_path: dict[str, Link] = {}
    built: list[tuple[Link, Item, Event | None]] = []
    top: list[Link] = []
    for depth, item_id, used_on, result_id, path, cycle in rows:
        used = used_on if isinstance(used_on, date) else date.fromisoformat(str(used_on))
        result = results.get(result_id) if result_id is not None else None
        link = _link(items[item_id], depth, used, result, item_id in seen_items, result_id in seen_events)
        if cycle:
            link.end = End.CYCLE
        elif depth == MAX_DEPTH and result_id in with_standards:
            link.end = End.DEPTH
        by_path[path] = link
        built.append((link, items[item_id], result))
        parent = by_path.get(path[: path.rstrip("/").rfind("/") + 1]) if depth > 1 else None
        (parent.links if parent is not None else top).append(link)
    for link, standard, result in built:
        if not link.links and link.end is None:
            link.end, link.body = ending(standard, result)
    return top


def chain_of_item(actor: Actor, item: Item) -> ItemChain | None:
    """The chain of the result ``item``'s current validity stands on (its latest current verification or
    calibration); None when it has none."""
    if isinstance(item, ReferenceMaterial):
        return None
    latest = latest_result(item)
    if latest is None:
        return None
    chain = ItemChain(latest, policy.can_see(actor, latest), chain_of_event(actor, latest))
    if not chain.links and item.kind == ItemKind.STANDARD:
        chain.end, chain.body = ending(item, latest)
    return chain


def _visible(actor: Actor, model: type[Item] | type[Event], ids: set[int]) -> set[int]:
    if not ids:
        return set()
    condition = policy.visible(actor, model)
    stmt = select(model.id).where(model.id.in_(ids))
    return set(db.session.scalars(stmt if condition is None else stmt.where(condition)))


def _link(
    standard: Item, depth: int, used_on: date, result: Event | None, shown: bool, result_shown: bool
) -> Link:
    calibration = None
    if result is not None:
        calibration = Calibration(
            event=result if result_shown else None,
            id=result.id if result_shown else None,
            kind=result.kind,
            provider=result.provider.code,
            provider_name=result.provider.name,
            performed_on=result.performed_on,
            certificate_number=result.certificate_number,
            revision=result.revision,
            result=result.result,
            valid_until=result.valid_until,
        )
    return Link(
        depth=depth,
        used_on=used_on,
        status=status_given(standard, result, used_on),
        item=standard if shown else None,
        id=standard.id if shown else None,
        kind=standard.kind,
        name=standard.name or (standard.serial_number if shown else ""),
        owner=standard.owner.code,
        owner_name=standard.owner.name,
        serial_number=standard.serial_number if shown else None,
        level=standard.level if shown else None,
        calibration=calibration,
    )


def ending(standard: Item, result: Event | None) -> tuple[End, str]:
    """Where a chain ends at ``standard`` when ``result`` (the result its validity stood on) names no
    standard: why, and the external body if any."""
    if standard.kind == ItemKind.STANDARD and standard.level == StandardLevel.NATIONAL:
        return End.NATIONAL, standard.traceable_to
    if standard.kind == ItemKind.STANDARD and standard.traceable_to:
        return End.TRACEABLE_TO, standard.traceable_to
    if standard.kind == ItemKind.REFERENCE_MATERIAL and standard.producer:
        return End.TRACEABLE_TO, standard.producer
    if result is not None and result.provider_id != standard.owner_id:
        return End.EXTERNAL, result.provider.name
    return End.NOT_STATED, ""


def end_text(end: End, body: str) -> str:
    return str(END_LABELS[end]) % {"body": body, "n": MAX_DEPTH}
