"""``flask demo generate``: bulk synthetic data whose rows are what the services would have stored — each
instrument's validity as the events domain recomputes it, its status the same in SQL and in Python, its
search columns as the items domain folds them, found by the list's search — with every status present and
the batch in the audit trail."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.core.dates import today_is
from registry.events.item_validity import refresh_item
from registry.events.models import Event
from registry.extensions import db
from registry.items.models import Instrument, Item
from registry.items.search import search_text_of, serial_key
from registry.items.status import Status, status_expression, status_of
from registry.organisations.models import Organisation
from tests.helpers import logged_in

TODAY = date(2026, 11, 24)
N = 500


@pytest.fixture
def generated(cli) -> list[Instrument]:
    result = cli.invoke(args=["demo", "generate", "--instruments", str(N), "--today", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"Generated {N} instruments" in result.output
    db.session.expire_all()
    return list(db.session.scalars(select(Instrument).order_by(Instrument.id)))


def test_each_instrument_holds_the_validity_its_events_give_it(generated):
    assert len(generated) == N
    events = db.session.scalar(select(db.func.count(Event.id)))
    assert 2 * N <= events <= 4 * N  # about three per instrument (none for those never verified)
    with today_is(TODAY):
        for item in generated:
            before = (item.valid_until, item.last_result, item.last_event_on, item.needs_reverification)
            refresh_item(item)  # what the event service would set from the item's events
            after = (item.valid_until, item.last_result, item.last_event_on, item.needs_reverification)
            assert after == before, item.serial_number
    db.session.rollback()


def test_every_status_is_present_and_sql_agrees_with_python(app, generated):
    with app.test_request_context(), today_is(TODAY):
        in_sql = dict(db.session.execute(select(Item.id, status_expression(TODAY))).all())
        in_python = {item.id: status_of(item, TODAY).value for item in generated}
    assert {i: in_sql[i] for i in in_python} == in_python
    assert set(Counter(in_python.values())) == {status.value for status in Status}


def test_generated_instruments_are_found_by_their_search_columns_and_the_list(
    client, auth, department_officer, generated
):
    owners = {o.id: o for o in db.session.scalars(select(Organisation))}
    for item in generated:
        assert item.search_text == search_text_of(item, owners[item.owner_id])
        assert item.serial_key == serial_key(item.serial_number)
    wanted = generated[N // 2]
    page = logged_in(client, auth, department_officer).get(
        "/instruments/", query_string={"q": wanted.serial_number}
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and wanted.serial_number in text
    assert generated[N // 2 + 1].serial_number not in text


def test_the_organisations_spread_over_the_districts_and_the_batch_is_audited(generated):
    owners = {item.owner for item in generated}
    assert len(owners) >= 10
    assert len({owner.admin_unit_id for owner in owners}) >= 5
    batches = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "bulk_create")).all()
    by_table = {batch.table_name: batch for batch in batches}
    ids = [item.id for item in generated]
    assert by_table["items"].new_values["rows"] == N
    assert (by_table["items"].new_values["first_id"], by_table["items"].new_values["last_id"]) == (
        min(ids),
        max(ids),
    )
    assert by_table["items"].new_values["today"] == TODAY.isoformat()
    assert by_table["items"].actor_label == "demo-generate"
    certified = db.session.scalars(select(Event).where(Event.certificate_number.is_not(None))).all()
    assert certified and all(event.verification_token for event in certified)
