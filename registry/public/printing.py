"""What is printed for a certificate, for those who may see its event: a certificate summary with its QR
code, and labels (one, or an A4 sheet of 3 × 8 labels of 70 × 37 mm, the common Avery 3474 / Tanex
sheet): the instrument's serial number and type, valid until, the lab, the stamp number and the QR code.

A sheet holds an owner's selection (``?event=`` repeated: the events it may see; chosen from a checklist at
``/labels/choose``) or the events a lab recorded on one day (``/labels/day?on=``); only public certificates
get a label (nothing else has a page to lead to)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from registry.core.dates import clean_date, local_today
from registry.core.errors import NotFoundError, ServiceError
from registry.core.forms import apply_service_error
from registry.core.models import MAX_ID
from registry.events.models import Event, EventState
from registry.events.recording import events_visible
from registry.events.revisions import get_event
from registry.extensions import db
from registry.items.labels import type_name
from registry.items.models import Item
from registry.items.services import get_item
from registry.public.forms import LabelChoiceForm
from registry.public.label_choice import MAX_CHOICES, LabelFilters, label_choices
from registry.public.services import current_revision, is_public

bp = Blueprint("printing", __name__)

PER_SHEET = 24
MAX_SELECTION = MAX_CHOICES  # ten sheets
RECENT_DAYS = 90  # the checklist's default period


@bp.route("/events/<int:event_id>/summary")
@login_required
def summary(event_id: int) -> str:
    event = current_revision(get_event(current_user, event_id))
    return render_template("public/summary.html", event=event, type_name=type_name)


@bp.route("/events/<int:event_id>/label")
@login_required
def label(event_id: int) -> str:
    event = current_revision(get_event(current_user, event_id))
    return _sheet([event] if is_public(event) else [], title=_l("Label"))


@bp.route("/labels")
@login_required
def selection() -> str:
    """The labels of the events asked for (ids the user may see; others are left out, as unknown)."""
    ids = [
        int(value) for value in request.args.getlist("event") if value.isdigit() and 0 < int(value) <= MAX_ID
    ]
    events: list[Event] = []
    if ids:
        stmt = events_visible(current_user).where(Event.id.in_(ids[:MAX_SELECTION]))
        events = [current_revision(event) for event in db.session.scalars(stmt.order_by(Event.id))]
    return _sheet(_printable(events), title=_l("Labels"))


@bp.route("/labels/choose")
@login_required
def choose() -> tuple[str, int]:
    """A checklist of the certificates the user's organisation holds or issued, to print the labels of
    those ticked (``all=1`` ticks every one shown)."""
    item, item_id = None, request.args.get("item", "")
    if item_id:
        try:
            item = get_item(current_user, int(item_id) if item_id.isdigit() else 0, Item)
        except NotFoundError:
            abort(404)
    today = local_today()
    form = LabelChoiceForm(formdata=request.args, data={"since": today - timedelta(days=RECENT_DAYS)})
    events: list[Event] = []
    status = 200
    if form.validate():
        filters = LabelFilters(
            form.since.data, form.until.data, form.type_code.data or "", item.id if item else None
        )
        try:
            events = label_choices(current_user, filters)
        except ServiceError as error:
            apply_service_error(form, error)
            status = 422
    else:
        status = 422
    return render_template(
        "public/choose_labels.html",
        form=form,
        item=item,
        events=events[:MAX_CHOICES],
        cut=len(events) > MAX_CHOICES,
        all_ticked=request.args.get("all") == "1",
        ticked_url=_choose_url,
        type_name=type_name,
    ), status


def _choose_url(**changes: str) -> str:
    """This checklist's address with its filters, ``changes`` applied (``all`` only when given)."""
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "all"}
    return url_for("printing.choose", **(args | changes))


@bp.route("/labels/day")
@login_required
def day() -> str:
    """The labels of the certificates the user's organisation issued on one day (today unless ``on``)."""
    try:
        on = clean_date(request.args.get("on") or local_today(), field="on")
    except ServiceError:
        on = None
    events: list[Event] = []
    if isinstance(on, date):
        stmt = events_visible(current_user).where(
            Event.provider_id == current_user.organisation_id,
            Event.performed_on == on,
            Event.state == EventState.CURRENT.value,
        )
        events = list(db.session.scalars(stmt.order_by(Event.id).limit(MAX_SELECTION)))
    return _sheet(_printable(events), title=_l("Labels of a day"), on=on)


def _printable(events: list[Event]) -> list[Event]:
    seen: set[int] = set()
    kept = []
    for event in events:
        if is_public(event) and event.id not in seen:
            seen.add(event.id)
            kept.append(event)
    return kept


def _sheet(events: list[Event], *, title: object, on: date | None = None) -> str:
    sheets = [events[start : start + PER_SHEET] for start in range(0, len(events), PER_SHEET)]
    return render_template("public/labels.html", sheets=sheets, title=title, on=on, type_name=type_name)
