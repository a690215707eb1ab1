"""An organisation's users (its managers' and the Department's), and the pages a link sent by e-mail
opens: accepting an invitation, asking for a password reset and setting the new password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from registry.auth import policy, tokens
from registry.auth.login import client_address
from registry.auth.models import TokenPurpose, User
from registry.auth.policy import Permission
from registry.auth.sessions import LoginThrottled
from registry.auth.views import log_in_and_go
from registry.core.forms import form_status, submitted
from registry.organisations.models import Organisation, OrganisationUsers
from registry.users import services
from registry.users.forms import ActionForm, ForgotPasswordForm, InviteForm, NewPasswordForm, RolesForm
from registry.users.labels import ROLE_LABELS, STATE_BADGES, STATE_LABELS
from registry.users.recovery import request_password_reset

bp = Blueprint("users", __name__)

USERS = "/organisations/<code>/users"
ONE_USER = USERS + "/<int:user_id>"


def _index_page(organisation: Organisation, invite_form: InviteForm | None = None) -> str:
    rows = services.list_users(current_user, organisation)
    may_manage = policy.permits(current_user, OrganisationUsers(organisation), Permission.MANAGE_USERS)
    if invite_form is None and may_manage:
        invite_form = InviteForm(formdata=None)
    if invite_form is not None:
        invite_form.role.choices = services.role_choices(current_user, organisation)
    return render_template(
        "users/index.html",
        organisation=organisation,
        rows=rows,
        invite_form=invite_form if may_manage else None,
    )


@bp.route(USERS + "/")
@login_required
def index(code: str) -> str:
    return _index_page(services.users_of(current_user, code))


@bp.route(USERS + "/invite", methods=["POST"])
@login_required
def invite(code: str) -> Response | tuple[str, int]:
    organisation = services.users_of(current_user, code, Permission.MANAGE_USERS)
    form = InviteForm()
    invited = submitted(
        form,
        lambda: services.invite_user(
            current_user, organisation, email=form.email.data, name=form.name.data, roles=form.role.data
        ),
    )
    if invited:
        flash(_("Invitation sent to %(email)s.", email=invited.email), "success")
        return redirect(url_for(".index", code=organisation.code))
    return _index_page(organisation, form), form_status(form)


def _user_page(organisation: Organisation, user: User, roles_form: RolesForm | None = None) -> str:
    manageable = policy.manages(current_user, user)
    if roles_form is None:
        roles_form = RolesForm(formdata=None, data={"role": [role.value for role in policy.roles_of(user)]})
    roles_form.role.choices = services.role_choices(current_user, organisation)
    return render_template(
        "users/user.html",
        organisation=organisation,
        row=services.row_of(current_user, user),
        roles_form=roles_form if manageable else None,
        action_form=ActionForm(formdata=None),
    )


@bp.route(ONE_USER)
@login_required
def user(code: str, user_id: int) -> str:
    organisation = services.users_of(current_user, code)
    return _user_page(organisation, services.get_user(current_user, organisation, user_id))


@bp.route(ONE_USER + "/roles", methods=["POST"])
@login_required
def change_roles(code: str, user_id: int) -> Response | tuple[str, int]:
    organisation = services.users_of(current_user, code, Permission.MANAGE_USERS)
    account = services.get_user(current_user, organisation, user_id, manage=True)
    form = RolesForm()
    if submitted(form, lambda: services.set_roles(current_user, account, form.role.data)):
        flash(_("Roles saved."), "success")
        return redirect(url_for(".user", code=organisation.code, user_id=account.id))
    return _user_page(organisation, account, form), form_status(form)


def _act(code: str, user_id: int, action: Any, done: str) -> Response:
    """One of the account's buttons: disable, re-enable, invite again."""
    organisation = services.users_of(current_user, code, Permission.MANAGE_USERS)
    account = services.get_user(current_user, organisation, user_id, manage=True)
    form = ActionForm()
    if submitted(form, lambda: action(current_user, account) or True):
        flash(done, "success")
    else:
        for message in form.form_errors or [_("The form has expired. Try again.")]:
            flash(message, "danger")
    return redirect(url_for(".user", code=organisation.code, user_id=account.id))


@bp.route(ONE_USER + "/disable", methods=["POST"])
@login_required
def disable(code: str, user_id: int) -> Response:
    return _act(code, user_id, services.disable_user, _("The account is disabled: its sessions have ended."))


@bp.route(ONE_USER + "/enable", methods=["POST"])
@login_required
def enable(code: str, user_id: int) -> Response:
    return _act(code, user_id, services.enable_user, _("The account is enabled again."))


@bp.route(ONE_USER + "/invite-again", methods=["POST"])
@login_required
def invite_again(code: str, user_id: int) -> Response:
    return _act(code, user_id, services.resend_invitation, _("A new invitation has been sent."))


def _logged_in_elsewhere() -> Response:
    flash(_("You are logged in. To use this link, log out first."), "warning")
    return redirect(url_for("home.index"))


def _link_page(token: str, purpose: TokenPurpose, template: str) -> Response | tuple[str, int]:
    """The page a link opens: the new password's form while the link is open."""
    if current_user.is_authenticated:
        return _logged_in_elsewhere()
    row = tokens.find(token, purpose)
    if row is None:
        return render_template("users/link_invalid.html", purpose=purpose.value), 404
    form = NewPasswordForm()
    changed = submitted(form, lambda: tokens.set_password(token, purpose, form.password.data))
    if changed is None:
        return render_template(template, form=form, account=row.user), form_status(form)
    if purpose is TokenPurpose.INVITATION:
        # After the login, which starts a fresh session (and so forgets what was flashed before it).
        response = log_in_and_go(changed, None)
        flash(_("Welcome! Your password is set and you are logged in."), "success")
        return response
    flash(_("Your password has been changed. Log in with the new password."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept(token: str) -> Response | tuple[str, int]:
    return _link_page(token, TokenPurpose.INVITATION, "users/accept.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset(token: str) -> Response | tuple[str, int]:
    return _link_page(token, TokenPurpose.PASSWORD_RESET, "users/reset.html")


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot() -> Response | tuple[str, int] | str:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            request_password_reset(form.email.data, address=client_address())
        except LoginThrottled as throttled:
            form.form_errors.append(_("Too many requests. Wait a few minutes and try again."))
            response = make_response(render_template("users/forgot.html", form=form), 429)
            response.headers["Retry-After"] = str(throttled.retry_after)
            return response
        flash(
            _(
                "If an account uses this address, a link to set a new password is on its way to it. "
                "It works once, for %(minutes)d minutes.",
                minutes=int(tokens.lifetime(TokenPurpose.PASSWORD_RESET).total_seconds() // 60),
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("users/forgot.html", form=form), form_status(form)


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {"role_labels": ROLE_LABELS, "state_labels": STATE_LABELS, "state_badges": STATE_BADGES}
