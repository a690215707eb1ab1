"""Event pages: the list, recording (a lab finds the item by owner and serial number), one event with
every revision and what changed, amending, voiding, and reporting a repair or a broken seal. An item's
page lists its events through ``events_of`` (below)."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from registry.auth import policy
from registry.auth.login import client_address
from registry.auth.policy import Permission
from registry.core.counting import count_rows
from registry.core.dates import local_today
from registry.core.forms import form_status, submitted
from registry.core.pagination import Order, list_url, page_from_request, parse_day
from registry.events import labels
from registry.events.changes import changes_between
from registry.events.decision import points_result
from registry.events.forms import AmendForm, EventForm, RepairForm, SignForm, VoidForm
from registry.events.item_validity import latest_result, report_repair
from registry.events.models import Event, EventState, SignatureMeaning
from registry.events.recording import (
    check_may_record,
    events_of,
    events_visible,
    kinds_offered,
    record_event,
    standards_offered,
)
from registry.events.revisions import amend_event, get_event, revisions, values_of, void_event
from registry.events.signatures import sign_event, signatures_due
from registry.events.traceability import ItemChain, chain_of_event, chain_of_item
from registry.items.models import Item, ItemKind, ItemState
from registry.items.services import get_item
from registry.items.status import describe
from registry.items.urls import item_url

bp = Blueprint("events", __name__)

Page = Response | str | tuple[str, int]
PER_PAGE = 50
NEWEST_FIRST = (Event.performed_on.desc(), Event.id.desc())
# The list's keyset order, newest first (the index on performed_on, id serves it).
LIST_ORDER = Order("newest", Event.performed_on, Event.id, descending=True, parse=parse_day, nullable=False)


def _events_of(item: Item) -> list[Event]:
    return events_of(current_user, item)


def _chain_of(item: Item) -> ItemChain | None:
    return chain_of_item(current_user, item)


def _may_record_on(item: Item) -> bool:
    return item.state != ItemState.RETIRED and policy.permits(current_user, Event, Permission.RECORD)


@bp.app_context_processor
def _event_helpers() -> dict[str, Any]:
    return {
        "event_labels": labels,
        "item_url": item_url,
        "events_of": _events_of,
        "standing_result": latest_result,
        "may_record_on": _may_record_on,
        "chain_of": _chain_of,
    }


@bp.route("/events/")
@login_required
def index() -> str:
    suspect_only = request.args.get("suspect") == "1"
    stmt = events_visible(current_user)
    if suspect_only:
        stmt = stmt.where(Event.suspect.is_(True))
    return render_template(
        "events/index.html",
        result=page_from_request(stmt, LIST_ORDER, PER_PAGE),
        total=count_rows(stmt),
        suspect_only=suspect_only,
        list_url=list_url,
        can_record=policy.permits(current_user, Event, Permission.RECORD),
    )


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def record() -> Page:
    check_may_record(current_user)
    defaults = {name: request.args.get(name, "") for name in ("owner", "serial_number", "type_code")}
    if not defaults["owner"] and not policy.is_lab_staff(current_user):
        defaults["owner"] = current_user.organisation.code
    form = EventForm(data={**defaults, "performed_on": local_today()})
    form.set_kinds(kinds_offered(current_user))
    form.set_choices(standards_offered(current_user))

    def save() -> Event:
        with form.point_errors():
            return record_event(current_user, form.values())

    event = submitted(form, save)
    if event:
        flash(
            _(
                "Recorded. The item's status is now: %(status)s.",
                status=describe(event.item, local_today()).text,
            ),
            "success",
        )
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template(
        "events/form.html", form=form, acts_for_anyone=policy.acts_for_anyone(current_user)
    ), form_status(form)


@bp.route("/events/<int:event_id>")
@login_required
def detail(event_id: int) -> str:
    event = get_event(current_user, event_id)
    chain = revisions(event)
    return render_template(
        "events/detail.html",
        event=event,
        revisions=chain,
        changes={later.id: changes_between(earlier, later) for earlier, later in itertools.pairwise(chain)},
        can_change=policy.permits(current_user, event, Permission.CHANGE)
        and event.state == EventState.CURRENT,
        can_see_item=policy.can_see(current_user, event.item),
        to_sign=signatures_due(current_user, event),
        traceability=chain_of_event(current_user, event),
        points_result=points_result(event),
        tur=None if event.tur is None else format_decimal(event.tur, format="#,##0.00"),
    )


@bp.route("/events/<int:event_id>/amend", methods=["GET", "POST"])
@login_required
def amend(event_id: int) -> Page:
    event = get_event(current_user, event_id, Permission.CHANGE)
    values = values_of(event)
    form = AmendForm(
        data={
            **values,
            "standards_used": [str(item.id) for item in values["standards_used"]],
            "points": event.measurement_points,
            "version": event.version,
        }
    )
    # The lab's standards, and those the event used (one retired since stays chosen).
    offered = standards_offered(current_user, event.provider)
    form.set_choices([*offered, *(item for item in event.standards_used if item not in offered)])

    def save() -> Event:
        with form.point_errors():
            return amend_event(
                current_user, event, form.outcome(), reason=form.reason.data, version=form.version.data
            )

    revision = submitted(form, save)
    if revision:
        flash(_("Amended: revision %(n)d replaces the earlier one.", n=revision.revision), "success")
        return redirect(url_for("events.detail", event_id=revision.id))
    return render_template("events/amend.html", event=event, form=form), form_status(form)


@bp.route("/events/<int:event_id>/void", methods=["GET", "POST"])
@login_required
def void(event_id: int) -> Page:
    event = get_event(current_user, event_id, Permission.CHANGE)
    form = VoidForm(data={"version": event.version})
    if submitted(
        form, lambda: void_event(current_user, event, reason=form.reason.data, version=form.version.data)
    ):
        flash(_("Voided. The event stays on record with its reason."), "success")
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template(
        "items/action.html",
        item=event.item,
        kind=ItemKind(event.item.kind),
        form=form,
        title=_("Void this event"),
        submit=_("Void"),
    ), form_status(form)


@bp.route("/events/<int:event_id>/sign/<any(performed, reviewed):meaning>", methods=["GET", "POST"])
@login_required
def sign(event_id: int, meaning: str) -> Page:
    """Sign the event as who performed it or who reviewed it, re-entering one's password."""
    event = get_event(current_user, event_id, Permission.SIGN)
    form = SignForm()
    if submitted(
        form,
        lambda: sign_event(
            current_user,
            event,
            meaning=meaning,
            password=form.password.data,
            code=form.code.data,
            address=client_address(),
        ),
    ):
        flash(_("Signed."), "success")
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template(
        "events/sign.html", event=event, form=form, meaning=SignatureMeaning(meaning)
    ), form_status(form)


@bp.route("/items/<int:item_id>/repair", methods=["GET", "POST"])
@login_required
def repair(item_id: int) -> Page:
    item = get_item(current_user, item_id, Item, Permission.CHANGE)
    form = RepairForm(data={"version": item.version, "repaired_on": local_today()})
    if submitted(
        form,
        lambda: report_repair(
            current_user,
            item,
            repaired_on=form.repaired_on.data,
            reason=form.reason.data,
            version=form.version.data,
        ),
    ):
        flash(_("Recorded. The item needs a verification after repair before it is valid again."), "success")
        return redirect(item_url(item))
    return render_template(
        "items/action.html",
        item=item,
        kind=ItemKind(item.kind),
        form=form,
        title=_("Report a repair or a broken seal"),
        submit=_("Report"),
    ), form_status(form)
