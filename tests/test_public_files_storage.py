"""No certificate file outlives the transaction that wrote it: a rolled-back attachment (an error later in
the request, a savepoint undone) leaves no file behind, and a committed one stays."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from registry.core.errors import ServiceError
from registry.extensions import db
from registry.public import certificate_files
from registry.public.certificate_files import attach_file
from registry.public.models import CertificateFile
from tests.factories import InstrumentFactory, record_verification
from tests.helpers import csrf_token_from, logged_in

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def files_dir(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setitem(app.config, "CERTIFICATE_FILES_DIR", str(tmp_path / "files"))
    return tmp_path / "files"


@pytest.fixture
def verified(lab_technician: Any, enterprise: Any) -> Any:
    event = record_verification(lab_technician, InstrumentFactory(owner=enterprise))
    db.session.commit()
    return event


def on_disk(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir()) if directory.exists() else []


def test_a_committed_file_stays_and_a_rolled_back_one_is_deleted(lab_technician, verified, files_dir):
    kept = attach_file(lab_technician, verified, filename="gcn.pdf", data=PDF)
    db.session.commit()
    attach_file(lab_technician, verified, filename="again.pdf", data=PDF)
    assert len(on_disk(files_dir)) == 2  # written before its row commits, so a backup never misses it

    db.session.rollback()

    assert on_disk(files_dir) == [kept.stored_name]
    assert [row.stored_name for row in db.session.query(CertificateFile)] == [kept.stored_name]


def test_a_file_written_in_an_undone_savepoint_goes_and_the_rest_of_the_transaction_keeps_its_own(
    lab_technician, verified, files_dir
):
    outside = attach_file(lab_technician, verified, filename="a.pdf", data=PDF)
    with pytest.raises(RuntimeError), db.session.begin_nested():
        attach_file(lab_technician, verified, filename="b.pdf", data=PDF)
        raise RuntimeError("a later step fails")
    with db.session.begin_nested():
        inside = attach_file(lab_technician, verified, filename="c.pdf", data=PDF)
    db.session.commit()

    assert on_disk(files_dir) == sorted([outside.stored_name, inside.stored_name])


def test_a_request_that_fails_after_writing_the_file_leaves_nothing(
    client, auth, lab_technician, verified, files_dir, monkeypatch
):
    class Refusing:
        """The digest, computed after the file is written, refuses: a failure later in the request."""

        @staticmethod
        def sha256(_data: bytes) -> Any:
            raise ServiceError({"file": "refused after the file was written"})

    monkeypatch.setattr(certificate_files, "hashlib", Refusing)
    lab = logged_in(client, auth, lab_technician)
    token = csrf_token_from(lab.get(f"/events/{verified.id}/file").get_data(as_text=True))
    answer = lab.post(
        f"/events/{verified.id}/file",
        data={"csrf_token": token, "file": (io.BytesIO(PDF), "gcn.pdf")},
        content_type="multipart/form-data",
    )

    assert answer.status_code == 422
    assert on_disk(files_dir) == []
