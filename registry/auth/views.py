from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
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
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from registry.auth import policy, services, sessions, totp
from registry.auth.forms import (
    ChangePasswordForm,
    LanguageForm,
    LoginCodeForm,
    LoginForm,
    LogoutForm,
    NewPhoneForm,
    RecoveryCodesForm,
    TwoFactorConfirmForm,
    TwoFactorOffForm,
    TwoFactorStartForm,
)
from registry.auth.login import client_address
from registry.auth.models import User
from registry.core.errors import ServiceError
from registry.core.forms import apply_service_error, submitted
from registry.core.models import utcnow
from registry.extensions import db
from registry.i18n import LANGUAGE_KEY

bp = Blueprint("auth", __name__)

# Between the password and the code: who, since when, and where to go after.
PENDING_LOGIN_KEY = "two_factor_login"
# What an account that must set up two-factor sign-in may still reach before it has.
OPEN_WHILE_ENROLLING = frozenset({"static", "home.health", "home.security_txt"})
# The page's forms each ask for a code: those after the first get other names and ids.
NEW_PHONE_PREFIX = "phone"
OFF_PREFIX = "off"


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


def _throttled(template: str, form: FlaskForm, throttled: sessions.LoginThrottled) -> Response:
    form.form_errors.append(str(sessions.TOO_MANY_FAILURES))
    response = make_response(render_template(template, form=form), 429)
    response.headers["Retry-After"] = str(throttled.retry_after)
    return response


def _fresh_session(**values: object) -> None:
    """Nothing an attacker planted in the session before the login survives it; the language does."""
    language = session.get(LANGUAGE_KEY)
    session.clear()
    if language:
        session[LANGUAGE_KEY] = language
    session.update(values)


def log_in_and_go(user: User, target: str | None) -> Response:
    """Start ``user``'s session (after its password, its code, or a link that set its password) and go
    on to ``target``, or first to set up two-factor sign-in when its role requires it."""
    _fresh_session()
    sessions.start_session(user, address=client_address())
    login_user(user)
    if policy.must_use_two_factor(user) and not user.two_factor_on:
        flash(_("Your account must use two-factor sign-in. Set it up now: it takes a minute."), "warning")
        return redirect(url_for("auth.two_factor"))
    return redirect(safe_next(target))


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
            return _throttled("auth/login.html", form, throttled)
        if user is not None and user.two_factor_on:
            pending = {
                "user": user.id,
                "at": utcnow().isoformat(),
                # A password changed meanwhile (by the real user, say) ends the pending login.
                "password_changed_at": user.password_changed_at.isoformat(),
                "next": form.next.data,
            }
            _fresh_session(**{PENDING_LOGIN_KEY: pending})
            return redirect(url_for("auth.login_code"))
        if user is not None:
            return log_in_and_go(user, form.next.data)
        form.form_errors.append(_("The e-mail address or the password is not correct."))
    return render_template("auth/login.html", form=form)


def _pending_login() -> tuple[User, str] | None:
    """The user whose password was accepted a moment ago and who has still to enter a code."""
    pending = session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict):
        return None
    try:
        since = datetime.fromisoformat(pending["at"])
        user = db.session.get(User, int(pending["user"]))
    except (KeyError, TypeError, ValueError):
        return None
    lifetime = timedelta(minutes=current_app.config["TWO_FACTOR_LOGIN_MINUTES"])
    if (
        user is None
        or not user.active
        or not user.two_factor_on
        or utcnow() - since > lifetime
        or pending.get("password_changed_at") != user.password_changed_at.isoformat()
    ):
        return None
    return user, str(pending.get("next") or "")


