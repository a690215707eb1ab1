"""Electronic signatures of results: the performer signs, another person of the lab reviews and signs,
each re-entering the password; the record shows who, when and what it means; signatures never change,
and an amendment is a new revision signed anew."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from registry.auth.models import LoginAttempt, Role
from registry.core.errors import ForbiddenError, NotFoundError, ServiceError
from registry.events.models import EventSignature
from registry.events.revisions import amend_event, get_event
from registry.events.signatures import sign_event, signatures_due
from registry.extensions import db
from tests.factories import DEFAULT_PASSWORD, InstrumentFactory, record_verification, user_with_role
from tests.helpers import SYSTEM, logged_in, post_form

ADDRESS = "10.0.0.7"


@pytest.fixture
def verified(lab_technician):
    return record_verification(lab_technician, InstrumentFactory())


@pytest.fixture
def reviewer(lab):
    return user_with_role(Role.PROVIDER_MANAGER, lab, name="Trần Văn Soát")


def _sign(actor, event, meaning, password=DEFAULT_PASSWORD):
    return sign_event(actor, event, meaning=meaning, password=password, address=ADDRESS)


def test_the_performer_signs_then_a_colleague_reviews(lab_technician, reviewer, verified) -> None:
    assert signatures_due(lab_technician, verified) == ["performed"]
    performed = _sign(lab_technician, verified, "performed")
    assert (performed.meaning, performed.signer_email) == ("performed", lab_technician.email)
    assert signatures_due(lab_technician, verified) == []  # not the reviewer of its own work
    assert signatures_due(reviewer, verified) == ["reviewed"]
    reviewed = _sign(reviewer, verified, "reviewed")
    assert (reviewed.signer_name, reviewed.signed_at is not None) == ("Trần Văn Soát", True)
    assert [signature.meaning for signature in verified.signatures] == ["performed", "reviewed"]
    assert signatures_due(reviewer, verified) == []


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([("reviewer", "reviewed")], "meaning"),  # the review comes after the performer's signature
        ([("technician", "performed"), ("technician", "reviewed")], "meaning"),  # not by the performer
        ([("technician", "performed"), ("reviewer", "performed")], "meaning"),  # signed so already
        ([("technician", "approved")], "meaning"),
    ],
)
def test_signatures_come_in_order_from_different_people(lab_technician, reviewer, verified, steps, field):
    people = {"technician": lab_technician, "reviewer": reviewer}
    *first, last = steps
    for who, meaning in first:
        _sign(people[who], verified, meaning)
    before = len(verified.signatures)
    with pytest.raises(ServiceError) as refused:
        _sign(people[last[0]], verified, last[1])
    assert set(refused.value.fields) == {field}
    db.session.expire_all()
    assert len(verified.signatures) == before


def test_a_wrong_password_signs_nothing_and_counts_as_a_failed_attempt(lab_technician, verified) -> None:
    with pytest.raises(ServiceError) as refused:
        _sign(lab_technician, verified, "performed", password="không phải mật khẩu")
    assert set(refused.value.fields) == {"password"}
    assert verified.signatures == []
    attempts = db.session.scalars(sa.select(LoginAttempt).where(LoginAttempt.email == lab_technician.email))
    assert [attempt.address for attempt in attempts] == [ADDRESS]


def test_only_the_recording_labs_people_sign(lab_technician, verified, department_admin) -> None:
    owner_manager = user_with_role(Role.ENTERPRISE_MANAGER, verified.item.owner)
    for outsider in (department_admin, owner_manager):  # they see the event, but do not sign it
        with pytest.raises(ForbiddenError):
            _sign(outsider, verified, "performed")
    with pytest.raises(ForbiddenError):  # a signature is a person's, not the system's
        _sign(SYSTEM, verified, "performed")
    other_lab = user_with_role(Role.PROVIDER_TECHNICIAN)
    with pytest.raises(NotFoundError):
        get_event(other_lab, verified.id)


def test_an_amendment_is_a_new_revision_signed_anew(lab_technician, reviewer, verified) -> None:
    _sign(lab_technician, verified, "performed")
    _sign(reviewer, verified, "reviewed")
    revision = amend_event(
        lab_technician, verified, {"stamp_number": "T-2"}, reason="Số tem ghi nhầm", version=verified.version
    )
    assert [s.meaning for s in verified.signatures] == ["performed", "reviewed"]  # the signed one stays
    assert revision.signatures == []
    with pytest.raises(ServiceError) as refused:
        _sign(lab_technician, verified, "performed")  # the amended revision is not signed again
    assert "_" in refused.value.fields
    assert signatures_due(lab_technician, revision) == ["performed"]


def test_signatures_never_change(lab_technician, verified, is_postgres) -> None:
    signature = _sign(lab_technician, verified, "performed")
    db.session.commit()
    for statement in (
        sa.update(EventSignature).where(EventSignature.id == signature.id).values(signer_name="Người khác"),
        sa.delete(EventSignature).where(EventSignature.id == signature.id),
    ):
        with pytest.raises(DBAPIError, match="permanent"), db.session.begin_nested():
            db.session.execute(statement)


def test_a_technician_signs_on_the_events_page_and_the_page_shows_it(client, auth, lab_technician, verified):
    db.session.commit()
    logged_in(client, auth, lab_technician)
    page = client.get(f"/events/{verified.id}").get_data(as_text=True)
    assert f"/events/{verified.id}/sign/performed" in page and "Not signed yet." in page
    refused = post_form(client, f"/events/{verified.id}/sign/performed", {"password": "sai"})
    assert refused.status_code == 422 and "The password is not correct." in refused.get_data(as_text=True)
    signed = post_form(client, f"/events/{verified.id}/sign/performed", {"password": DEFAULT_PASSWORD})
    assert signed.status_code == 302
    page = client.get(f"/events/{verified.id}").get_data(as_text=True)
    assert f"Performed by: {lab_technician.name}" in page
    assert f"/events/{verified.id}/sign/" not in page  # nothing more for the performer to sign
    db.session.expire_all()
    # The refused attempt was kept although its request answered an error: it counts towards throttling.
    failures = db.session.scalar(
        sa.select(sa.func.count(LoginAttempt.id)).where(LoginAttempt.email == lab_technician.email)
    )
    assert failures == 1


def test_the_api_signs_and_answers_the_event_with_its_signatures(api, lab_technician, reviewer, verified):
    db.session.commit()
    first = api(lab_technician).post(
        f"/api/v1/events/{verified.id}/sign", json={"meaning": "performed", "password": DEFAULT_PASSWORD}
    )
    assert first.status_code == 201, first.get_json()
    second = api(reviewer).post(
        f"/api/v1/events/{verified.id}/sign", json={"meaning": "reviewed", "password": DEFAULT_PASSWORD}
    )
    signatures = second.get_json()["signatures"]
    assert [(s["meaning"], s["name"]) for s in signatures] == [
        ("performed", lab_technician.name),
        ("reviewed", "Trần Văn Soát"),
    ]
    wrong = api(reviewer).post(
        f"/api/v1/events/{verified.id}/sign", json={"meaning": "reviewed", "password": "x"}
    )
    assert wrong.status_code == 422 and set(wrong.get_json()["error"]["fields"]) == {"password"}
