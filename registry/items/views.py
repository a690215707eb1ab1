"""Item pages: the three lists (with filters, status tallies, pages and CSV/XLSX downloads), the item
pages, and the lookup by owner and serial number. The editing pages are in :mod:`edit_views`; an item's
events are listed on its page by the events domain (``events_of`` in the templates)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import abort, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from registry.auth import policy
from registry.auth.policy import Permission
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.core.export import FORMATS, export_response
from registry.core.forms import apply_service_error
from registry.core.pagination import page_of
from registry.extensions import db
from registry.items import labels
from registry.items.blueprint import CREATE_ENDPOINTS, EDIT_ENDPOINTS, LIST_ENDPOINTS, bp, item_url
from registry.items.export import columns
from registry.items.forms import ItemFilterForm, LookupForm
from registry.items.history import item_history
from registry.items.models import Instrument, ItemKind
from registry.items.search import DEFAULT_SORT, ItemFilters, filter_conditions, sorted_items
from registry.items.services import MODELS, get_item, lookup_instruments
from registry.items.status import STATUS_LABELS, Status, describe, status_counts

PER_PAGE = 50
EXPORT_NAMES = {
    ItemKind.INSTRUMENT: "instruments",
    ItemKind.STANDARD: "standards",
    ItemKind.REFERENCE_MATERIAL: "reference-materials",
}


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
    context: dict[str, Any] = {"result": None, "counts": {}}
    status = 200
    if form.validate():
        filters = ItemFilters(
            q=form.q.data or "",
            owner=form.owner.data or "",
            type_code=(form.type_code.data or "") if kind == ItemKind.INSTRUMENT else "",
            status=form.status.data or None,
            admin_unit=(form.admin_unit.data or "") if kind == ItemKind.INSTRUMENT else "",
            due_before=form.due_before.data,
        )
        try:
            conditions = filter_conditions(current_user, kind, filters, today)
            stmt = sorted_items(select(MODELS[kind]).where(*conditions), kind, form.sort.data or DEFAULT_SORT)
            unfiltered_status = filter_conditions(current_user, kind, replace(filters, status=None), today)
        except ServiceError as error:
            apply_service_error(form, error)
            status = 422
        else:
            if fmt:
                rows = db.session.scalars(stmt)
                return export_response(
                    fmt, f"{EXPORT_NAMES[kind]}-{today.isoformat()}", columns(kind, today), rows
                )
            context = {
                "result": page_of(stmt, form.page.data, PER_PAGE),
                "counts": status_counts(unfiltered_status, today),
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
        can_create=policy.permits(current_user, MODELS[kind], Permission.CREATE),
        can_look_up=kind == ItemKind.INSTRUMENT
        and policy.permits(current_user, Instrument, Permission.LOOK_UP),
        show_owner_filter=policy.is_department(current_user),
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
    item = get_item(current_user, item_id, MODELS[kind])
    today = local_today()
    rule = item.instrument_type.rule_on(today) if item.instrument_type else None
    return render_template(
        "items/detail.html",
        kind=kind,
        item=item,
        today=today,
        rule=rule,
        # A lab sees the items it served, not their owner's history (names and e-mails of other people).
        history=item_history(item) if policy.permits(current_user, item, Permission.VIEW_HISTORY) else [],
        can_change=policy.permits(current_user, item, Permission.CHANGE),
        can_transfer=policy.permits(current_user, item, Permission.TRANSFER),
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
    policy.require(current_user, Instrument, Permission.LOOK_UP)
    form = LookupForm(formdata=request.args if request.args else None)
    results = None
    status = 200
    if request.args:
        if form.validate():
            try:
                results = lookup_instruments(
                    current_user, owner=form.owner.data, serial_number=form.serial_number.data
                )
            except ServiceError as error:
                apply_service_error(form, error)
        if form.errors or form.form_errors:
            status = 422
    return render_template("items/lookup.html", form=form, results=results), status
