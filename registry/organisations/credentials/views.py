"""Pages of a provider's credentials: add, show (with state and history), amend, confirm or reject.

Each kind has its own routes (``/organisations/<code>/registrations/new``…), built from :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from registry.audit.services import history
from registry.catalogue.models import InstrumentType
from registry.core.errors import NotFoundError
from registry.core.forms import form_status, submitted
from registry.extensions import db
from registry.i18n import select_locale
from registry.organisations.credentials import services
from registry.organisations.credentials.forms import (
    EDIT_FORMS,
    AccreditationForm,
    DesignationForm,
    RegistrationForm,
    ReviewForm,
    VerifierForm,
)
from registry.organisations.credentials.state import (
    credential_state,
    get_visible_credential,
    local_today,
    pending_credentials,
)
from registry.organisations.labels import template_labels
from registry.organisations.models import Accreditation, Designation, Organisation, Registration, Verifier
from registry.organisations.services import get_visible_organisation

bp = Blueprint("credentials", __name__, url_prefix="/organisations")


@dataclass(frozen=True)
class KindView:
    name: str  # endpoint stem: registration
    path: str  # URL segment and audit table: registrations
    model: Any
    form: type[FlaskForm]
    title: Any
    new_title: Any
    # Fields only the Department sets (revocation, suspension): left out of other users' forms.
    department_only: tuple[str, ...] = ()


KINDS = (
    KindView(
        "registration",
        "registrations",
        Registration,
        RegistrationForm,
        _l("Registration"),
        _l("New registration"),
        ("revoked_on",),
    ),
    KindView(
        "accreditation",
        "accreditations",
        Accreditation,
        AccreditationForm,
        _l("Accreditation"),
        _l("New accreditation"),
        ("suspension",),
    ),
    KindView(
        "designation", "designations", Designation, DesignationForm, _l("Designation"), _l("New designation")
    ),
    KindView("verifier", "verifiers", Verifier, VerifierForm, _l("Verifier"), _l("New verifier")),
)


KIND_OF = {kind.model: kind for kind in KINDS}


def _organisation_or_404(code: str) -> Organisation:
    try:
        return get_visible_organisation(current_user, code)
    except NotFoundError:
        abort(404)


def _credential_or_404(kind: KindView, organisation: Organisation, credential_id: int) -> Any:
    try:
        return get_visible_credential(kind.model, current_user, organisation, credential_id)
    except NotFoundError:
        abort(404)


def _type_choices() -> list[SelectChoice]:
    english = select_locale() == "en"
    return [
        SelectChoice(t.code, f"{t.code} — {t.name_en if english else t.name_vi}")
        for t in db.session.scalars(select(InstrumentType).order_by(InstrumentType.code))
    ]


def _prepare(kind: KindView, form: FlaskForm, *, new: bool) -> FlaskForm:
    if "type_codes" in form:
        form.type_codes.choices = _type_choices()
    for name in kind.department_only:
        if new or not services.is_department(current_user):
            delattr(form, name)
    return form


def _detail_url(kind: KindView, credential: Any) -> str:
    return url_for(f".{kind.name}", code=credential.organisation.code, credential_id=credential.id)


def _new(kind: KindView, code: str) -> Response | tuple[str, int]:
    organisation = _organisation_or_404(code)
    if not services.may_manage_credentials(current_user, organisation):
        abort(403)
    form = _prepare(kind, kind.form(), new=True)
    credential = submitted(
        form,
        lambda: services.create_credential(kind.model, organisation, actor=current_user, **form.arguments()),
    )
    if credential:
        flash(_("Saved."), "success")
        return redirect(_detail_url(kind, credential))
    return render_template(
        "credentials/form.html", form=form, kind=kind, organisation=organisation, credential=None
    ), form_status(form)


def _render_detail(
    kind: KindView, credential: Any, review_form: ReviewForm | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template(
        "credentials/detail.html",
        kind=kind,
        credential=credential,
        organisation=credential.organisation,
        state=credential_state(credential, local_today()),
        can_edit=services.may_manage_credentials(current_user, credential.organisation),
        can_review=services.is_department(current_user),
        review_form=review_form or ReviewForm(),
        history=history(kind.path, credential.id),
    ), status


def _detail(kind: KindView, code: str, credential_id: int) -> tuple[str, int]:
    credential = _credential_or_404(kind, _organisation_or_404(code), credential_id)
    return _render_detail(kind, credential)


def _edit(kind: KindView, code: str, credential_id: int) -> Response | tuple[str, int]:
    organisation = _organisation_or_404(code)
    credential = _credential_or_404(kind, organisation, credential_id)
    if not services.may_manage_credentials(current_user, organisation):
        abort(403)
    initial = {**kind.form.values(credential), "version": credential.version}
    form = _prepare(kind, EDIT_FORMS[kind.form](data=initial), new=False)
    amended = submitted(
        form,
        lambda: services.amend_credential(
            credential,
            actor=current_user,
            reason=form.reason.data,
            version=form.version.data,
            **form.arguments(),
        ),
    )
    if amended:
        flash(_("Changes saved."), "success")
        return redirect(_detail_url(kind, amended))
    return render_template(
        "credentials/form.html", form=form, kind=kind, organisation=organisation, credential=credential
    ), form_status(form)


def _review(kind: KindView, code: str, credential_id: int) -> Response | tuple[str, int]:
    organisation = _organisation_or_404(code)
    credential = _credential_or_404(kind, organisation, credential_id)
    if not services.is_department(current_user):
        abort(403)
    form = ReviewForm()
    reviewed = submitted(
        form,
        lambda: services.review_credential(
            credential, actor=current_user, decision=form.decision.data or "", reason=form.reason.data
        ),
    )
    if reviewed:
        flash(_("Confirmed.") if form.decision.data == "confirm" else _("Rejected."), "success")
        return redirect(_detail_url(kind, reviewed))
    return _render_detail(kind, credential, form, 422)


@bp.route("/pending-credentials")
@login_required
def pending() -> str:
    """Credentials awaiting confirmation: the Department's work queue (others see their own)."""
    today = local_today()
    return render_template(
        "credentials/pending.html",
        entries=[(KIND_OF[type(credential)], credential) for credential in pending_credentials(current_user)],
        state_of=lambda credential: credential_state(credential, today),
    )


def _named(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    function.__name__ = name
    function.__qualname__ = name
    return login_required(function)


def _register(kind: KindView) -> None:
    def new(code: str) -> Response | tuple[str, int]:
        return _new(kind, code)

    def detail(code: str, credential_id: int) -> tuple[str, int]:
        return _detail(kind, code, credential_id)

    def edit(code: str, credential_id: int) -> Response | tuple[str, int]:
        return _edit(kind, code, credential_id)

    def review(code: str, credential_id: int) -> Response | tuple[str, int]:
        return _review(kind, code, credential_id)

    one = f"/<code>/{kind.path}/<int:credential_id>"
    bp.add_url_rule(
        f"/<code>/{kind.path}/new", view_func=_named(new, f"new_{kind.name}"), methods=["GET", "POST"]
    )
    bp.add_url_rule(one, view_func=_named(detail, kind.name))
    bp.add_url_rule(f"{one}/edit", view_func=_named(edit, f"edit_{kind.name}"), methods=["GET", "POST"])
    bp.add_url_rule(f"{one}/review", view_func=_named(review, f"review_{kind.name}"), methods=["POST"])


for _kind in KINDS:
    _register(_kind)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return template_labels()
