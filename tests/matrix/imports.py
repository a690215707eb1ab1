"""Permission rows of imports (see tests/test_permissions.py).

- The templates: anyone logged in.
- The upload page: who imports — an organisation's managers (into their own), the Department's admin (into
  any); the Department's officers, lab technicians and enterprise viewers are refused (403).
- An import's preview and report: its organisation's people and the Department; another organisation's
  import is not found (404).
- Confirming: the managers of its organisation and the Department's admin; the Department's officers see
  it but may not (403).
"""

from __future__ import annotations

import io
from typing import Any

from registry.auth.models import User
from registry.extensions import db
from registry.imports.models import ImportJob, ImportState
from registry.organisations.models import Organisation
from tests.matrix.base import DEPARTMENT_SEES, EVERYONE, LOGIN, NONE, OTHER, OWN, Redirect, Row

FILE = b"type_code,serial_number\nWATER_METER_MECH,MATRIX-1\n"
PREVIEW = Redirect("/imports/", prefix=True)
DONE = Redirect("/imports/{job_id}")

# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    # (endpoint, method, target): anonymous, d_admin, d_officer, p_manager, p_technician, e_manager, e_viewer
    ("imports.template_xlsx_file", "GET", NONE): EVERYONE,
    ("imports.template_csv_file", "GET", NONE):  EVERYONE,
    ("imports.upload", "GET", NONE):             (LOGIN, 200, 403, 200, 403, 200, 403),
    ("imports.upload", "POST", NONE):            (LOGIN, PREVIEW, 403, PREVIEW, 403, PREVIEW, 403),
    ("imports.preview", "GET", OWN):             EVERYONE,
    ("imports.preview", "GET", OTHER):           DEPARTMENT_SEES,
    ("imports.report", "GET", OWN):              EVERYONE,
    ("imports.report", "GET", OTHER):            DEPARTMENT_SEES,
    ("imports.confirm", "POST", OWN):            (LOGIN, DONE, 403, DONE, 403, DONE, 403),
    ("imports.confirm", "POST", OTHER):          (LOGIN, DONE, 403, 404, 404, 404, 404),
}
# fmt: on


def _upload(user: User, organisation: Organisation | None) -> dict[str, Any]:
    # The Department's admin names the organisation; everyone else imports into its own.
    return {"file": (io.BytesIO(FILE), "list.csv"), "organisation": user.organisation.code}


FORM_BODIES: dict[tuple[str, str], Any] = {
    ("imports.upload", "POST"): _upload,
    ("imports.confirm", "POST"): {"version": "1"},
}


def _job(organisation: Organisation) -> dict[str, Any]:
    """A checked import of one instrument for ``organisation``, waiting for its confirmation."""
    job = ImportJob(
        organisation=organisation,
        filename="list.csv",
        state=ImportState.CHECKED.value,
        total_rows=1,
        content=FILE,
        report=[[2, "MATRIX-1", "WATER_METER_MECH", []]],
    )
    db.session.add(job)
    db.session.flush()
    return {"job_id": job.id}


URL_VALUES = {"imports.preview": _job, "imports.report": _job, "imports.confirm": _job}
