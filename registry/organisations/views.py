from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from registry.audit.services import history
from registry.auth.models import DEPARTMENT_ROLES
from registry.auth.permissions import roles_required
from registry.catalogue.services import admin_units
from registry.core.errors import NotFoundError, ServiceError
from registry.core.export import FORMATS, Column, export_response
from registry.core.forms import apply_service_error, form_status, submitted
from registry.extensions import db
from registry.organisations import services
from registry.organisations.credentials.forms import ReviewForm
from registry.organisations.credentials.services import may_manage_credentials
from registry.organisations.credentials.state import credential_state, credentials_of, local_today
from registry.organisations.forms import (
    ContactForm,
    OrganisationEditForm,
    OrganisationFilterForm,
    OrganisationForm,
    contact_arguments,
    organisation_values,
    profile_arguments,
)
from registry.organisations.labels import OWNERSHIP_LABELS, template_labels
from registry.organisations.models import Organisation
from registry.templating import KIND_LABELS

bp = Blueprint("organisations", __name__, url_prefix="/organisations")

PER_PAGE = 25
MAX_PAGE = 10_000


def _visible_or_404(code: str) -> Organisation:
    try:
        return services.get_visible_organisation(current_user, code)
    except NotFoundError:
        abort(404)


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
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    pagination = None
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
            pagination = db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False, count=True)
    filters = {
        name: value for name in ("q", "kind", "admin_unit", "sort") if (value := request.args.get(name))
    }
    return render_template(
        "organisations/index.html", form=form, pagination=pagination, filters=filters
    ), form_status(form)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*DEPARTMENT_ROLES)
def create() -> Response | tuple[str, int]:
    form = OrganisationForm()
    form.admin_unit.choices = _admin_unit_choices("—")
    created = submitted(
        form, lambda: services.create_organisation(code=form.code.data or "", **profile_arguments(form))
    )
    if created:
        flash(_("Organisation %(code)s created.", code=created.code), "success")
        return redirect(url_for(".detail", code=created.code))
    return render_template("organisations/form.html", form=form, organisation=None), form_status(form)


@bp.route("/<code>")
@login_required
def detail(code: str) -> str:
    organisation = _visible_or_404(code)
    today = local_today()
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        history=history("organisations", organisation.id),
        can_edit=current_user.has_role(*DEPARTMENT_ROLES),
        can_edit_contact=services.may_edit_contact(current_user, organisation),
        can_add_credentials=organisation.is_provider and may_manage_credentials(current_user, organisation),
        credentials=credentials_of(organisation),
        can_review=current_user.has_role(*DEPARTMENT_ROLES),
        review_form=ReviewForm(),
        state_of=lambda credential: credential_state(credential, today),
        today=today,
    )


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str) -> Response | tuple[str, int]:
    organisation = _visible_or_404(code)
    if not current_user.has_role(*DEPARTMENT_ROLES):
        abort(403)
    form = OrganisationEditForm(data=organisation_values(organisation))
    form.admin_unit.choices = _admin_unit_choices("—")
    if _saved(organisation, form, profile_arguments):
        return redirect(url_for(".detail", code=organisation.code))
    # A stale form stays visible with the values the user typed: their work is not lost.
    return render_template("organisations/form.html", form=form, organisation=organisation), form_status(form)


@bp.route("/<code>/contact", methods=["GET", "POST"])
@login_required
def edit_contact(code: str) -> Response | tuple[str, int]:
    """The address, administrative unit and sectors: the organisation's managers change them too."""
    organisation = _visible_or_404(code)
    if not services.may_edit_contact(current_user, organisation):
        abort(403)
    form = ContactForm(data=organisation_values(organisation))
    form.admin_unit.choices = _admin_unit_choices("—")
    if _saved(organisation, form, contact_arguments):
        return redirect(url_for(".detail", code=organisation.code))
    return render_template(
        "organisations/form.html", form=form, organisation=organisation, contact_only=True
    ), form_status(form)


def _saved(organisation: Organisation, form: Any, arguments: Callable[[Any], dict[str, Any]]) -> bool:
    """Apply the edit form (the full profile or the contact details) with its reason and version."""
    saved = submitted(
        form,
        lambda: services.update_organisation(
            organisation,
            actor=current_user,
            reason=form.reason.data,
            version=form.version.data,
            **arguments(form),
        ),
    )
    if saved:
        flash(_("Changes saved."), "success")
    return saved is not None


@bp.context_processor
def _labels() -> dict[str, Any]:
    return template_labels()
