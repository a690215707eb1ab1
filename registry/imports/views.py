"""The import pages: upload a file (checked at once: every row's verdict), the preview, the confirmation,
the report of wrong values as CSV, and the blank templates.

The page imports while the user waits, up to ``IMPORT_WEB_MAX_ROWS`` rows (a larger file goes through
``flask import instruments``); the import is kept as a row, so its preview and outcome survive a reload.
"""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from registry.auth import policy
from registry.core.errors import ServiceError
from registry.core.export import CSV_MIMETYPE, XLSX_MIMETYPE, Column, csv_chunks
from registry.core.forms import form_status, submitted
from registry.core.pagination import page_number
from registry.imports import services
from registry.imports.blank import template_csv, template_xlsx
from registry.imports.forms import ConfirmForm, UploadForm
from registry.imports.models import ImportState

bp = Blueprint("imports", __name__)


@bp.app_context_processor
def _import_helpers() -> dict[str, Any]:
    return {
        "may_import": lambda: services.may_import(current_user) if current_user.is_authenticated else False
    }


PER_PAGE = 100
TEMPLATE_ROWS = 2000
Page = Response | str | tuple[str, int]


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/imports/template.xlsx")
@login_required
def template_xlsx_file() -> Response:
    return _download(template_xlsx(TEMPLATE_ROWS), XLSX_MIMETYPE, "mau-nhap-phuong-tien-do.xlsx")


@bp.route("/imports/template.csv")
@login_required
def template_csv_file() -> Response:
    return _download(template_csv(), CSV_MIMETYPE, "mau-nhap-phuong-tien-do.csv")


@bp.route("/imports/", methods=["GET", "POST"])
@login_required
def upload() -> Page:
    services.check_may_import(current_user)
    form = UploadForm()
    acts_for_anyone = policy.acts_for_anyone(current_user)

    def check() -> Any:
        upload = form.file.data
        if not upload or not upload.filename:
            raise ServiceError({"file": _l("Choose a file.")})
        return services.check_upload(
            current_user,
            organisation=form.organisation.data if acts_for_anyone else "",
            filename=upload.filename,
            content=upload.read(),
        )

    job = submitted(form, check)
    if job is not None:
        return redirect(url_for("imports.preview", job_id=job.id))
    return render_template(
        "imports/upload.html",
        form=form,
        acts_for_anyone=acts_for_anyone,
        jobs=services.recent_jobs(current_user),
        states=STATE_LABELS,
    ), form_status(form)


STATE_LABELS = {
    ImportState.CHECKED.value: _l("Ready to import"),
    ImportState.REFUSED.value: _l("Not imported: wrong rows"),
    ImportState.DONE.value: _l("Imported"),
}


@bp.route("/imports/<int:job_id>")
@login_required
def preview(job_id: int) -> Page:
    job = services.get_job(current_user, job_id)
    pages = max(1, math.ceil(len(job.report) / PER_PAGE))
    page = min(page_number(request.args.get("page")), pages)
    return render_template(
        "imports/preview.html",
        job=job,
        rows=job.report[(page - 1) * PER_PAGE : page * PER_PAGE],
        page=page,
        pages=pages,
        form=ConfirmForm(data={"version": job.version}),
        may_confirm=services.may_confirm(current_user, job),
        states=STATE_LABELS,
    )


@bp.route("/imports/<int:job_id>/confirm", methods=["POST"])
@login_required
def confirm(job_id: int) -> Page:
    job = services.get_job(current_user, job_id)
    services.check_may_confirm(current_user, job)
    form = ConfirmForm()
    done = submitted(form, lambda: services.confirm(current_user, job, version=form.version.data))
    if done is None:
        messages = [*form.form_errors, *(str(e) for errors in form.errors.values() for e in errors)]
        flash(" ".join(str(message) for message in messages) or _("Nothing was imported."), "danger")
        return redirect(url_for("imports.preview", job_id=job.id))
    if done.state == ImportState.DONE:
        flash(_("Imported %(n)d instruments.", n=done.imported_rows), "success")
    else:
        flash(_("Nothing was imported: some rows are wrong now. See each row's reason."), "danger")
    return redirect(url_for("imports.preview", job_id=job.id))


REPORT_COLUMNS = [
    Column(_l("Row"), lambda line: line[0], 8),
    Column(_l("Column"), lambda line: line[1], 30),
    Column(_l("Reason"), lambda line: line[2], 80),
]


@bp.route("/imports/<int:job_id>/report.csv")
@login_required
def report(job_id: int) -> Response:
    job = services.get_job(current_user, job_id)
    body = "".join(csv_chunks(REPORT_COLUMNS, services.report_lines(job.report)))
    return _download(body.encode(), CSV_MIMETYPE, f"import-{job.id}-report.csv")
