"""Two-factor sign-in: setting up an authenticator app from a QR code, logging in with its code or a
single-use recovery code, codes that work once and are throttled like passwords, the setting that requires
it of the Department's and the labs' accounts, signing with it, and the Department's reset for a lost
phone."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa
import time_machine

from registry.audit.models import AuditEvent
from registry.audit.services import reason as audit_reason
from registry.auth import services, sessions
from registry.auth.models import LoginAttempt, RecoveryCode, Role, TwoFactor, User
from registry.core.errors import ForbiddenError, ServiceError
from registry.core.models import utcnow
from registry.events.signatures import sign_event
from registry.extensions import db
from tests.factories import DEFAULT_PASSWORD, InstrumentFactory, record_verification, user_with_role
from tests.helpers import (
    SYSTEM,
    AuthActions,
    database_snapshot,
    enrol_two_factor,
    field_errors,
    logged_in,
    post_form,
)

# Messages read in English: the services' (rendered outside a request) and the pages'.
pytestmark = pytest.mark.usefixtures("english")

STEP = timedelta(seconds=30)
ADDRESS = "10.0.0.1"


@pytest.fixture
def start() -> datetime:
    """The start of the next 30-second step: the test's clock is set there (and moved on) while the
    cookies it sent before stay in the past, as the session's signature requires."""
    now = datetime.now(UTC)
    return datetime.fromtimestamp((now.timestamp() // 30 + 1) * 30, UTC)


@pytest.fixture
def client(client):
    """Pages in English from the start: the language chosen before logging in stays after it."""
    post_form(client, "/language", {"lang": "en", "next": "/login"}, page="/login")
    return client


def code_at(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def turn_on(user: User) -> tuple[str, list[str]]:
    """Two-factor sign-in turned on for ``user`` by the services, with the app's code of now."""
    secret = services.start_two_factor(
        user, password=DEFAULT_PASSWORD, code=None, address=ADDRESS
    ).pending_secret
    assert secret is not None
    codes = services.confirm_two_factor(user, code_at(secret, datetime.now(UTC)))
    db.session.commit()
    return secret, codes


def enter_code(client, email: str, code: str):
    """A login with the password, then ``code`` on the second step."""
    first = AuthActions(client).login(email)
    assert first.status_code == 302 and first.location == "/login/code", first.location
    return post_form(client, "/login/code", {"code": code})


def is_logged_in(client) -> bool:
    return client.get("/").status_code == 200


def test_setting_up_shows_a_qr_code_and_the_key_and_takes_the_apps_code(client, auth, enterprise_manager):
    logged_in(client, auth, enterprise_manager)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Set up two-factor sign-in" in page

    enrolment = enrol_two_factor(client)

    setup = enrolment.setup_page.get_data(as_text=True)
    qr = re.search(r'<img class="qr-code border" src="data:image/svg\+xml;base64,([^"]+)"', setup)
    assert qr and base64.b64decode(qr.group(1)).startswith(b"<svg")
    assert len(enrolment.secret) == 32  # 160 bits
    codes_page = enrolment.codes_page.get_data(as_text=True)
    assert "they are shown only once" in codes_page
    assert len(set(enrolment.recovery_codes)) == 10
    assert all(re.fullmatch(r"[A-Z2-9]{5}-[A-Z2-9]{5}", code) for code in enrolment.recovery_codes)
    assert "On" in client.get("/account/two-factor").get_data(as_text=True)

    # Stored as digests only; the trail says it was turned on, and holds neither the key nor a code.
    stored = repr(database_snapshot()["recovery_codes"]) + repr(database_snapshot()["audit_events"])
    assert not any(code in stored or code.replace("-", "") in stored for code in enrolment.recovery_codes)
    assert enrolment.secret not in repr(database_snapshot()["audit_events"])
    reasons = db.session.scalars(sa.select(AuditEvent.reason).where(AuditEvent.table_name == "two_factor"))
    assert "two-factor sign-in turned on" in list(reasons)


def test_a_wrong_code_does_not_turn_it_on(client, auth, enterprise_manager):
    logged_in(client, auth, enterprise_manager)
    post_form(client, "/account/two-factor/start", {"password": DEFAULT_PASSWORD}, page="/account/two-factor")
    refused = post_form(client, "/account/two-factor/confirm", {"code": "12345"})
    assert refused.status_code == 422 and field_errors(refused.get_data(as_text=True)) == {"code"}
    assert "This is not the code the app shows now" in refused.get_data(as_text=True)
    assert 'data-testid="secret"' in refused.get_data(as_text=True)  # the set-up goes on
    db.session.expire_all()
    assert not enterprise_manager.two_factor_on


def test_a_login_asks_for_the_apps_code_after_the_password(start, client, lab_technician):
    with time_machine.travel(start, tick=False) as clock:
        secret, _ = turn_on(lab_technician)
        clock.shift(STEP)
        first = AuthActions(client).login(lab_technician.email)
        assert first.location == "/login/code"
        assert not is_logged_in(client)  # the password alone opens nothing

        wrong = post_form(client, "/login/code", {"code": code_at(secret, start + 10 * STEP)})
        assert wrong.status_code == 422 and "The code is not correct." in wrong.get_data(as_text=True)
        assert not is_logged_in(client)
        db.session.expire_all()
        attempts = db.session.scalars(
            sa.select(LoginAttempt).where(LoginAttempt.email == lab_technician.email)
        )
        assert len(list(attempts)) == 1  # counted like a wrong password

        right = post_form(client, "/login/code", {"code": code_at(secret, start + STEP)})
        assert right.status_code == 302 and right.location == "/"
        assert is_logged_in(client)


def test_a_login_goes_on_to_the_page_it_was_sent_from(start, client, lab_technician):
    with time_machine.travel(start, tick=False) as clock:
        secret, _ = turn_on(lab_technician)
        clock.shift(STEP)
        AuthActions(client).login(lab_technician.email, next_url="/instruments/")
        done = post_form(client, "/login/code", {"code": code_at(secret, start + STEP)})
        assert done.location == "/instruments/"


def test_each_app_code_works_once(start, client, lab_technician):
    with time_machine.travel(start, tick=False) as clock:
        secret, _ = turn_on(lab_technician)  # spends the code of start
        replayed = enter_code(client, lab_technician.email, code_at(secret, start))
        assert replayed.status_code == 422 and not is_logged_in(client)
        clock.shift(STEP)
        assert enter_code(client, lab_technician.email, code_at(secret, start + STEP)).status_code == 302
        AuthActions(client).logout()
        again = enter_code(client, lab_technician.email, code_at(secret, start + STEP))
        assert again.status_code == 422 and not is_logged_in(client)


def test_a_code_from_a_phone_a_step_off_is_accepted_two_steps_off_refused(start, client, lab_technician):
    with time_machine.travel(start, tick=False) as clock:
        secret, _ = turn_on(lab_technician)
        clock.shift(10 * STEP)
        now = start + 10 * STEP
        assert enter_code(client, lab_technician.email, code_at(secret, now + 2 * STEP)).status_code == 422
        assert enter_code(client, lab_technician.email, code_at(secret, now - STEP)).status_code == 302


def test_each_recovery_code_works_once_however_it_is_typed(client, lab_technician):
    _, codes = turn_on(lab_technician)
    typed = " " + codes[0].lower().replace("-", " ") + " "
    assert enter_code(client, lab_technician.email, typed).status_code == 302
    assert "Unused recovery codes left: 9." in client.get("/account/two-factor").get_data(as_text=True)
    AuthActions(client).logout()
    assert enter_code(client, lab_technician.email, codes[0]).status_code == 422
    assert not is_logged_in(client)
    assert enter_code(client, lab_technician.email, codes[1]).status_code == 302
    reasons = db.session.scalars(
        sa.select(AuditEvent.reason).where(AuditEvent.table_name == "recovery_codes")
    )
    assert list(reasons).count("recovery code used to log in") == 2


@pytest.mark.parametrize(
    "code",
    ["", "   ", "x" * 10_000, "１２３４５６", "\u200b123456", "12345\u0663", "<script>", "0" * 7],
)
def test_bad_codes_are_refused_with_a_message_never_an_error(client, lab_technician, code):
    turn_on(lab_technician)
    refused = enter_code(client, lab_technician.email, code)
    assert refused.status_code == 422 and field_errors(refused.get_data(as_text=True)) == {"code"}
    assert not is_logged_in(client)


def test_wrong_codes_are_throttled_like_passwords(start, app, client, lab_technician):
    with time_machine.travel(start, tick=False) as clock:
        secret, _ = turn_on(lab_technician)
        clock.shift(STEP)
        AuthActions(client).login(lab_technician.email)
        for n in range(app.config["LOGIN_FREE_FAILURES"]):
            assert post_form(client, "/login/code", {"code": f"{n:06d}"}).status_code == 422
        held = post_form(client, "/login/code", {"code": code_at(secret, start + STEP)})
        assert held.status_code == 429 and int(held.headers["Retry-After"]) > 0
        assert not is_logged_in(client)  # the right code does not help while held back


def test_the_code_is_entered_within_minutes_of_the_password(start, app, client, lab_technician):
    with time_machine.travel(start, tick=False) as clock:
        secret, _ = turn_on(lab_technician)
        AuthActions(client).login(lab_technician.email)
        clock.shift(timedelta(minutes=app.config["TWO_FACTOR_LOGIN_MINUTES"], seconds=30))
        late = post_form(client, "/login/code", {"code": code_at(secret, start + 11 * STEP)}, page="/login")
        assert late.status_code == 302 and late.location == "/login"
        assert not is_logged_in(client)


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)


@pytest.mark.parametrize("role", [Role.DEPARTMENT_OFFICER, Role.DEPARTMENT_ADMIN, Role.PROVIDER_TECHNICIAN])
def test_when_required_the_department_and_the_labs_set_it_up_before_anything_else(client, required, role):
    user = user_with_role(role)
    db.session.commit()
    login = AuthActions(client).login(user.email)
    assert login.location == "/account/two-factor"
    for page in ("/", "/instruments/", f"/organisations/{user.organisation.code}"):
        assert client.get(page).location == "/account/two-factor", page
    assert "Your role requires two-factor sign-in" in client.get("/account/two-factor").get_data(as_text=True)
    enrol_two_factor(client)
    assert client.get("/instruments/").status_code == 200


def test_when_required_an_enterprise_still_logs_in_with_its_password(client, required, enterprise_manager):
    db.session.commit()
    assert AuthActions(client).login(enterprise_manager.email).location == "/"
    assert client.get("/instruments/").status_code == 200


def test_a_required_account_cannot_turn_it_off(start, required, lab_technician):
    with time_machine.travel(start, tick=False):
        secret, _ = turn_on(lab_technician)
        with pytest.raises(ServiceError, match="cannot be turned off"):
            services.turn_off_two_factor(
                lab_technician,
                password=DEFAULT_PASSWORD,
                code=code_at(secret, start + STEP),
                address="10.0.0.1",
            )
    assert lab_technician.two_factor_on


def test_turning_it_off_takes_the_password_and_a_code(start, client, auth, enterprise_manager):
    with time_machine.travel(start, tick=False) as clock:
        logged_in(client, auth, enterprise_manager)
        enrolment = enrol_two_factor(client)
        clock.shift(STEP)
        code = code_at(enrolment.secret, start + STEP)
        wrong_password = post_form(
            client, "/account/two-factor/off", {"off-password": "sai mật khẩu", "off-code": code}
        )
        assert field_errors(wrong_password.get_data(as_text=True)) == {"off-password"}
        off = post_form(
            client, "/account/two-factor/off", {"off-password": DEFAULT_PASSWORD, "off-code": code}
        )
        assert off.status_code == 302
    db.session.expire_all()
    assert not enterprise_manager.two_factor_on
    assert db.session.scalar(sa.select(sa.func.count(RecoveryCode.id))) == 0
    reasons = db.session.scalars(sa.select(AuditEvent.reason).where(AuditEvent.table_name == "two_factor"))
    assert "two-factor sign-in turned off" in list(reasons)


def test_new_recovery_codes_take_a_code_and_void_the_old_ones(client, auth, enterprise_manager):
    logged_in(client, auth, enterprise_manager)
    enrolment = enrol_two_factor(client)
    refused = post_form(client, "/account/two-factor/recovery-codes", {"code": "000000"})
    assert refused.status_code == 422 and field_errors(refused.get_data(as_text=True)) == {"code"}
    renewed = post_form(client, "/account/two-factor/recovery-codes", {"code": enrolment.recovery_codes[0]})
    assert renewed.status_code == 200
    new_codes = re.findall(r'<li class="col">([A-Z0-9-]+)</li>', renewed.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(enrolment.recovery_codes)
    AuthActions(client).logout()
    assert enter_code(client, enterprise_manager.email, enrolment.recovery_codes[1]).status_code == 422
    assert enter_code(client, enterprise_manager.email, new_codes[0]).status_code == 302


def test_the_department_resets_a_lost_phone_from_the_command_line(app, cli, client, lab_technician):
    _, codes = turn_on(lab_technician)
    assert enter_code(client, lab_technician.email, codes[0]).status_code == 302

    result = cli.invoke(args=["user", "reset-two-factor", lab_technician.email])

    assert result.exit_code == 0, result.output
    assert not is_logged_in(client)  # its sessions are ended
    db.session.expire_all()
    assert db.session.get(TwoFactor, lab_technician.id) is None
    assert AuthActions(client).login(lab_technician.email).location == "/"  # the password alone again
    reasons = db.session.scalars(sa.select(AuditEvent.reason).where(AuditEvent.table_name == "two_factor"))
    assert "two-factor sign-in reset by the Department" in list(reasons)
    unknown = cli.invoke(args=["user", "reset-two-factor", "nobody@example.vn"])
    assert unknown.exit_code != 0 and "No user" in unknown.output


def test_only_the_department_admin_resets_someone_elses(lab_technician, department_officer, department_admin):
    turn_on(lab_technician)
    for outsider in (department_officer, user_with_role(Role.PROVIDER_MANAGER, lab_technician.organisation)):
        with pytest.raises(ForbiddenError):
            services.reset_two_factor(outsider, lab_technician)
    services.reset_two_factor(department_admin, lab_technician)
    assert not lab_technician.two_factor_on
    with pytest.raises(ServiceError):
        services.reset_two_factor(SYSTEM, lab_technician)  # nothing left to reset


def test_signing_takes_the_apps_code_when_two_factor_is_on(start, api, lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    with time_machine.travel(start, tick=False) as clock:
        secret, _ = turn_on(lab_technician)
        clock.shift(STEP)

        def sign(code: object) -> None:
            sign_event(
                lab_technician,
                event,
                meaning="performed",
                password=DEFAULT_PASSWORD,
                code=code,
                address="1.2.3.4",
            )

        for code, message in ((None, "Enter the code"), ("000000", "not correct"), ("", "Enter the code")):
            with pytest.raises(ServiceError, match=message) as refused:
                sign(code)
            assert set(refused.value.fields) == {"code"}
        assert event.signatures == []

        clock.shift(STEP)
        db.session.commit()
        signed = api(lab_technician).post(
            f"/api/v1/events/{event.id}/sign",
            json={
                "meaning": "performed",
                "password": DEFAULT_PASSWORD,
                "code": code_at(secret, start + 2 * STEP),
            },
        )
        assert signed.status_code == 201, signed.get_json()
        assert [s["meaning"] for s in signed.get_json()["signatures"]] == ["performed"]


def test_the_sign_page_asks_for_the_code_only_of_who_has_two_factor(client, auth, lab_technician, lab):
    event = record_verification(lab_technician, InstrumentFactory())
    colleague = user_with_role(Role.PROVIDER_MANAGER, lab)
    _, codes = turn_on(lab_technician)
    enter_code(client, lab_technician.email, codes[0])
    page = client.get(f"/events/{event.id}/sign/performed").get_data(as_text=True)
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    AuthActions(client).logout()
    db.session.commit()
    logged_in(client, auth, colleague)
    assert 'name="code"' not in client.get(f"/events/{event.id}/sign/reviewed").get_data(as_text=True)


def test_moving_to_a_new_phone_keeps_the_old_one_working_until_the_new_one_is_confirmed(
    start, client, required, lab_technician
):
    with time_machine.travel(start, tick=False) as clock:
        old_secret, codes = turn_on(lab_technician)
        clock.shift(STEP)
        assert enter_code(client, lab_technician.email, code_at(old_secret, start + STEP)).status_code == 302
        move = {"phone-password": DEFAULT_PASSWORD, "phone-code": codes[0]}
        for field, wrong in (("phone-code", "000000"), ("phone-password", "sai mật khẩu")):
            refused = post_form(client, "/account/two-factor/new-phone", {**move, field: wrong})
            assert refused.status_code == 422 and field in field_errors(refused.get_data(as_text=True))
        assert post_form(client, "/account/two-factor/new-phone", move).location == "/account/two-factor"
        page = client.get("/account/two-factor").get_data(as_text=True)
        new_secret = re.search(r'data-testid="secret">([A-Z2-7 ]+)<', page)
        assert new_secret is not None and "the app in use keeps working" in page
        new_secret_text = new_secret.group(1).replace(" ", "")
        assert new_secret_text != old_secret

        # Not confirmed yet: the pages stay open, and another login still needs the old phone's code.
        assert client.get("/instruments/").status_code == 200
        other = client.application.test_client()
        post_form(other, "/language", {"lang": "en", "next": "/login"}, page="/login")
        clock.shift(STEP)
        now = start + 2 * STEP
        assert enter_code(other, lab_technician.email, code_at(new_secret_text, now)).status_code == 422
        assert enter_code(other, lab_technician.email, code_at(old_secret, now)).status_code == 302

        confirmed = post_form(client, "/account/two-factor/confirm", {"code": code_at(new_secret_text, now)})
        assert confirmed.status_code == 200
        assert not is_logged_in(other)  # confirming a new phone ends the other sessions
        assert is_logged_in(client)
        clock.shift(STEP)
        now = start + 3 * STEP
        assert enter_code(other, lab_technician.email, code_at(old_secret, now)).status_code == 422
        assert enter_code(other, lab_technician.email, code_at(new_secret_text, now)).status_code == 302
    reasons = db.session.scalars(sa.select(AuditEvent.reason).where(AuditEvent.table_name == "two_factor"))
    assert "authenticator app replaced" in list(reasons)


def test_setting_it_up_takes_the_password(client, auth, enterprise_manager):
    logged_in(client, auth, enterprise_manager)
    refused = post_form(
        client, "/account/two-factor/start", {"password": "không phải"}, page="/account/two-factor"
    )
    assert refused.status_code == 422 and field_errors(refused.get_data(as_text=True)) == {"password"}
    assert 'data-testid="secret"' not in client.get("/account/two-factor").get_data(as_text=True)


def test_turning_it_on_ends_the_accounts_other_sessions(client, auth, app, enterprise_manager):
    logged_in(client, auth, enterprise_manager)
    elsewhere = app.test_client()
    assert AuthActions(elsewhere).login(enterprise_manager.email).location == "/"
    enrol_two_factor(client)
    assert not is_logged_in(elsewhere)
    assert is_logged_in(client)


def test_too_many_wrong_codes_from_anywhere_lock_it_until_the_department_resets_it(
    start, app, client, cli, monkeypatch, lab_technician
):
    monkeypatch.setitem(app.config, "TWO_FACTOR_MAX_FAILURES", 3)
    with time_machine.travel(start, tick=False) as clock:
        secret, _ = turn_on(lab_technician)
        clock.shift(STEP)
        # From three addresses, so that no per-address rule holds them back first.
        for n, address in enumerate(("10.1.0.1", "10.1.0.2", "10.1.0.3")):
            assert not sessions.check_second_factor(lab_technician, f"{n:06d}x", address=address)
        db.session.commit()
        AuthActions(client).login(lab_technician.email)
        locked = post_form(client, "/login/code", {"code": code_at(secret, start + STEP)})
        assert locked.status_code == 429 and "locked for this account" in locked.get_data(as_text=True)
        assert not is_logged_in(client)

        assert cli.invoke(args=["user", "reset-two-factor", lab_technician.email]).exit_code == 0
        assert AuthActions(client).login(lab_technician.email).location == "/"


def test_a_password_change_ends_a_login_waiting_for_its_code(client, lab_technician):
    _, codes = turn_on(lab_technician)
    AuthActions(client).login(lab_technician.email)
    with audit_reason("password changed"):
        lab_technician.password_changed_at = utcnow() + timedelta(seconds=1)
    db.session.commit()
    late = post_form(client, "/login/code", {"code": codes[0]}, page="/login")
    assert late.location == "/login" and not is_logged_in(client)


def test_when_required_an_account_without_two_factor_cannot_sign(required, lab_technician):
    event = record_verification(lab_technician, InstrumentFactory())
    with pytest.raises(ServiceError, match="set it up before signing"):
        sign_event(lab_technician, event, meaning="performed", password=DEFAULT_PASSWORD, address=ADDRESS)
    assert event.signatures == []
