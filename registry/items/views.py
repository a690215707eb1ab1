"""Item pages: the three lists (with filters, status tallies, pages and CSV/XLSX downloads), the item
pages, the lookup by owner and serial number, and the editing pages (register, edit, relocate, transfer,
retire: form → one service call → flash and redirect, or the form again with its field errors). An item's
events are listed on its page by the events domain (``events_of`` in the templates)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response

from registry.auth import policy
from registry.auth.policy import Permission
from registry.core.counting import count_rows
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.core.export import FORMATS, export_response
from registry.core.forms import apply_service_error, form_status, submitted
from registry.core.pagination import PAGE_ARGS, jump_to, keyset_page, list_url
from registry.extensions import db
from registry.items import labels, services
from registry.items.export import columns
from registry.items.fields import FIELDS
from registry.items.forms import (
    CREATE_FORMS,
    EDIT_FORMS,
    ItemFilterForm,
    LookupForm,
    RelocateForm,
    RetireForm,
    TransferForm,
    initial_values,
)
from registry.items.history import item_history
from registry.items.models import Instrument, Item, ItemKind
from registry.items.search import DEFAULT_SORT, ItemFilters, filter_conditions, item_order
from registry.items.services import MODELS, check_may_look_up, get_item, lookup_instruments
from registry.items.status import Status, describe, status_counts, status_labels
from registry.items.urls import CREATE_ENDPOINTS, EDIT_ENDPOINTS, LIST_ENDPOINTS, item_url

bp = Blueprint("items", __name__)

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


def _list(kind: ItemKind) -> Response | str | tuple[str, int]:
    fmt = request.args.get("format", "")
    if fmt and fmt not in FORMATS:
        abort(400)
    form = ItemFilterForm(kind, formdata=request.args)
    today = local_today()
    context: dict[str, Any] = {"result": None, "counts": {}, "total": None}
    status = 200
    if form.validate():
        filters = ItemFilters(
            q=form.q.data or "",
            owner=form.owner.data or "",
            type_code=(form.type_code.data or "") if kind == ItemKind.INSTRUMENT else "",
            status=form.status.data or None,
            admin_unit=(form.admin_unit.data or "") if kind == ItemKind.INSTRUMENT else "",
            due_before=form.due_before.data,
            group2=bool(form.group2.data) and kind == ItemKind.INSTRUMENT,
        )
        try:
            conditions = filter_conditions(current_user, kind, filters, today)
            stmt, order = item_order(
                select(MODELS[kind]).where(*conditions), kind, form.sort.data or DEFAULT_SORT
            )
            if form.start.data is not None and order.column is not Item.valid_until:
                raise ServiceError({"start": _("Sort by “Valid until” to jump to a due date.")})
            unfiltered_status = filter_conditions(current_user, kind, replace(filters, status=None), today)
        except ServiceError as error:
            apply_service_error(form, error)
            status = 422
        else:
            if fmt:
                rows = db.session.scalars(stmt.order_by(*order.clauses()))
                return export_response(
                    fmt, f"{EXPORT_NAMES[kind]}-{today.isoformat()}", columns(kind, today), rows
                )
            context = {
                "result": keyset_page(
                    stmt,
                    order,
                    PER_PAGE,
                    after=form.after.data or None,
                    before=form.before.data or None,
                    start=jump_to(order, form.start.data) if form.start.data else None,
                ),
                "counts": status_counts(unfiltered_status, today),
                "total": count_rows(select(Item.id).where(*conditions)),
            }
    else:
        status = 422
    export_args = {key: value for key, value in request.args.items() if key not in {*PAGE_ARGS, "format"}}
    return render_template(
        "items/list.html",
        kind=kind,
        form=form,
        today=today,
        statuses=list(Status),
        status_labels=status_labels(kind),
        export_args=export_args,
        list_url=list_url,
        can_jump=(form.sort.data or DEFAULT_SORT).removeprefix("-") == "valid_until",
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
        history=item_history(current_user, item),
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
    check_may_look_up(current_user)
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


# --- Editing ---------------------------------------------------------------------------------------------


Page = Response | str | tuple[str, int]


def _values(form: FlaskForm, kind: ItemKind) -> dict[str, Any]:
    """The form's data under the services' field names (the site fields are set by relocating)."""
    return {name: form[name].data for name in FIELDS[kind] if name in form._fields}


def _create(kind: ItemKind) -> Page:
    services.check_may_register(current_user, kind)
    prefilled = {
        name: request.args[name] for name in ("owner", "serial_number", "type_code") if name in request.args
    }
    form = CREATE_FORMS[kind](data=prefilled)
    item = submitted(
        form,
        lambda: services.create_item(current_user, kind, {**_values(form, kind), "owner": form.owner.data}),
    )
    if item:
        flash(_("Registered."), "success")
        if policy.is_department(current_user) or policy.belongs_to(current_user, item.owner_id):
            return redirect(item_url(item))
        # Registered on an enterprise's behalf: on to recording what the lab did to it.
        return redirect(
            url_for(
                "events.record",
                owner=item.owner.code,
                serial_number=item.serial_number,
                type_code=item.instrument_type.code if item.instrument_type else "",
            )
        )
    return render_template("items/form.html", kind=kind, form=form, item=None), form_status(form)


@bp.route("/instruments/new", methods=["GET", "POST"])
@login_required
def instrument_create() -> Page:
    return _create(ItemKind.INSTRUMENT)


@bp.route("/standards/new", methods=["GET", "POST"])
@login_required
def standard_create() -> Page:
    return _create(ItemKind.STANDARD)


@bp.route("/reference-materials/new", methods=["GET", "POST"])
@login_required
def reference_material_create() -> Page:
    return _create(ItemKind.REFERENCE_MATERIAL)


def _changeable(kind: ItemKind | None, item_id: int) -> Item:
    """The item if the user may see it (404) and change it (403)."""
    return services.get_item(
        current_user, item_id, Item if kind is None else services.MODELS[kind], Permission.CHANGE
    )


def _edit(kind: ItemKind, item_id: int) -> Page:
    item = _changeable(kind, item_id)
    form = EDIT_FORMS[kind](data=initial_values(item))
    if submitted(
        form,
        lambda: services.update_item(
            current_user, item, _values(form, kind), reason=form.reason.data, version=form.version.data
        ),
    ):
        flash(_("Changes saved."), "success")
        return redirect(item_url(item))
    return render_template("items/form.html", kind=kind, form=form, item=item), form_status(form)


@bp.route("/instruments/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def instrument_edit(item_id: int) -> Page:
    return _edit(ItemKind.INSTRUMENT, item_id)


@bp.route("/standards/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def standard_edit(item_id: int) -> Page:
    return _edit(ItemKind.STANDARD, item_id)


@bp.route("/reference-materials/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def reference_material_edit(item_id: int) -> Page:
    return _edit(ItemKind.REFERENCE_MATERIAL, item_id)


def _action_page(item: Item, form: FlaskForm, title: str, submit: str) -> Page:
    return render_template(
        "items/action.html", item=item, kind=ItemKind(item.kind), form=form, title=title, submit=submit
    ), form_status(form)


@bp.route("/instruments/<int:item_id>/relocate", methods=["GET", "POST"])
@login_required
def instrument_relocate(item_id: int) -> Page:
    item = _changeable(ItemKind.INSTRUMENT, item_id)
    assert isinstance(item, Instrument)
    form = RelocateForm(
        data={
            "site_address": item.site_address,
            "site_admin_unit": item.site_admin_unit.code if item.site_admin_unit else "",
            "version": item.version,
        }
    )
    if submitted(
        form,
        lambda: services.relocate_instrument(
            current_user,
            item,
            site_address=form.site_address.data,
            site_admin_unit=form.site_admin_unit.data,
            reason=form.reason.data,
            version=form.version.data,
        ),
    ):
        flash(_("The instrument's site was changed."), "success")
        return redirect(item_url(item))
    return _action_page(item, form, _("Relocate"), _("Relocate"))


@bp.route("/items/<int:item_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer(item_id: int) -> Page:
    item = services.get_item(current_user, item_id, Item, Permission.TRANSFER)
    form = TransferForm(data={"version": item.version})
    if submitted(
        form,
        lambda: services.transfer_item(
            current_user, item, owner=form.owner.data, reason=form.reason.data, version=form.version.data
        ),
    ):
        flash(_("The item now belongs to %(name)s.", name=item.owner.name), "success")
        return redirect(item_url(item))
    return _action_page(item, form, _("Transfer to another owner"), _("Transfer"))


@bp.route("/items/<int:item_id>/retire", methods=["GET", "POST"])
@login_required
def retire(item_id: int) -> Page:
    item = _changeable(None, item_id)
    form = RetireForm(data={"version": item.version})
    if submitted(
        form,
        lambda: services.retire_item(current_user, item, reason=form.reason.data, version=form.version.data),
    ):
        flash(_("Retired. The item stays in the registry with its history."), "success")
        return redirect(item_url(item))
    return _action_page(item, form, _("Retire"), _("Retire"))
