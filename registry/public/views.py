"""The public pages (no login): a certificate by the token of its QR code, the lookup by lab and number,
and the public link and QR code that the pages of events show to those who may see them; the Department's
view of the lookups; attaching a certificate's PDF (its lab) and downloading it (those who see the event)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from flask import Blueprint, flash, make_response, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from registry.api import limits
from registry.auth.login import client_address
from registry.auth.policy import Permission
from registry.core.dates import clean_date
from registry.core.errors import NotFoundError, ServiceError
from registry.core.forms import apply_service_error, form_status
from registry.core.models import utcnow
from registry.events.models import Event
from registry.events.revisions import get_event
from registry.items.labels import type_name
from registry.public import certificate_files
from registry.public.certificate_files import TooLargeError, files_of, get_file
from registry.public.forms import CertificateFileForm, LookupForm
from registry.public.labels import VERDICT_CLASSES, VERDICT_LABELS, VERDICT_NOTES
from registry.public.qr import qr_svg
from registry.public.report import lookup_report
from registry.public.services import PublicCertificate, by_number, by_token, is_public

bp = Blueprint("public", __name__)


def public_url(event: Event) -> str | None:
    """The address a certificate's QR code carries, absolute (it is printed), or None when not public."""
    if not is_public(event):
        return None
    return url_for("public.verify", token=event.verification_token, _external=True)


@bp.app_context_processor
def _public_helpers() -> dict[str, Any]:
    return {"public_url": public_url, "qr_svg": qr_svg, "certificate_files_of": files_of}


def _certificate_page(certificate: PublicCertificate) -> str:
    return render_template(
        "public/certificate.html",
        certificate=certificate,
        verdict_label=VERDICT_LABELS[certificate.verdict],
        verdict_note=VERDICT_NOTES[certificate.verdict],
        verdict_class=VERDICT_CLASSES[certificate.verdict],
        type_name=type_name,
    )


@bp.route("/verify/<token>")
def verify(token: str) -> Response | str:
    try:
        certificate = by_token(token)
    except NotFoundError:
        page = render_template("public/not_found.html", form=LookupForm(formdata=None))
        return make_response(page, 404)
    return _certificate_page(certificate)


@bp.route("/verify")
def lookup() -> Response | str:
    """The form, and its answer: counted against the client's address with the API's public lookups (one
    limit, kept in the database, whichever worker answers)."""
    form = LookupForm(request.args)
    if not request.args:
        return render_template("public/lookup.html", form=form)
    allowance = limits.count_request("", client_address(), utcnow())
    if allowance is not None and allowance.exceeded:
        response = make_response(render_template("public/lookup.html", form=form, too_many=True), 429)
        response.headers["Retry-After"] = str(allowance.reset)
        return response
    try:
        certificate = by_number(
            form.provider.data or "", number=form.number.data or "", stamp=form.stamp.data or ""
        )
    except NotFoundError:
        return make_response(render_template("public/lookup.html", form=form, not_found=True), 404)
    except ServiceError as error:
        apply_service_error(form, error)
        return make_response(render_template("public/lookup.html", form=form), 422)
    return _certificate_page(certificate)


@bp.route("/verify/lookups")
@login_required
def lookups() -> str:
    """The Department's view of the public lookups (counts per certificate and day)."""
    try:
        since = clean_date(request.args.get("since"), field="since", required=False)
    except ServiceError:
        since = None
    rows = lookup_report(current_user, since if isinstance(since, date) else None)
    return render_template("public/lookups.html", rows=rows)


@bp.route("/events/<int:event_id>/file", methods=["GET", "POST"])
@login_required
def attach_file(event_id: int) -> Response:
    event = get_event(current_user, event_id, Permission.CHANGE)
    form = CertificateFileForm()
    status = 200
    if form.is_submitted() and not form.validate():
        status = form_status(form)
    elif form.is_submitted():
        upload = form.file.data
        try:
            certificate_files.attach_file(
                current_user,
                event,
                filename=upload.filename if upload else "",
                data=upload.read() if upload else b"",
            )
        except ServiceError as error:
            apply_service_error(form, error)
            status = 413 if isinstance(error, TooLargeError) else 422
        else:
            flash(_("The certificate file is attached."), "success")
            return redirect(url_for("events.detail", event_id=event.id))
    page = render_template("public/attach.html", form=form, event=event, files=files_of(event))
    return make_response(page, status)


@bp.route("/events/<int:event_id>/file/<int:file_id>")
@login_required
def download_file(event_id: int, file_id: int) -> Response:
    event = get_event(current_user, event_id)
    record, path = get_file(event, file_id)
    # Read whole (at most CERTIFICATE_FILE_MAX_BYTES): no file handle left open to a response not read.
    return send_file(
        io.BytesIO(path.read_bytes()),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=record.original_name,
        max_age=0,
    )
