"""Notification pages: the inbox (filter by kind, mark read, mark all read), the Department's daily
digest, an organisation's reminder settings and the outbox's delivery state."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from registry.auth import policy
from registry.auth.models import User
from registry.core.dates import iso_date, local_today
from registry.core.errors import NotFoundError
from registry.core.forms import form_status, submitted
from registry.core.pagination import list_url
from registry.extensions import db
from registry.items.status import STATUS_LABELS
from registry.notifications import services
from registry.notifications.digest import digest_rows
from registry.notifications.entries import KIND_LABELS, entries
from registry.notifications.forms import ActionForm, RecipientForm, StagesForm
from registry.notifications.models import NotificationKind, OrganisationNotificationSettings
from registry.organisations.models import Organisation

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_context_processor
def _unread() -> dict[str, Any]:
    """The header's unread count, asked only by pages that show the header for a logged-in user."""
    return {
        "unread_notifications": lambda: services.unread_count(current_user),
        "status_word": lambda status: str(STATUS_LABELS[status]),
    }


def _kind() -> str | None:
    kind = request.args.get("kind") or None
    if kind is not None and kind not in {k.value for k in NotificationKind}:
        abort(400)
    return kind


@bp.route("/")
@login_required
def index() -> str:
    kind = _kind()
    today = local_today()
    result = services.inbox_page(current_user, kind)
    return render_template(
        "notifications/index.html",
        entries=entries(result.items, today),
        result=result,
        list_url=list_url,
        kind=kind,
        kind_labels=KIND_LABELS,
        action_form=ActionForm(),
        receives_mail=services.receives_mail(current_user),
        may_change_settings=policy.permits(
            current_user,
            OrganisationNotificationSettings(current_user.organisation),
            policy.Permission.CHANGE,
        ),
    )


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int) -> Response:
    notification = services.get_notification(current_user, notification_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user, notification)
    listed = entries([notification], local_today())
    return redirect(listed[0].url or url_for(".index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all() -> Response:
    kind = _kind()
    if not ActionForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(current_user, kind)
    flash(_("%(count)d notification(s) marked read.", count=count), "success")
    return redirect(url_for(".index", kind=kind))


@bp.route("/digest/<day>")
@login_required
def digest(day: str) -> str:
    if not policy.is_department(current_user):
        abort(404)
    try:
        on = iso_date(day)
    except ValueError:
        abort(404)
    return render_template("notifications/digest.html", day=on, rows=digest_rows(on))


def _settings_organisation() -> Organisation:
    code = request.args.get("org")
    organisation = (
        db.session.scalar(db.select(Organisation).where(Organisation.code == code)) if code else None
    )
    if code and (organisation is None or not policy.can_see(current_user, organisation)):
        abort(404)
    organisation = organisation or current_user.organisation
    if not policy.permits(
        current_user, OrganisationNotificationSettings(organisation), policy.Permission.CHANGE
    ):
        abort(403)
    return organisation


def _settings_url(organisation: Organisation) -> str:
    if organisation.id == current_user.organisation_id:
        return url_for(".settings")
    return url_for(".settings", org=organisation.code)


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> Response | str | tuple[str, int]:
    organisation = _settings_organisation()
    form = StagesForm(data={"stages": ", ".join(str(s) for s in services.stages_of(organisation))})
    if (
        submitted(form, lambda: services.set_stages(current_user, organisation, form.stages.data or ""))
        is not None
    ):
        flash(_("Reminder stages saved."), "success")
        return redirect(_settings_url(organisation))
    return render_template(
        "notifications/settings.html",
        organisation=organisation,
        form=form,
        recipients=services.recipient_choices(organisation),
        recipient_form=RecipientForm(formdata=None),
    ), form_status(form)


@bp.route("/recipients/<int:user_id>", methods=["POST"])
@login_required
def recipient(user_id: int) -> Response:
    user = db.session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None:
        abort(404)
    form = RecipientForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.set_receives(current_user, user, form.receives.data == "1")
    except NotFoundError:
        abort(404)
    flash(_("E-mail recipients saved."), "success")
    if user.id == current_user.id and not policy.permits(
        current_user, OrganisationNotificationSettings(user.organisation), policy.Permission.CHANGE
    ):
        return redirect(url_for(".index"))
    return redirect(_settings_url(user.organisation))


@bp.route("/outbox")
@login_required
def outbox() -> str:
    if not policy.is_department(current_user):
        abort(404)
    return render_template("notifications/outbox.html", messages=services.outbox_messages(current_user))
