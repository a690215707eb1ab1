"""Suspect pages: the report (and its download), closing a suspect with the lab's impact assessment, and
the banners on an event's and an item's page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from registry.auth import policy
from registry.auth.policy import Permission
from registry.core.dates import local_today
from registry.core.export import FORMATS, export_response
from registry.core.forms import form_status, submitted
from registry.events.models import Event, EventState
from registry.events.recording import events_visible
from registry.events.revisions import get_event
from registry.events.suspects import labels
from registry.events.suspects.export import COLUMNS, item_name
from registry.events.suspects.forms import AssessForm
from registry.events.suspects.services import assess_event, report, report_page, suspicions_of
from registry.extensions import db
from registry.items.models import Item

bp = Blueprint("suspects", __name__)
PER_PAGE = 100  # rows (an event for one reason) per page of the report


def _may_assess(event: Event) -> bool:
    return event.suspect and policy.permits(current_user, event, Permission.ASSESS)


def _suspect_events_of(item: Item) -> list[Event]:
    """The current events of ``item`` the user may see that are suspect."""
    stmt = events_visible(current_user).where(
        Event.item_id == item.id, Event.state == EventState.CURRENT.value, Event.suspect.is_(True)
    )
    return list(db.session.scalars(stmt.order_by(Event.performed_on.desc())))


@bp.app_context_processor
def _suspect_helpers() -> dict[str, Any]:
    return {
        "suspect_labels": labels,
        "suspicions_of": suspicions_of,
        "may_assess": _may_assess,
        "suspect_events_of": _suspect_events_of,
        "suspect_item_name": item_name,
    }


@bp.route("/suspects/")
@login_required
def index() -> Response | str:
    """The suspect report: open suspects by default, every one with ``?all=1``; ``?format=csv|xlsx``."""
    fmt = request.args.get("format", "")
    if fmt and fmt not in FORMATS:
        abort(400)
    show_all = request.args.get("all") == "1"
    open_only = None if show_all else True
    if fmt:  # the download holds every row
        rows = report(current_user, open_only=open_only)
        return export_response(fmt, f"suspects-{local_today().isoformat()}", COLUMNS, rows)
    result, rows = report_page(
        current_user, open_only=open_only, page=request.args.get("page"), per_page=PER_PAGE
    )
    return render_template(
        "suspects/report.html",
        rows=rows,
        result=result,
        show_all=show_all,
        page_url=lambda number: url_for("suspects.index", page=number, all="1" if show_all else None),
    )


@bp.route("/events/<int:event_id>/assess", methods=["GET", "POST"])
@login_required
def assess(event_id: int) -> Response | str | tuple[str, int]:
    event = get_event(current_user, event_id, Permission.ASSESS)
    form = AssessForm()
    form.set_choices()
    if submitted(
        form, lambda: assess_event(current_user, event, decision=form.decision.data, reason=form.reason.data)
    ):
        flash(_("Assessed. The event is no longer suspect; the assessment stays on record."), "success")
        return redirect(url_for("events.detail", event_id=event.id))
    return render_template("suspects/assess.html", event=event, form=form), form_status(form)
