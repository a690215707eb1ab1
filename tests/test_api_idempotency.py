"""POST /api/v1/events with ``Idempotency-Key``: a retried request gets the first answer and records one
event; a key reused for another request, or a malformed key, is refused by name."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.events.models import Event
from registry.extensions import db
from tests.factories import InstrumentFactory, OrganisationFactory, user_with_role
from tests.helpers import assert_error

EVENTS = "/api/v1/events"


def _body(serial: str, certificate: str = "GCN-IDEM-1") -> dict[str, str]:
    return {
        "owner": "IDEM-OWNER",
        "serial_number": serial,
        "kind": "verification_periodic",
        "performed_on": (local_today() - timedelta(days=3)).isoformat(),
        "result": "pass",
        "certificate_number": certificate,
        "stamp_number": "T-IDEM",
        "verifier": "KĐV-TTKT-TEST",
    }


def _events() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Event.id))) or 0


def _instruments(*serials: str) -> None:
    owner = OrganisationFactory(code="IDEM-OWNER")
    for serial in serials:
        InstrumentFactory(owner=owner, serial_number=serial)
    db.session.commit()


def test_a_retry_gets_the_first_answer_and_records_one_event(api, lab_technician) -> None:
    _instruments("ID-1")
    client = api(lab_technician)
    headers = {"Idempotency-Key": "6f1c1f9e-2d1f-4b8e-9a51-3a0d5f6b7c80"}
    first = client.post(EVENTS, json=_body("ID-1"), headers=headers)
    assert first.status_code == 201, first.get_json()
    before = _events()
    retry = client.post(EVENTS, json=_body("ID-1"), headers=headers)
    assert retry.status_code == 201
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert _events() == before
    # Without the key, the same body is a new request: the certificate number is taken.
    again = client.post(EVENTS, json=_body("ID-1"))
    assert "certificate_number" in assert_error(again, 422)["fields"]


def test_a_key_reused_for_another_request_is_refused_by_name(api, lab_technician) -> None:
    _instruments("ID-2", "ID-3")
    client = api(lab_technician)
    headers = {"Idempotency-Key": "key-reused"}
    assert client.post(EVENTS, json=_body("ID-2"), headers=headers).status_code == 201
    before = _events()
    other = client.post(EVENTS, json=_body("ID-3", "GCN-IDEM-2"), headers=headers)
    error = assert_error(other, 422)
    assert set(error["fields"]) == {"Idempotency-Key"}
    assert "dùng cho một yêu cầu khác" in error["fields"]["Idempotency-Key"]
    assert _events() == before


def test_a_refused_request_is_not_remembered_so_its_corrected_retry_runs(api, lab_technician) -> None:
    _instruments("ID-4")
    client = api(lab_technician)
    headers = {"Idempotency-Key": "fix-and-retry"}
    refused = client.post(EVENTS, json=_body("ID-4") | {"stamp_number": ""}, headers=headers)
    assert "stamp_number" in assert_error(refused, 422)["fields"]
    corrected = client.post(EVENTS, json=_body("ID-4"), headers=headers)
    assert corrected.status_code == 201, corrected.get_json()
    assert "Idempotent-Replayed" not in corrected.headers


def test_keys_belong_to_their_caller(api, lab, lab_technician) -> None:
    _instruments("ID-5", "ID-6")
    colleague = user_with_role(Role.PROVIDER_MANAGER, lab)
    headers = {"Idempotency-Key": "same-key-two-people"}
    assert api(lab_technician).post(EVENTS, json=_body("ID-5"), headers=headers).status_code == 201
    theirs = api(colleague).post(EVENTS, json=_body("ID-6", "GCN-IDEM-3"), headers=headers)
    assert theirs.status_code == 201, theirs.get_json()
    assert "Idempotent-Replayed" not in theirs.headers


def test_a_malformed_key_is_refused_and_nothing_is_recorded(api, lab_technician) -> None:
    _instruments("ID-7")
    client = api(lab_technician)
    before = _events()
    for key in ("x" * 256, "khóa có dấu", "with space"):
        response = client.post(EVENTS, json=_body("ID-7"), headers={"Idempotency-Key": key})
        assert set(assert_error(response, 422)["fields"]) == {"Idempotency-Key"}
    assert _events() == before


def test_the_openapi_document_offers_the_header() -> None:
    from flask import current_app

    spec = current_app.test_client().get("/api/v1/openapi.json").get_json()
    parameters = spec["paths"]["/api/v1/events"]["post"]["parameters"]
    assert any(p["in"] == "header" and p["name"] == "Idempotency-Key" for p in parameters)
