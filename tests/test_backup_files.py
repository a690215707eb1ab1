"""The certificate files in a backup: `backup PATH` keeps, in PATH.files, every file the backed-up rows name
(SHA-256 checked, nothing else), and `restore PATH` puts them back where the restored registry serves them;
a file missing or altered is named and the command fails."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask

from registry import create_app
from registry.auth.models import Role
from registry.extensions import db
from registry.public.certificate_files import attach_file, get_file
from registry.public.models import CertificateFile
from tests.factories import InstrumentFactory, lab_with_credentials, record_verification, user_with_role

PDFS = [b"%PDF-1.7\n% first\n%%EOF\n", b"%PDF-1.7\n% second, the amended copy\n%%EOF\n"]


def _app(url: str, files: Path) -> Flask:
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "CERTIFICATE_FILES_DIR": str(files)})


@pytest.fixture
def source(separate_database: Any, committing_sessions: None, tmp_path: Path) -> Iterator[Flask]:
    """A registry whose lab attached two PDFs to a certificate, with a stray file in its files folder."""
    app = _app(separate_database("files_source"), tmp_path / "source-files")
    with app.app_context():
        flask_migrate.upgrade()
        technician = user_with_role(Role.PROVIDER_TECHNICIAN, lab_with_credentials(code="TTKT-BKF"))
        event = record_verification(technician, InstrumentFactory())
        for data in PDFS:
            attach_file(technician, event, filename="gcn.pdf", data=data)
        db.session.commit()
        db.session.remove()
    (tmp_path / "source-files" / "stray.pdf").write_bytes(b"%PDF- no row names me")
    yield app
    with app.app_context():
        db.engine.dispose()


def _backup(app: Flask, path: Path) -> Any:
    with app.app_context():
        return app.test_cli_runner().invoke(args=["backup", str(path)])


def _backup_path(tmp_path: Path, is_postgres: bool) -> Path:
    return tmp_path / ("registry.dump" if is_postgres else "registry.sqlite3")


def test_the_files_go_with_the_backup_and_come_back_with_the_restore(
    source: Flask, separate_database: Any, tmp_path: Path, is_postgres: bool
) -> None:
    path = _backup_path(tmp_path, is_postgres)
    backed_up = _backup(source, path)
    assert backed_up.exit_code == 0, backed_up.output
    assert "2 certificate files copied, SHA-256 checked" in backed_up.output
    kept = sorted(file.read_bytes() for file in (tmp_path / (path.name + ".files")).iterdir())
    assert kept == sorted(PDFS)  # the stray file is no certificate's

    target = _app(separate_database("files_target"), tmp_path / "target-files")
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(path)])
        assert restored.exit_code == 0, restored.output
        assert "2 certificate files copied, SHA-256 checked" in restored.output
        for record in db.session.query(CertificateFile):
            _record, where = get_file(record.event, record.id)
            assert hashlib.sha256(where.read_bytes()).hexdigest() == record.sha256
            assert where.parent == tmp_path / "target-files"
        db.session.remove()
        db.engine.dispose()


def test_a_file_altered_on_disk_fails_the_backup_by_name(
    source: Flask, tmp_path: Path, is_postgres: bool
) -> None:
    with source.app_context():
        stored = db.session.query(CertificateFile).order_by(CertificateFile.id).first().stored_name
        db.session.remove()
    (tmp_path / "source-files" / stored).write_bytes(b"%PDF- altered")

    backed_up = _backup(source, _backup_path(tmp_path, is_postgres))

    assert backed_up.exit_code == 1
    assert f"{stored} does not match its SHA-256" in backed_up.output
    assert "1 certificate files copied" in backed_up.output


def test_a_restore_names_the_files_its_backup_lacks(
    source: Flask, separate_database: Any, tmp_path: Path, is_postgres: bool
) -> None:
    path = _backup_path(tmp_path, is_postgres)
    assert _backup(source, path).exit_code == 0
    lost = sorted((tmp_path / (path.name + ".files")).iterdir())[0]
    lost.unlink()

    target = _app(separate_database("files_target"), tmp_path / "target-files")
    with target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", str(path)])
        db.session.remove()
        db.engine.dispose()

    assert restored.exit_code == 1
    assert f"{lost.name} is missing from" in restored.output and "Files are missing." in restored.output