@bp.route("/login/code", methods=["GET", "POST"])
def login_code() -> Response | str | tuple[str, int]:
    """The second step of a login with two-factor sign-in: a code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    pending = _pending_login()
    if pending is None:
        session.pop(PENDING_LOGIN_KEY, None)
        flash(_("Log in again: the code was not entered in time."), "warning")
        return redirect(url_for("auth.login"))
    user, target = pending
    form = LoginCodeForm()
    if form.validate_on_submit():
        try:
            sessions.require_second_factor(user, form.code.data, address=client_address())
        except sessions.LoginThrottled as throttled:
            return _throttled("auth/login_code.html", form, throttled)
        except sessions.SecondFactorLocked:
            form.form_errors.append(str(sessions.SECOND_FACTOR_LOCKED))
            return render_template("auth/login_code.html", form=form), 429
        except ServiceError as error:
            apply_service_error(form, error)
            return render_template("auth/login_code.html", form=form), 422
        return log_in_and_go(user, target)
    return render_template("auth/login_code.html", form=form)


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


@bp.before_app_request
def _enrol_first() -> Response | None:
    """An account that must use two-factor sign-in and has not set it up reaches nothing else first."""
    if (
        request.endpoint is None
        or request.blueprint == "auth"
        or request.endpoint in OPEN_WHILE_ENROLLING
        or request.path.startswith("/api/")
        or not current_user.is_authenticated
        or not policy.must_use_two_factor(current_user)
        or current_user.two_factor_on
    ):
        return None
    return redirect(url_for("auth.two_factor"))


def _two_factor_page(status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    """The account's two-factor page: how to set it up, or what can be done now that it is on."""
    two_factor = current_user.two_factor
    enrolment = None
    if two_factor is not None and two_factor.pending_secret is not None:
        uri = totp.enrolment_uri(
            two_factor.pending_secret,
            account=current_user.email,
            issuer=current_app.config["TWO_FACTOR_ISSUER"],
        )
        enrolment = {"qr_code": totp.qr_code_data_uri(uri), "secret": totp.grouped(two_factor.pending_secret)}
    page_forms = {
        "start_form": TwoFactorStartForm(formdata=None),
        "confirm_form": TwoFactorConfirmForm(formdata=None),
        "codes_form": RecoveryCodesForm(formdata=None),
        "phone_form": NewPhoneForm(formdata=None, prefix=NEW_PHONE_PREFIX),
        "off_form": TwoFactorOffForm(formdata=None, prefix=OFF_PREFIX),
        **forms,
    }
    return render_template(
        "auth/two_factor.html",
        enrolment=enrolment,
        required=policy.must_use_two_factor(current_user),
        codes_left=services.unused_recovery_codes(current_user) if current_user.two_factor_on else 0,
        **page_forms,
    ), status


def _recovery_codes_page(codes: list[str]) -> str:
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/account/two-factor")
@login_required
def two_factor() -> tuple[str, int]:
    return _two_factor_page()


@bp.route("/account/two-factor/start", methods=["POST"])
@login_required
def two_factor_start() -> Response | tuple[str, int]:
    form = TwoFactorStartForm()
    if submitted(
        form,
        lambda: services.start_two_factor(
            current_user, password=form.password.data, code=None, address=client_address()
        ),
    ):
        return redirect(url_for("auth.two_factor"))
    return _two_factor_page(422, start_form=form)


@bp.route("/account/two-factor/confirm", methods=["POST"])
@login_required
def two_factor_confirm() -> str | tuple[str, int]:
    form = TwoFactorConfirmForm()
    codes = submitted(form, lambda: services.confirm_two_factor(current_user, form.code.data))
    if codes:
        flash(_("Two-factor sign-in is on."), "success")
        return _recovery_codes_page(codes)
    return _two_factor_page(422, confirm_form=form)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_recovery_codes() -> str | tuple[str, int]:
    form = RecoveryCodesForm()
    codes = submitted(
        form, lambda: services.replace_recovery_codes(current_user, form.code.data, address=client_address())
    )
    if codes:
        return _recovery_codes_page(codes)
    return _two_factor_page(422, codes_form=form)


@bp.route("/account/two-factor/new-phone", methods=["POST"])
@login_required
def two_factor_new_phone() -> Response | tuple[str, int]:
    form = NewPhoneForm(prefix=NEW_PHONE_PREFIX)
    if submitted(
        form,
        lambda: services.start_two_factor(
            current_user, password=form.password.data, code=form.code.data, address=client_address()
        ),
    ):
        flash(_("Until you confirm the new phone, the app in use keeps working."), "info")
        return redirect(url_for("auth.two_factor"))
    return _two_factor_page(422, phone_form=form)


@bp.route("/account/two-factor/off", methods=["POST"])
@login_required
def two_factor_off() -> Response | tuple[str, int]:
    form = TwoFactorOffForm(prefix=OFF_PREFIX)
    if form.validate_on_submit():
        try:
            services.turn_off_two_factor(
                current_user, password=form.password.data, code=form.code.data, address=client_address()
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            flash(_("Two-factor sign-in is off."), "info")
            return redirect(url_for("auth.two_factor"))
    return _two_factor_page(422, off_form=form)
