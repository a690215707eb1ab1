"""Certificates anyone can check (DESIGN §5 "Public"): the token of the QR code, the public page, the lookup
by lab and number (page and API), what they show of void, amended and suspect certificates, and that no
public answer says anything about the instrument's owner — on both databases."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask.testing import FlaskClient

from registry.api import limits
from registry.audit import services as audit
from registry.core.dates import local_today
from registry.events.models import Event, new_verification_token
from registry.events.revisions import amend_event, void_event
from registry.extensions import db
from registry.organisations.models import Organisation
from registry.public import views as public_views
from registry.public.models import CertificateLookup
from tests.factories import InstrumentFactory, OrganisationFactory, record_verification
from tests.helpers import IsolatedClient, logged_in, post_form, two_workers

OWNER_NAME = "Cây xăng Bà Tám Nhận Diện"
OWNER_ADDRESS = "Số 77 Đường Bí Mật, Kon Tum"
OWNER_TAX_CODE = "6100100098"  # a valid MST, recognisable in a page
OWNER_MARKS = (OWNER_NAME, "Bà Tám", OWNER_ADDRESS, "Đường Bí Mật", OWNER_TAX_CODE)


@pytest.fixture
def owner() -> Organisation:
    return OrganisationFactory(code="BA-TAM", name=OWNER_NAME, address=OWNER_ADDRESS, tax_code=OWNER_TAX_CODE)


@pytest.fixture
def certified(lab_technician: Any, owner: Organisation) -> Event:
    """A passed verification of the owner's fuel dispenser by the lab, committed for the client's requests."""
    event = record_verification(lab_technician, InstrumentFactory(owner=owner, serial_number="CX-0042"))
    db.session.commit()
    return event


def switch_language(client: FlaskClient, language: str) -> None:
    """As someone not logged in does: with the switch on the public page."""
    post_form(client, "/language", {"lang": language, "next": "/verify"}, page="/verify")


def _text(response: Any) -> str:
    return response.get_data(as_text=True)


def _public_answers(client: FlaskClient, event: Event) -> Iterator[tuple[str, Any]]:
    """Every public route, asked about ``event`` (and one unknown thing each)."""
    provider, number, stamp = event.provider.code, event.certificate_number, event.stamp_number
    for path in (
        f"/verify/{event.verification_token}",
        "/verify",
        f"/verify?provider={provider}&number={number}",
        f"/verify?provider={provider}&stamp={stamp}",
        "/verify/not-a-token",
        f"/verify?provider={provider}&number=NO-SUCH",
        f"/api/v1/public/certificates?provider={provider}&number={number}",
        f"/api/v1/public/certificates?provider={provider}&stamp={stamp}",
        f"/api/v1/public/certificates?provider={provider}&number=NO-SUCH",
    ):
        yield path, client.get(path)


# --- The token -------------------------------------------------------------------------------------------


def test_every_event_with_a_certificate_or_stamp_gets_its_own_unguessable_token(lab_technician, owner):
    events = [record_verification(lab_technician, InstrumentFactory(owner=owner)) for _ in range(20)]
    tokens = [event.verification_token for event in events]
    assert len(set(tokens)) == 20
    # 128 bits, URL-safe base64: 22 characters of 64 symbols, nothing shared with the id or the number.
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", token or "") for token in tokens)
    # Not a counter nor a hash of the numbers: two consecutive events' tokens differ almost everywhere.
    for earlier, later in itertools.pairwise(tokens):
        assert sum(a != b for a, b in zip(earlier or "", later or "", strict=True)) >= 12
    # An event with neither number (a failed verification's record) has none.
    failed = record_verification(
        lab_technician,
        InstrumentFactory(owner=owner),
        result="fail",
        certificate_number=None,
        stamp_number=None,
        record_number="BB-1",
    )
    assert failed.verification_token is None


def test_the_database_refuses_a_second_event_with_the_same_token(lab_technician, owner):
    first = record_verification(lab_technician, InstrumentFactory(owner=owner))
    second = record_verification(lab_technician, InstrumentFactory(owner=owner))
    db.session.flush()
    savepoint = db.session.begin_nested()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(
            sa.text("UPDATE events SET verification_token = :token WHERE id = :id"),
            {"token": first.verification_token, "id": second.id},
        )
    savepoint.rollback()


def test_a_token_given_never_changes(lab_technician, owner):
    event = record_verification(lab_technician, InstrumentFactory(owner=owner))
    db.session.flush()
    savepoint = db.session.begin_nested()
    with pytest.raises(sa.exc.DatabaseError, match="immutable"):
        db.session.execute(
            sa.text("UPDATE events SET verification_token = :token WHERE id = :id"),
            {"token": new_verification_token(), "id": event.id},
        )
    savepoint.rollback()


# --- The public page -------------------------------------------------------------------------------------


def test_the_qr_page_shows_the_certificate_to_anyone_in_vietnamese_and_in_english(client, certified):
    page = client.get(f"/verify/{certified.verification_token}")
    assert page.status_code == 200
    html = _text(page)
    assert 'data-verdict="valid"' in html
    assert "Còn hiệu lực" in html  # Valid
    for shown in ("CX-0042", certified.certificate_number, certified.stamp_number, "TTKT-TEST"):
        assert shown in html
    assert certified.valid_until is not None
    assert certified.valid_until.strftime("%d/%m/%Y") in html
    switch_language(client, "en")
    html = _text(client.get(f"/verify/{certified.verification_token}"))
    assert "This certificate is in the registry and valid today." in html


def test_an_unknown_token_answers_404_with_a_way_to_look_the_certificate_up(client, certified):
    page = client.get(f"/verify/{new_verification_token()}")
    assert page.status_code == 404
    assert 'data-testid="lookup-form"' in _text(page)


def test_no_public_answer_says_anything_about_the_owner(client, certified):
    for path, response in _public_answers(client, certified):
        body = _text(response)
        for mark in OWNER_MARKS:
            assert mark not in body, f"{path} shows {mark!r}"
        assert "BA-TAM" not in body, path


def test_a_void_certificate_says_so_on_its_page_and_in_the_api(client, lab_technician, certified):
    void_event(lab_technician, certified, reason="Sai thông tin chủ sở hữu", version=None)
    db.session.commit()
    html = _text(client.get(f"/verify/{certified.verification_token}"))
    assert 'data-verdict="void"' in html and "text-bg-dark" in html
    answer = client.get(
        f"/api/v1/public/certificates?provider=TTKT-TEST&number={certified.certificate_number}"
    ).get_json()
    assert (answer["state"], answer["status"]) == ("void", "void")
    assert "Sai thông tin chủ sở hữu" not in html  # the lab's reason may name the owner


def test_the_qr_code_of_an_amended_revision_leads_to_the_current_one(client, lab_technician, certified):
    later = local_today() - timedelta(days=3)
    current = amend_event(
        lab_technician, certified, {"performed_on": later}, reason="Ngày ghi nhầm", version=None
    )
    db.session.commit()
    assert current.verification_token != certified.verification_token
    switch_language(client, "en")
    html = _text(client.get(f"/verify/{certified.verification_token}"))
    assert 'data-testid="superseded"' in html
    assert "revision 0) was amended" in html and later.strftime("%d/%m/%Y") in html
    assert 'data-testid="superseded"' not in _text(client.get(f"/verify/{current.verification_token}"))


def test_a_suspect_certificate_is_shown_under_review(client, certified):
    with audit.reason("Chuẩn dùng bị nghi ngờ"):
        certified.suspect = True
    db.session.commit()
    html = _text(client.get(f"/verify/{certified.verification_token}"))
    assert 'data-verdict="suspect"' in html and "text-bg-warning" in html


def test_an_in_house_calibration_is_not_public(client, enterprise_manager):
    from registry.events.recording import record_event

    balance = InstrumentFactory(
        owner=enterprise_manager.organisation, type_code="BALANCE_PRECISION", internal=True
    )
    event = record_event(
        enterprise_manager,
        {
            "item": balance,
            "kind": "internal_calibration",
            "performed_on": local_today() - timedelta(days=1),
            "result": "pass",
            "certificate_number": "NB-1",
        },
    )
    db.session.commit()
    assert client.get(f"/verify/{event.verification_token}").status_code == 404
    code = enterprise_manager.organisation.code
    assert client.get(f"/api/v1/public/certificates?provider={code}&number=NB-1").status_code == 404


# --- Lookups by number -----------------------------------------------------------------------------------


def test_the_lookup_finds_a_certificate_by_number_or_by_stamp(client, certified):
    by_number = client.get(
        f"/api/v1/public/certificates?provider=ttkt-test&number={certified.certificate_number}"
    )
    assert by_number.status_code == 200
    assert by_number.get_json()["serial_number"] == "CX-0042"
    by_stamp = client.get(f"/api/v1/public/certificates?provider=TTKT-TEST&stamp={certified.stamp_number}")
    assert by_stamp.get_json()["certificate_number"] == certified.certificate_number
    page = client.get(f"/verify?provider=TTKT-TEST&stamp={certified.stamp_number}")
    assert page.status_code == 200 and "CX-0042" in _text(page)


def test_unknown_and_not_public_answer_the_same(client, certified):
    unknown = client.get("/api/v1/public/certificates?provider=TTKT-TEST&number=NO-SUCH")
    other_lab = client.get(
        f"/api/v1/public/certificates?provider=OTHER&number={certified.certificate_number}"
    )
    assert unknown.status_code == other_lab.status_code == 404
    assert unknown.get_json() == other_lab.get_json()


def test_the_lookup_form_names_what_is_missing(client):
    switch_language(client, "en")
    page = client.get("/verify?provider=&number=")
    assert page.status_code == 422
    html = _text(page)
    assert 'data-field="provider"' in html and 'data-field="number"' in html
    api = client.get("/api/v1/public/certificates?provider=TTKT-TEST")
    assert api.status_code == 422 and "number" in api.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "path", ["/verify?provider=TTKT-TEST&number=X", "/api/v1/public/certificates?provider=TTKT-TEST&number=X"]
)
def test_lookups_are_limited_per_client_address(client, app, path, monkeypatch):
    monkeypatch.setitem(app.config, "API_PUBLIC_RATE_LIMIT_PER_MINUTE", 3)
    # One moment for all the requests: four requests across a minute's boundary fall in two windows.
    moment = datetime(2026, 12, 1, 8, 30, 15, tzinfo=UTC)
    monkeypatch.setattr(limits, "utcnow", lambda: moment)
    monkeypatch.setattr(public_views, "utcnow", lambda: moment)
    answers = [client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.7"}) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [404, 404, 404, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    # Another address is counted apart.
    assert client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.8"}).status_code == 404


def test_each_lookup_is_counted_per_certificate_and_day_and_flagged_when_void(
    client, lab_technician, certified
):
    client.get(f"/verify/{certified.verification_token}")
    client.get(f"/api/v1/public/certificates?provider=TTKT-TEST&number={certified.certificate_number}")
    void_event(lab_technician, certified, reason="Hủy", version=None)
    db.session.commit()
    client.get(f"/verify/{certified.verification_token}")
    row = db.session.get(CertificateLookup, (certified.id, local_today()))
    assert row is not None and (row.lookups, row.flagged) == (3, 1)


def test_the_department_sees_the_lookups_per_certificate_and_day_flagged_first(
    app, client, auth, lab_technician, department_officer, enterprise_manager, certified, owner
):
    other = record_verification(lab_technician, InstrumentFactory(owner=owner))
    db.session.commit()
    passer_by = app.test_client()
    for _ in range(3):
        passer_by.get(f"/verify/{other.verification_token}")
    void_event(lab_technician, certified, reason="Hủy", version=None)
    db.session.commit()
    passer_by.get(f"/verify/{certified.verification_token}")

    department = logged_in(client, auth, department_officer)
    page = department.get("/verify/lookups")
    assert page.status_code == 200
    html = _text(page)
    body = html.split("<tbody>")[1]
    rows = re.findall(r"<tr( class=\"table-warning\" data-flagged=\"1\")?>(.*?)</tr>", body, flags=re.DOTALL)
    assert [(bool(flag), certified.certificate_number in row) for flag, row in rows] == [
        (True, True),
        (False, False),
    ]
    assert re.search(r'data-label="[^"]*">3</td>', rows[1][1])  # three lookups of the other one
    for mark in OWNER_MARKS:
        assert mark not in html

    owner_client = app.test_client()
    logged_in(owner_client, type(auth)(owner_client), enterprise_manager)
    assert owner_client.get("/verify/lookups").status_code == 404


# --- Real workers: two applications, each with its own engine, counting in their own transactions ----------


@pytest.fixture
def workers(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Flask]]:
    monkeypatch.setattr(limits, "counter_transaction", limits.own_transaction)
    with two_workers(database_url, public_limit=3, addresses="198.51.100.") as pair:
        yield pair


@pytest.mark.real_commits
def test_the_lookup_limit_is_shared_by_two_workers_serving_the_page_and_the_api(workers):
    moment = datetime(2026, 12, 1, 8, 30, 15, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        clients = []
        for application in workers:
            application.test_client_class = IsolatedClient
            client = application.test_client()
            client.environ_base["REMOTE_ADDR"] = "198.51.100.9"
            clients.append(client)
        paths = [
            "/verify?provider=TTKT-X&number=N-1",
            "/api/v1/public/certificates?provider=TTKT-X&number=N-1",
        ]
        statuses = [clients[n % 2].get(paths[n % 2]).status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


@pytest.mark.parametrize(
    ("query", "field"), [({"stamp": "T-\x001"}, "stamp"), ({"number": "GCN\x00"}, "number")]
)
def test_a_control_character_in_a_lookup_is_named_not_sent_to_the_database(client, query, field):
    answer = client.get("/api/v1/public/certificates", query_string={"provider": "TTKT", **query})
    assert answer.status_code == 422 and field in answer.get_json()["error"]["fields"]
