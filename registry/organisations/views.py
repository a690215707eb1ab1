from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from registry.audit.services import history
from registry.auth.models import DEPARTMENT_ROLES
from registry.auth.permissions import roles_required
from registry.core.errors import NotFoundError, ServiceError
from registry.core.forms import apply_service_error
from registry.extensions import db
from registry.organisations import services
from registry.organisations.forms import OrganisationEditForm, OrganisationForm
from registry.organisations.models import Organisation

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _visible_or_404(code: str) -> Organisation:
    try:
        return services.get_visible_organisation(current_user, code)
    except NotFoundError:
        abort(404)


@bp.route("/")
@login_required
def index() -> str:
    organisations = db.session.scalars(
        services.visible_organisations(current_user).order_by(Organisation.name)
    ).all()
    return render_template("organisations/index.html", organisations=organisations)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*DEPARTMENT_ROLES)
def create() -> Response | str | tuple[str, int]:
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            organisation = services.create_organisation(
                code=form.code.data or "", name=form.name.data or "", kinds=form.kinds.data or []
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Organisation %(code)s created.", code=organisation.code), "success")
            return redirect(url_for(".detail", code=organisation.code))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("organisations/form.html", form=form, organisation=None), status


@bp.route("/<code>")
@login_required
def detail(code: str) -> str:
    organisation = _visible_or_404(code)
    return render_template(
        "organisations/detail.html",
        organisation=organisation,
        history=history("organisations", organisation.id),
        can_edit=current_user.has_role(*DEPARTMENT_ROLES),
    )


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str) -> Response | str | tuple[str, int]:
    organisation = _visible_or_404(code)
    if not current_user.has_role(*DEPARTMENT_ROLES):
        abort(403)
    form = OrganisationEditForm(obj=organisation)
    if form.validate_on_submit():
        try:
            services.update_organisation(
                organisation,
                reason=form.reason.data,
                version=form.version.data,
                name=form.name.data,
                kinds=form.kinds.data or [],
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".detail", code=organisation.code))
    elif not form.is_submitted():
        form.kinds.data = organisation.kinds
    status = 422 if form.errors or form.form_errors else 200
    # A stale form stays visible with the values the user typed: their work is not lost.
    return render_template("organisations/form.html", form=form, organisation=organisation), status
