"""Organisation pages: the list (with filters and downloads), one organisation with its credentials and
history, registering one, and changing its profile or contact details."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from registry.auth import policy
from registry.auth.policy import Permission
from registry.catalogue.services import admin_units
from registry.core.counting import count_rows
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.core.export import FORMATS, Column, export_response
from registry.core.forms import apply_service_error, form_status, submitted
from registry.core.pagination import list_url, page_from_request
from registry.extensions import db
from registry.organisations import services
from registry.organisations.credentials.forms import ReviewForm
from registry.organisations.credentials.state import credential_state, credentials_of
from registry.organisations.forms import (
    ContactForm,
    OrganisationEditForm,
    OrganisationFilterForm,
    OrganisationForm,
    contact_changes,
    organisation_values,
    profile_changes,
)
from registry.organisations.labels import KIND_LABELS, OWNERSHIP_LABELS, template_labels
from registry.organisations.models import Organisation

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

PER_PAGE = 25


def _admin_unit_choices(empty_label: Any) -> list[SelectChoice]:
    return [
        SelectChoice("", empty_label),
        *(SelectChoice(unit.code, f"{unit.name} ({unit.code})") for unit in admin_units()),
    ]


EXPORT_COLUMNS = [
    Column(_l("Code"), lambda o: o.code, 16),
    Column(_l("Name"), lambda o: o.name, 48),
    Column(_l("Kinds"), lambda o: ", ".join(str(KIND_LABELS[kind]) for kind in o.kinds), 24),
    Column(_l("Tax code"), lambda o: o.tax_code or "", 16),
    Column(_l("Address"), lambda o: o.address, 40),
    Column(_l("Administrative unit"), lambda o: o.admin_unit.name if o.admin_unit else "", 24),
    Column(_l("State capital (%)"), lambda o: o.state_capital_pct, 12),
    Column(_l("Foreign capital (%)"), lambda o: o.foreign_capital_pct, 12),
    Column(_l("Ownership"), lambda o: str(OWNERSHIP_LABELS[o.ownership_class]), 20),
]


@bp.route("/")
@login_required
def index() -> Response | tuple[str, int]:
    fmt = request.args.get("format", "")
    if fmt and fmt not in FORMATS:
        abort(400)
    form = OrganisationFilterForm(formdata=request.args)
    form.admin_unit.choices = _admin_unit_choices(_l("All administrative units"))
    result, total = None, None
    if form.validate():
        try:
            stmt = services.search_organisations(
                current_user,
                q=form.q.data,
                kind=form.kind.data or None,
                admin_unit=form.admin_unit.data or None,
                sort=form.sort.data or None,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            if fmt:
                return export_response(fmt, f"organisations-{local_today().isoformat()}", EXPORT_COLUMNS,
                                       db.session.scalars(stmt))  # fmt: skip
            result = page_from_request(stmt, services.organisation_order(form.sort.data or None), PER_PAGE)
            total = count_rows(stmt)
    filters = {
        name: value for name in ("q", "kind", "admin_unit", "sort") if (value := request.args.get(name))
    }
    return render_template(
        "organisations/index.html",
        form=form,
        result=result,
        filters=filters,
        total=total,
        list_url=list_url,
        can_create=policy.permits(current_user, Organisation, Permission.CREATE),
    ), form_status(form)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> Response | tuple[str, int]:
    services.check_may_register(current_user)
    form = OrganisationForm()
    form.admin_unit.choices = _admin_unit_choices("—")
    created = submitted(
        form, lambda: services.create_organisation(current_user, code=form.code.data, **profile_changes(form))
    )
    if created:
        flash(_("Organisation %(code)s created.", code=created.code), "success")
        return redirect(url_for(".detail", code=created.code))
    return render_template("organisations/form.html", form=form, organisation=None), form_status(form)


@bp.route("/<code>")
@login_required
def detail(code: str) -> str:
    organisation = services.get_organisation(current_user, code)
    today = local_today()
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        history=services.history_of(current_user, organisation),
        can_edit=policy.permits(current_user, organisation, Permission.CHANGE),
        can_edit_contact=policy.permits(current_user, organisation, Permission.CHANGE_CONTACT),
        can_add_credentials=organisation.is_provider
        and policy.permits(current_user, organisation, Permission.MANAGE_CREDENTIALS),
        credentials=credentials_of(current_user, organisation),
        can_review=policy.is_department(current_user),
        review_form=ReviewForm(),
        state_of=lambda credential: credential_state(credential, today),
        today=today,
    )


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str) -> Response | tuple[str, int]:
    organisation = services.get_organisation(current_user, code, Permission.CHANGE)
    form = OrganisationEditForm(data=organisation_values(organisation))
    form.admin_unit.choices = _admin_unit_choices("—")
    if _saved(organisation, form, profile_changes):
        return redirect(url_for(".detail", code=organisation.code))
    # A stale form stays visible with the values the user typed: their work is not lost.
    return render_template("organisations/form.html", form=form, organisation=organisation), form_status(form)


@bp.route("/<code>/contact", methods=["GET", "POST"])
@login_required
def edit_contact(code: str) -> Response | tuple[str, int]:
    """The address, administrative unit and sectors: the organisation's managers change them too."""
    organisation = services.get_organisation(current_user, code, Permission.CHANGE_CONTACT)
    form = ContactForm(data=organisation_values(organisation))
    form.admin_unit.choices = _admin_unit_choices("—")
    if _saved(organisation, form, contact_changes):
        return redirect(url_for(".detail", code=organisation.code))
    return render_template(
        "organisations/form.html", form=form, organisation=organisation, contact_only=True
    ), form_status(form)


def _saved(organisation: Organisation, form: Any, changes: Callable[[Any], dict[str, Any]]) -> bool:
    """Apply the edit form (the full profile or the contact details) with its reason and version."""
    saved = submitted(
        form,
        lambda: services.update_organisation(
            current_user, organisation, changes(form), reason=form.reason.data, version=form.version.data
        ),
    )
    if saved:
        flash(_("Changes saved."), "success")
    return saved is not None


@bp.context_processor
def _labels() -> dict[str, Any]:
    return template_labels()
