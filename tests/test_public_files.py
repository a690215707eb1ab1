"""The PDF certificate a lab attaches to its event: really a PDF, not too large, stored outside static/
under a generated name with its SHA-256, downloaded only by those who see the event, its SHA-256 on the
public page; an amendment gets its own file and the old one stays."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.events.revisions import amend_event
from registry.extensions import db
from registry.public.models import CertificateFile
from tests.factories import InstrumentFactory, OrganisationFactory, record_verification, user_with_role
from tests.helpers import csrf_token_from, field_errors, logged_in

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def files_dir(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "CERTIFICATE_FILES_DIR", str(tmp_path / "files"))
    return tmp_path / "files"


@pytest.fixture
def verified(lab_technician: Any, enterprise: Any) -> Any:
    event = record_verification(lab_technician, InstrumentFactory(owner=enterprise, serial_number="CX-PDF"))
    db.session.commit()
    return event


def _attach(client: Any, event_id: int, data: bytes, name: str = "gcn.pdf") -> Any:
    token = csrf_token_from(client.get(f"/events/{event_id}/file").get_data(as_text=True))
    return client.post(
        f"/events/{event_id}/file",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_a_lab_attaches_its_pdf_and_the_public_page_shows_only_its_sha256(
    app, client, auth, lab_technician, verified, files_dir
):
    lab = logged_in(client, auth, lab_technician)
    assert _attach(lab, verified.id, PDF).status_code == 302
    record = db.session.query(CertificateFile).filter_by(event_id=verified.id).one()
    digest = hashlib.sha256(PDF).hexdigest()
    assert record.sha256 == digest and record.original_name == "gcn.pdf"
    stored = files_dir / record.stored_name
    assert stored.read_bytes() == PDF and "gcn" not in record.stored_name
    assert Path(app.static_folder or "").resolve() not in stored.resolve().parents
    public = app.test_client().get(f"/verify/{verified.verification_token}").get_data(as_text=True)
    assert digest in public and "/file/" not in public
    api = app.test_client().get(
        f"/api/v1/public/certificates?provider=TTKT-TEST&number={verified.certificate_number}"
    )
    assert api.get_json()["certificate_file_sha256"] == digest


def test_a_renamed_png_is_refused_with_a_field_error(client, auth, lab_technician, verified, files_dir):
    lab = logged_in(client, auth, lab_technician)
    answer = _attach(lab, verified.id, PNG, name="gcn.pdf")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert field_errors(html) == {"file"} and "This file is not a PDF" in html
    assert db.session.query(CertificateFile).count() == 0


def test_an_oversized_file_answers_413(app, client, auth, lab_technician, verified, files_dir, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_FILE_MAX_BYTES", 1024)
    lab = logged_in(client, auth, lab_technician)
    answer = _attach(lab, verified.id, PDF + b"0" * 2048)
    assert answer.status_code == 413 and field_errors(answer.get_data(as_text=True)) == {"file"}
    assert not files_dir.exists() or not any(files_dir.iterdir())


def test_the_file_is_downloaded_by_the_owner_the_lab_and_the_department_only(
    app, auth, client, lab_technician, enterprise_manager, department_officer, verified, files_dir
):
    lab = logged_in(client, auth, lab_technician)
    _attach(lab, verified.id, PDF)
    record = db.session.query(CertificateFile).one()
    path = f"/events/{verified.id}/file/{record.id}"
    for user in (enterprise_manager, department_officer, lab_technician):
        browser = app.test_client()
        logged_in(browser, type(auth)(browser), user)
        answer = browser.get(path)
        assert answer.status_code == 200, user.email
        assert answer.headers["Content-Disposition"].startswith("attachment")
        assert answer.data == PDF
        answer.close()
    stranger = app.test_client()
    logged_in(
        stranger,
        type(auth)(stranger),
        user_with_role(Role.ENTERPRISE_MANAGER, OrganisationFactory()),
    )
    assert stranger.get(path).status_code == 404
    assert app.test_client().get(path).status_code == 302  # to the login page


def test_an_amendment_gets_its_own_file_and_the_old_one_stays(
    app, client, auth, lab_technician, verified, files_dir
):
    lab = logged_in(client, auth, lab_technician)
    _attach(lab, verified.id, PDF)
    amended = amend_event(
        lab_technician,
        verified,
        {"performed_on": local_today() - timedelta(days=2)},
        reason="Sai ngày",
        version=None,
    )
    db.session.commit()
    assert _attach(lab, verified.id, PDF).status_code == 422  # the amended revision takes no new file
    second = PDF.replace(b"1.7", b"1.7 amended")
    assert _attach(lab, amended.id, second).status_code == 302
    files = db.session.query(CertificateFile).order_by(CertificateFile.id).all()
    assert [file.event_id for file in files] == [verified.id, amended.id]
    assert all((files_dir / file.stored_name).exists() for file in files)
    public = app.test_client().get(f"/verify/{verified.verification_token}").get_data(as_text=True)
    assert hashlib.sha256(second).hexdigest() in public and hashlib.sha256(PDF).hexdigest() not in public


def test_sending_no_file_names_the_field(client, auth, lab_technician, verified, files_dir):
    lab = logged_in(client, auth, lab_technician)
    token = csrf_token_from(lab.get(f"/events/{verified.id}/file").get_data(as_text=True))
    answer = lab.post(f"/events/{verified.id}/file", data={"csrf_token": token})
    assert answer.status_code == 422 and field_errors(answer.get_data(as_text=True)) == {"file"}
