"""Attaching the PDF certificate to an event (its lab), and downloading it (those who see the event)."""

from __future__ import annotations

import io

from flask import Blueprint, flash, make_response, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from registry.auth.policy import Permission
from registry.core.errors import ServiceError
from registry.core.forms import apply_service_error, form_status
from registry.events.revisions import get_event
from registry.public.certificate_files import TooLargeError, attach_file, files_of, get_file
from registry.public.forms import CertificateFileForm

bp = Blueprint("certificate_files", __name__)


@bp.route("/events/<int:event_id>/file", methods=["GET", "POST"])
@login_required
def attach(event_id: int) -> Response:
    event = get_event(current_user, event_id, Permission.CHANGE)
    form = CertificateFileForm()
    status = 200
    if form.is_submitted() and not form.validate():
        status = form_status(form)
    elif form.is_submitted():
        upload = form.file.data
        try:
            attach_file(
                current_user, event, filename=upload.filename or "", data=upload.read() if upload else b""
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
def download(event_id: int, file_id: int) -> Response:
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
