"""Item editing pages: register, edit, relocate, transfer and retire. Each is form → one service call
→ flash and redirect, or the form again with its field errors (422), keeping what the user typed."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from registry.auth import policy
from registry.auth.policy import Permission
from registry.core.forms import form_status, submitted
from registry.items import services
from registry.items.blueprint import bp, item_url
from registry.items.fields import FIELDS
from registry.items.forms import (
    CREATE_FORMS,
    EDIT_FORMS,
    RelocateForm,
    RetireForm,
    TransferForm,
    initial_values,
)
from registry.items.models import Instrument, Item, ItemKind

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
