from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from registry.auth import services, sessions
from registry.auth.forms import ChangePasswordForm, LanguageForm, LoginForm, LogoutForm
from registry.auth.login import client_address
from registry.core.errors import ServiceError
from registry.core.forms import apply_service_error
from registry.i18n import LANGUAGE_KEY

bp = Blueprint("auth", __name__)


def is_local_path(target: str | None) -> bool:
    """Whether ``target`` is a path on this site that a redirect may safely lead to: it starts with one
    "/" and carries no scheme, no host, no backslash and no control or invisible character (a CR or LF
    would break the Location header), neither as sent nor once percent-decoded."""
    if not target:
        return False
    for text in (target, unquote(target)):
        if not text.startswith("/") or text.startswith("//") or "\\" in text:
            return False
        if any(unicodedata.category(char)[0] == "C" or char in "\u2028\u2029" for char in text):
            return False
    try:
        parts = urlsplit(target)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None) -> str:
    """``target`` when it is a path on this site; the home page otherwise (no open redirects, no
    header injection)."""
    return target if target is not None and is_local_path(target) else url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if not is_local_path(form.next.data):
        # The page never carries a target that the login would refuse to follow.
        form.next.data = ""
    if form.validate_on_submit():
        try:
            user = sessions.authenticate(
                form.email.data or "", form.password.data or "", address=client_address()
            )
        except sessions.LoginThrottled as throttled:
            form.form_errors.append(_("Too many failed attempts. Wait a few minutes and try again."))
            response = make_response(render_template("auth/login.html", form=form), 429)
            response.headers["Retry-After"] = str(throttled.retry_after)
            return response
        if user is not None:
            # A fresh session at login: nothing an attacker planted before it survives.
            language = session.get(LANGUAGE_KEY)
            session.clear()
            if language:
                session[LANGUAGE_KEY] = language
            sessions.start_session(user, address=client_address())
            login_user(user)
            return redirect(safe_next(form.next.data))
        form.form_errors.append(_("The e-mail address or the password is not correct."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    form = LogoutForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated and current_user.current_session_key:
        sessions.end_session(current_user.current_session_key)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | str | tuple[str, int]:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user,
                current_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
            )
        except ServiceError as error:
            apply_service_error(form, error)
            return render_template("auth/change_password.html", form=form), 422
        logout_user()
        session.clear()
        flash(_("Your password has been changed. Log in with the new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language", methods=["POST"])
def set_language() -> Response:
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    session[LANGUAGE_KEY] = form.lang.data
    if current_user.is_authenticated:
        services.set_locale(current_user, form.lang.data or "vi")
    return redirect(safe_next(form.next.data))
