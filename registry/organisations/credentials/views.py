"""Pages of a provider's credentials: add, show (with state and history), amend, confirm or reject.

Each kind has its own endpoints (``credentials.new_registration``, ``credentials.registration``…) on the
same view functions, which take the kind from the route's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from registry.auth import policy
from registry.auth.policy import Permission
from registry.catalogue.models import InstrumentType
from registry.core.dates import local_today
from registry.core.forms import form_status, submitted
from registry.extensions import db
from registry.i18n import select_locale
from registry.organisations.credentials import services
from registry.organisations.credentials.forms import (
    AccreditationForm,
    DesignationForm,
    EditAccreditationForm,
    EditDesignationForm,
    EditRegistrationForm,
    EditVerifierForm,
    RegistrationForm,
    ReviewForm,
    VerifierForm,
)
from registry.organisations.credentials.state import (
    EXPIRING_DAYS,
    credential_state,
    expiring_credentials,
    get_credential,
    history_of,
    pending_credentials,
)
from registry.organisations.labels import template_labels
from registry.organisations.models import Accreditation, Designation, Registration, Verifier
from registry.organisations.services import get_organisation

bp = Blueprint("credentials", __name__, url_prefix="/organisations")


@dataclass(frozen=True)
class KindView:
    name: str  # endpoint stem: registration
    path: str  # URL segment and audit table: registrations
    model: Any
    form: type[FlaskForm]
    edit_form: type[FlaskForm]
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
        EditRegistrationForm,
        _l("Registration"),
        _l("New registration"),
        ("revoked_on",),
    ),
    KindView(
        "accreditation",
        "accreditations",
        Accreditation,
        AccreditationForm,
        EditAccreditationForm,
        _l("Accreditation"),
        _l("New accreditation"),
        ("suspension",),
    ),
    KindView(
        "designation",
        "designations",
        Designation,
        DesignationForm,
        EditDesignationForm,
        _l("Designation"),
        _l("New designation"),
    ),
    KindView(
        "verifier", "verifiers", Verifier, VerifierForm, EditVerifierForm, _l("Verifier"), _l("New verifier")
    ),
)
KIND_OF = {kind.model: kind for kind in KINDS}
KIND_NAMED = {kind.name: kind for kind in KINDS}


def _type_choices() -> list[SelectChoice]:
    english = select_locale() == "en"
    return [
        SelectChoice(t.code, f"{t.code} — {t.name_en if english else t.name_vi}")
        for t in db.session.scalars(select(InstrumentType).order_by(InstrumentType.code))
    ]


def _prepare(kind: KindView, form: FlaskForm, credential: Any = None) -> FlaskForm:
    """The catalogue's types as choices; the Department's own fields (revocation, suspension) only on its
    amendment of an existing credential."""
    if "type_codes" in form:
        form.type_codes.choices = _type_choices()
    may_revoke = credential is not None and policy.permits(current_user, credential, Permission.REVOKE)
    for name in kind.department_only:
        if not may_revoke:
            delattr(form, name)
    return form


def _detail_url(kind: KindView, credential: Any) -> str:
    return url_for(f".{kind.name}", code=credential.organisation.code, credential_id=credential.id)


@login_required
def new(code: str, kind_name: str) -> Response | tuple[str, int]:
    kind = KIND_NAMED[kind_name]
    organisation = get_organisation(current_user, code, Permission.MANAGE_CREDENTIALS)
    form = _prepare(kind, kind.form())
    credential = submitted(
        form, lambda: services.create_credential(current_user, kind.model, organisation, form.arguments())
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
        can_edit=policy.permits(current_user, credential, Permission.CHANGE),
        can_review=policy.permits(current_user, credential, Permission.REVIEW),
        review_form=review_form or ReviewForm(),
        history=history_of(current_user, credential),
    ), status


def _credential(kind: KindView, code: str, credential_id: int, permission: Permission) -> Any:
    organisation = get_organisation(current_user, code)
    return get_credential(current_user, kind.model, organisation, credential_id, permission)


@login_required
def detail(code: str, credential_id: int, kind_name: str) -> tuple[str, int]:
    kind = KIND_NAMED[kind_name]
    return _render_detail(kind, _credential(kind, code, credential_id, Permission.VIEW))


@login_required
def edit(code: str, credential_id: int, kind_name: str) -> Response | tuple[str, int]:
    kind = KIND_NAMED[kind_name]
    credential = _credential(kind, code, credential_id, Permission.CHANGE)
    initial = {**kind.form.values(credential), "version": credential.version}
    form = _prepare(kind, kind.edit_form(data=initial), credential)
    amended = submitted(
        form,
        lambda: services.amend_credential(
            current_user, credential, form.arguments(), reason=form.reason.data, version=form.version.data
        ),
    )
    if amended:
        flash(_("Changes saved."), "success")
        return redirect(_detail_url(kind, amended))
    return render_template(
        "credentials/form.html",
        form=form,
        kind=kind,
        organisation=credential.organisation,
        credential=credential,
        sends_back=not policy.permits(current_user, credential, Permission.REVIEW),
    ), form_status(form)


@login_required
def review(code: str, credential_id: int, kind_name: str) -> Response | tuple[str, int]:
    kind = KIND_NAMED[kind_name]
    credential = _credential(kind, code, credential_id, Permission.REVIEW)
    form = ReviewForm()
    reviewed = submitted(
        form,
        lambda: services.review_credential(
            current_user, credential, decision=form.decision.data or "", reason=form.reason.data
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


@bp.route("/expiring-credentials")
@login_required
def expiring() -> str:
    """Accreditations, designations and verifier cards ending within 60 days (the Department: all)."""
    today = local_today()
    return render_template(
        "credentials/pending.html",
        heading=_("Credentials expiring within %(days)d days", days=EXPIRING_DAYS),
        empty=_("Nothing expires within %(days)d days.", days=EXPIRING_DAYS),
        entries=[
            (KIND_OF[type(credential)], credential)
            for credential in expiring_credentials(current_user, today)
        ],
        state_of=lambda credential: credential_state(credential, today),
    )


for _kind in KINDS:
    _one = f"/<code>/{_kind.path}/<int:credential_id>"
    _defaults = {"kind_name": _kind.name}
    bp.add_url_rule(
        f"/<code>/{_kind.path}/new", f"new_{_kind.name}", new, methods=["GET", "POST"], defaults=_defaults
    )
    bp.add_url_rule(_one, _kind.name, detail, defaults=_defaults)
    bp.add_url_rule(f"{_one}/edit", f"edit_{_kind.name}", edit, methods=["GET", "POST"], defaults=_defaults)
    bp.add_url_rule(f"{_one}/review", f"review_{_kind.name}", review, methods=["POST"], defaults=_defaults)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return template_labels()
