"""An audit reason covers exactly the writes inside its scope (``with audit.reason(...)``): an event's reason
is the reason of its item's new validity, a reason never reaches a later, unrelated write, and a change
that must say why fails loudly when it does not."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from registry.audit import services as audit
from registry.audit.models import AuditEvent
from registry.core.dates import local_today
from registry.events.recording import record_event
from registry.events.revisions import amend_event, void_event
from registry.extensions import db
from registry.items.models import Item
from registry.organisations.models import Organisation
from registry.organisations.services import create_organisation
from tests.factories import InstrumentFactory, record_verification
from tests.helpers import SYSTEM, logged_in, post_form


def _audited(table: str, row_id: object) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.table_name == table, AuditEvent.row_id == str(row_id))
            .order_by(AuditEvent.id)
        )
    )


def _last_reason(table: str, row_id: object) -> str | None:
    return _audited(table, row_id)[-1].reason


def test_recording_writes_the_items_new_validity_with_the_events_reason(lab, lab_technician) -> None:
    dispenser = InstrumentFactory()
    event = record_verification(lab_technician, dispenser)
    item_change = _audited("items", dispenser.id)[-1]
    assert item_change.action == "update" and "valid_until" in (item_change.new_values or {})
    # A lab's recording says what was recorded, in the Department's language whatever the user's.
    assert item_change.reason == _last_reason("events", event.id)
    assert item_change.reason is not None and item_change.reason.startswith("Ghi nhận: Kiểm định định kỳ")
    assert lab.code in item_change.reason


def test_the_departments_reason_on_a_labs_behalf_is_the_items_reason_too(lab, department_admin) -> None:
    dispenser = InstrumentFactory()
    event = record_event(
        department_admin,
        {
            "item": dispenser.id,
            "provider": lab.code,
            "kind": "verification_periodic",
            "performed_on": local_today() - timedelta(days=3),
            "result": "pass",
            "certificate_number": "GCN-DEPT-1",
            "stamp_number": "T-9",
            "verifier_card": f"KĐV-{lab.code}",
            "reason": "Nhập hộ theo công văn 12/TĐC",
        },
    )
    assert _last_reason("events", event.id) == "Nhập hộ theo công văn 12/TĐC"
    assert _last_reason("items", dispenser.id) == "Nhập hộ theo công văn 12/TĐC"


def test_amending_writes_every_change_with_the_amendments_reason(lab_technician) -> None:
    dispenser = InstrumentFactory()
    event = record_verification(lab_technician, dispenser)
    earlier = dispenser.valid_until
    revision = amend_event(
        lab_technician,
        event,
        {"performed_on": event.performed_on - timedelta(days=10)},
        reason="Ngày kiểm định ghi nhầm",
        version=event.version,
    )
    assert dispenser.valid_until != earlier
    assert _last_reason("events", event.id) == "Ngày kiểm định ghi nhầm"  # marked amended
    assert _last_reason("events", revision.id) == "Ngày kiểm định ghi nhầm"  # the new revision
    assert _last_reason("items", dispenser.id) == "Ngày kiểm định ghi nhầm"  # the validity it gives


def test_voiding_writes_the_items_lost_validity_with_the_voids_reason(lab_technician) -> None:
    dispenser = InstrumentFactory()
    event = record_verification(lab_technician, dispenser)
    void_event(lab_technician, event, reason="Ghi nhầm phương tiện", version=event.version)
    assert dispenser.valid_until is None
    assert _last_reason("events", event.id) == "Ghi nhầm phương tiện"
    assert _last_reason("items", dispenser.id) == "Ghi nhầm phương tiện"


def test_a_reason_never_reaches_a_later_unrelated_write() -> None:
    dispenser = InstrumentFactory()
    db.session.flush()
    with audit.reason("Ghi chú của thử nghiệm"):
        dispenser.notes = "đã kiểm tra niêm phong"
    organisation = create_organisation(
        SYSTEM, code="SAU-DO", name="Công ty đăng ký sau", kinds=["enterprise"]
    )
    assert _last_reason("items", dispenser.id) == "Ghi chú của thử nghiệm"
    assert _audited("organisations", organisation.id)[-1].reason is None


def test_a_change_flushed_inside_the_scope_by_a_query_keeps_its_reason() -> None:
    """An autoflush (any query) inside the scope writes the change with the scope's reason."""
    dispenser = InstrumentFactory()
    db.session.flush()
    with audit.reason("Đổi ghi chú"):
        dispenser.notes = "ghi chú mới"
        db.session.scalar(sa.select(sa.func.count(Item.id)))  # autoflushes the change
        assert _last_reason("items", dispenser.id) == "Đổi ghi chú"


def test_a_change_that_must_say_why_fails_loudly_outside_a_reason(app) -> None:
    organisation = create_organisation(SYSTEM, code="KHONG-LY-DO", name="Công ty", kinds=["enterprise"])
    organisation.name = "Tên đổi không lý do"
    with pytest.raises(audit.MissingReasonError, match="organisations"):
        db.session.flush()
    db.session.rollback()


def test_a_scope_with_no_reason_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"), audit.reason("  "):
        pass


def test_nested_scopes_each_cover_their_own_writes() -> None:
    first, second = InstrumentFactory(), InstrumentFactory()
    db.session.flush()
    with audit.reason("ngoài"):
        first.notes = "một"
        with audit.reason("trong"):
            second.notes = "hai"
        first.model = "M-2"
    assert _last_reason("items", second.id) == "trong"
    # The outer scope's writes, before and after the inner one, all say the outer reason.
    assert {event.reason for event in _audited("items", first.id) if event.action == "update"} == {"ngoài"}


def test_a_lab_recording_on_the_english_pages_leaves_a_vietnamese_reason(
    client: FlaskClient, auth, lab, lab_technician
) -> None:
    """The audit trail reads the same whoever looks at it: reasons the system writes are in Vietnamese."""
    dispenser = InstrumentFactory(
        owner=Organisation(code="CH-XANG", name="Cửa hàng xăng", is_enterprise=True)
    )
    db.session.commit()
    logged_in(client, auth, lab_technician, language="en")
    response = post_form(
        client,
        "/events/new",
        {
            "owner": "CH-XANG",
            "serial_number": dispenser.serial_number,
            "kind": "verification_periodic",
            "performed_on": (local_today() - timedelta(days=1)).strftime("%d/%m/%Y"),
            "result": "pass",
            "certificate_number": "GCN-EN-1",
            "stamp_number": "T-EN-1",
            "verifier_card": f"KĐV-{lab.code}",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    reason = _last_reason("items", dispenser.id)
    assert reason is not None and reason.startswith("Ghi nhận: Kiểm định định kỳ")
