"""Item pages: the three lists (with filters, status tallies, pages and CSV/XLSX downloads), the item
pages, and the lookup by owner and serial number. The editing pages are in :mod:`edit_views`."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from registry.core.errors import ForbiddenError, NotFoundError, ServiceError
from registry.core.export import FORMATS, export_response
from registry.core.forms import apply_service_error
from registry.events import access as event_access
from registry.events.models import Event
from registry.extensions import db
from registry.items import access, labels
from registry.items.export import columns
from registry.items.forms import ItemFilterForm, LookupForm
from registry.items.history import item_history
from registry.items.models import Item, ItemKind, ItemState
from registry.items.search import DEFAULT_SORT, ItemFilters, filter_conditions, sorted_items
from registry.items.services import MODELS, lookup_instruments
from registry.items.status import STATUS_LABELS, Status, describe, local_today, status_counts

bp = Blueprint("items", __name__)

PER_PAGE = 50
# Each kind's pages are endpoints named after it: items.instruments (the list), items.instrument (one),
# items.instrument_create, items.instrument_edit; likewise for standards and reference materials.
_ENDPOINT_STEMS = {
    ItemKind.INSTRUMENT: "instrument",
    ItemKind.STANDARD: "standard",
    ItemKind.REFERENCE_MATERIAL: "reference_material",
}
LIST_ENDPOINTS = {kind: f"items.{stem}s" for kind, stem in _ENDPOINT_STEMS.items()}
DETAIL_ENDPOINTS = {kind: f"items.{stem}" for kind, stem in _ENDPOINT_STEMS.items()}
CREATE_ENDPOINTS = {kind: f"items.{stem}_create" for kind, stem in _ENDPOINT_STEMS.items()}
EDIT_ENDPOINTS = {kind: f"items.{stem}_edit" for kind, stem in _ENDPOINT_STEMS.items()}
EXPORT_NAMES = {
    ItemKind.INSTRUMENT: "instruments",
    ItemKind.STANDARD: "standards",
    ItemKind.REFERENCE_MATERIAL: "reference-materials",
}


def item_url(item: Item) -> str:
    return url_for(DETAIL_ENDPOINTS[ItemKind(item.kind)], item_id=item.id)


@bp.app_context_processor
def _item_helpers() -> dict[str, Any]:
    today = local_today()
    return {
        "labels": labels,
        "item_url": item_url,
        "item_status": lambda item: describe(item, today),
        "kind_labels_items": labels.KIND_LABELS,
        "kind_plurals": labels.KIND_PLURALS,
        "list_endpoints": LIST_ENDPOINTS,
        "create_endpoints": CREATE_ENDPOINTS,
        "edit_endpoints": EDIT_ENDPOINTS,
    }


def visible_or_404(kind: ItemKind | None, item_id: int) -> Item:
    """The item (of ``kind``, or of any kind) if the user may see it; 404 otherwise."""
    try:
        return access.get_visible_item(current_user, item_id, Item if kind is None else MODELS[kind])
    except NotFoundError:
        abort(404)


def _page_url(page: int) -> str:
    args: dict[str, Any] = request.args.to_dict()
    args.pop("format", None)
    args["page"] = page
    return url_for(request.endpoint or "", **args)


def _list(kind: ItemKind) -> Response | str | tuple[str, int]:
    fmt = request.args.get("format", "")
    if fmt and fmt not in FORMATS:
        abort(400)
    form = ItemFilterForm(kind, formdata=request.args)
    today = local_today()
    context: dict[str, Any] = {"items": [], "counts": {}, "total": 0, "page": 1, "pages": 1}
    status = 200
    if form.validate():
        filters = ItemFilters(
            q=form.q.data or "",
            owner=form.owner.data or "",
            type_code=(form.type_code.data or "") if kind == ItemKind.INSTRUMENT else "",
            status=form.status.data or "",
            admin_unit=(form.admin_unit.data or "") if kind == ItemKind.INSTRUMENT else "",
            due_before=form.due_before.data,
        )
        try:
            conditions = filter_conditions(current_user, kind, filters, today)
            stmt = sorted_items(select(MODELS[kind]).where(*conditions), kind, form.sort.data or DEFAULT_SORT)
            unfiltered_status = filter_conditions(current_user, kind, replace(filters, status=""), today)
        except ServiceError as error:
            apply_service_error(form, error)
            status = 422
        else:
            if fmt:
                rows = db.session.scalars(stmt)
                return export_response(
                    fmt, f"{EXPORT_NAMES[kind]}-{today.isoformat()}", columns(kind, today), rows
                )
            total = db.session.scalar(select(func.count()).select_from(Item).where(*conditions)) or 0
            pages = max(1, math.ceil(total / PER_PAGE))
            page = min(form.page.data or 1, pages)
            items = db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
            context = {
                "items": items,
                "counts": status_counts(unfiltered_status, today),
                "total": total,
                "page": page,
                "pages": pages,
            }
    else:
        status = 422
    export_args = {key: value for key, value in request.args.items() if key not in {"page", "format"}}
    return render_template(
        "items/list.html",
        kind=kind,
        form=form,
        today=today,
        statuses=list(Status),
        status_labels=STATUS_LABELS,
        export_args=export_args,
        page_url=_page_url,
        can_create=access.may_create(current_user, kind),
        can_look_up=kind == ItemKind.INSTRUMENT and access.may_look_up(current_user),
        show_owner_filter=access.is_department(current_user),
        **context,
    ), status


@bp.route("/instruments/")
@login_required
def instruments() -> Response | str | tuple[str, int]:
    return _list(ItemKind.INSTRUMENT)


@bp.route("/standards/")
@login_required
def standards() -> Response | str | tuple[str, int]:
    return _list(ItemKind.STANDARD)


@bp.route("/reference-materials/")
@login_required
def reference_materials() -> Response | str | tuple[str, int]:
    return _list(ItemKind.REFERENCE_MATERIAL)


def _detail(kind: ItemKind, item_id: int) -> str:
    item = visible_or_404(kind, item_id)
    today = local_today()
    rule = item.instrument_type.rule_on(today) if item.instrument_type else None
    return render_template(
        "items/detail.html",
        kind=kind,
        item=item,
        today=today,
        rule=rule,
        # A lab sees the items it served, not their owner's history (names and e-mails of other people).
        history=item_history(item)
        if access.is_department(current_user) or item.owner_id == current_user.organisation_id
        else [],
        events=db.session.scalars(
            event_access.visible_events(current_user)
            .where(Event.item_id == item.id)
            .order_by(Event.performed_on.desc(), Event.id.desc())
        ).all(),
        can_record=event_access.may_record(current_user) and item.state != ItemState.RETIRED,
        can_change=access.may_change(current_user, item),
        can_transfer=access.may_transfer(current_user),
    )


@bp.route("/instruments/<int:item_id>")
@login_required
def instrument(item_id: int) -> str:
    return _detail(ItemKind.INSTRUMENT, item_id)


@bp.route("/standards/<int:item_id>")
@login_required
def standard(item_id: int) -> str:
    return _detail(ItemKind.STANDARD, item_id)


@bp.route("/reference-materials/<int:item_id>")
@login_required
def reference_material(item_id: int) -> str:
    return _detail(ItemKind.REFERENCE_MATERIAL, item_id)


@bp.route("/instruments/lookup")
@login_required
def instrument_lookup() -> str | tuple[str, int]:
    """A lab finds the instrument it is about to serve by its owner's code and its serial number."""
    if not access.may_look_up(current_user):
        abort(403)
    form = LookupForm(formdata=request.args if request.args else None)
    results = None
    status = 200
    if request.args:
        if form.validate():
            try:
                results = lookup_instruments(
                    current_user, owner=form.owner.data, serial_number=form.serial_number.data
                )
            except ForbiddenError:
                abort(403)
            except ServiceError as error:
                apply_service_error(form, error)
        if form.errors or form.form_errors:
            status = 422
    return render_template("items/lookup.html", form=form, results=results), status


from registry.items import edit_views  # noqa: E402, F401  (registers the editing routes on bp)
