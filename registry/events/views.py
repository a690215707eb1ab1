"""Event pages: the list, recording (a lab finds the item by owner and serial number), one event with
every revision and what changed, amending, voiding, and reporting a repair or a broken seal."""

from __future__ import annotations

import itertools
import math
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from registry.auth.models import PROVIDER_ROLES
from registry.core.errors import NotFoundError
from registry.core.forms import form_status, submitted
from registry.events import access, labels, services
from registry.events.forms import AmendForm, EventForm, RepairForm, VoidForm
from registry.events.models import Event, EventKind
from registry.events.revisions import changes_between
from registry.extensions import db
from registry.items import access as item_access
from registry.items.models import Item, ItemKind, ItemState
from registry.items.status import describe, local_today
from registry.items.views import item_url, visible_or_404

bp = Blueprint("events", __name__)

Page = Response | str | tuple[str, int]
PER_PAGE = 50


@bp.app_context_processor
def _event_helpers() -> dict[str, Any]:
    return {"event_labels": labels, "item_url": item_url}


def _visible_or_404(event_id: int) -> Event:
    try:
        return access.get_visible_event(current_user, event_id)
    except NotFoundError:
        abort(404)


def _changeable(event_id: int) -> Event:
    event = _visible_or_404(event_id)
    if not access.may_change(current_user, event):
        abort(403)
    return event


def _kinds() -> list[EventKind]:
    if access.acts_for_department(current_user) or current_user.has_role(*PROVIDER_ROLES):
        return list(EventKind)
    return [kind for kind in EventKind if kind.by_the_owner]


def _own_standards() -> list[Item]:
    """The standards and reference materials the user's lab may pick from."""
    stmt = (
        select(Item)
        .where(
            Item.owner_id == current_user.organisation_id,
            Item.kind.in_((ItemKind.STANDARD.value, ItemKind.REFERENCE_MATERIAL.value)),
            Item.state != ItemState.RETIRED.value,
        )
        .order_by(Item.name)
    )
    return list(db.session.scalars(stmt))


@bp.route("/events/")
@login_required
def index() -> str:
    page = request.args.get("page", "1")
    stmt = access.visible_events(current_user)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    number = min(max(int(page), 1) if page.isdigit() and len(page) < 7 else 1, pages)
    events = db.session.scalars(
        stmt.order_by(Event.performed_on.desc(), Event.id.desc())
        .limit(PER_PAGE)
        .offset((number - 1) * PER_PAGE)
    ).all()
    return render_template(
        "events/index.html",
        events=events,
        page=number,
        pages=pages,
        total=total,
        page_url=lambda number: url_for("events.index", page=number),
        can_record=access.may_record(current_user),
    )


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def record() -> Page:
    if not access.may_record(current_user):
        abort(403)
    defaults = {name: request.args.get(name, "") for name in ("owner", "serial_number", "type_code")}
    if not defaults["owner"] and not current_user.has_role(*PROVIDER_ROLES):
        defaults["owner"] = current_user.organisation.code
    form = EventForm(data={**defaults, "performed_on": local_today()})
    form.set_kinds(_kinds())
    form.set_choices(_own_standards())

    def save() -> Event:
        item = services.find_item(
            current_user,
            owner=form.owner.data,
            serial_number=form.serial_number.data,
            type_code=form.type_code.data,
        )
        with form.point_errors():
            return services.record_event(
                current_user,
                item,
                kind=form.kind.data,
                performed_on=form.performed_on.data,
                result=form.result.data,
                today=local_today(),
                provider=form.provider.data,
                certificate_number=form.certificate_number.data,
                record_number=form.record_number.data,
                stamp_number=form.stamp_number.data,
                verifier_card=form.verifier_card.data,
                technician=form.technician.data,
                valid_until=form.valid_until.data,
                standards_used=form.standards_used.data or [],
                measurement_points=form.measurement_points(),
                override_reason=form.override_reason.data,
                reason=form.reason.data,
            )

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
        "events/form.html",
        form=form,
        acts_for_department=access.acts_for_department(current_user),
    ), form_status(form)


@bp.route("/events/<int:event_id>")
@login_required
def detail(event_id: int) -> str:
    event = _visible_or_404(event_id)
    chain = services.revisions(event)
    return render_template(
        "events/detail.html",
        event=event,
        revisions=chain,
        changes={later.id: changes_between(earlier, later) for earlier, later in itertools.pairwise(chain)},
        can_change=access.may_change(current_user, event) and event.state == "current",
        can_see_item=item_access.may_see(current_user, event.item),
    )


@bp.route("/events/<int:event_id>/amend", methods=["GET", "POST"])
@login_required
def amend(event_id: int) -> Page:
    event = _changeable(event_id)
    values = services.values_of(event)
    form = AmendForm(
        data={
            **values,
            "standards_used": [item.id for item in values["standards_used"]],
            "points": event.measurement_points,
            "version": event.version,
        }
    )
    # The lab's standards, and those the event used (one retired since stays chosen).
    offered = [] if access.acts_for_department(current_user) else _own_standards()
    form.set_choices([*offered, *(item for item in event.standards_used if item not in offered)])

    def save() -> Event:
        changes = {
            "performed_on": form.performed_on.data,
            "result": form.result.data,
            "certificate_number": form.certificate_number.data or None,
            "record_number": form.record_number.data or None,
            "stamp_number": form.stamp_number.data or None,
            "verifier_card": form.verifier_card.data or None,
            "technician": form.technician.data or "",
            "valid_until": form.valid_until.data,
            "standards_used": form.standards_used.data or [],
            "measurement_points": form.measurement_points(),
            "override_reason": form.override_reason.data or None,
        }
        with form.point_errors():
            return services.amend_event(
                current_user,
                event,
                changes,
                reason=form.reason.data,
                version=form.version.data,
                today=local_today(),
            )

    revision = submitted(form, save)
    if revision:
        flash(_("Amended: revision %(n)d replaces the earlier one.", n=revision.revision), "success")
        return redirect(url_for("events.detail", event_id=revision.id))
    return render_template("events/amend.html", event=event, form=form), form_status(form)


@bp.route("/events/<int:event_id>/void", methods=["GET", "POST"])
@login_required
def void(event_id: int) -> Page:
    event = _changeable(event_id)
    form = VoidForm(data={"version": event.version})
    if submitted(
        form,
        lambda: services.void_event(current_user, event, reason=form.reason.data, version=form.version.data),
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


@bp.route("/items/<int:item_id>/repair", methods=["GET", "POST"])
@login_required
def repair(item_id: int) -> Page:
    item = visible_or_404(None, item_id)
    if not item_access.may_change(current_user, item):
        abort(403)
    form = RepairForm(data={"version": item.version, "repaired_on": local_today()})
    if submitted(
        form,
        lambda: services.report_repair(
            current_user,
            item,
            repaired_on=form.repaired_on.data,
            reason=form.reason.data,
            version=form.version.data,
            today=local_today(),
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
