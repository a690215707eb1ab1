"""The status of an item: the SQL expression and its Python twin agree on every branch, on SQLite and
on PostgreSQL, and the words a page shows for each."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from registry.core import counting
from registry.extensions import db
from registry.items.models import Item
from registry.items.status import (
    Status,
    describe,
    describe_many,
    status_condition,
    status_counts,
    status_expression,
    status_of,
)
from tests.factories import InstrumentFactory, OrganisationFactory, ReferenceMaterialFactory

TODAY = date(2025, 2, 10)
OFFSETS = (None, -400, -1, 0, 1, 29, 30, 31, 400)
RESULTS = (None, "pass", "fail", "not_stated")
STATES = ("in_service", "out_of_service", "retired")


@pytest.fixture
def every_combination() -> list[Item]:
    """One instrument per state × validity × last result × repair flag: every branch, and each edge
    (the last valid day, the 30th and 31st day before the end); and a reference material per state ×
    expiry (none included) × last result."""
    owner = OrganisationFactory()
    items: list[Item] = []
    for state, offset, result in itertools.product(STATES, OFFSETS, (None, "pass")):
        expiry = None if offset is None else TODAY + timedelta(days=offset)
        items.append(
            ReferenceMaterialFactory(
                owner=owner, state=state, expiry_date=expiry, valid_until=expiry, last_result=result
            )
        )
    for state, offset, result, repair in itertools.product(STATES, OFFSETS, RESULTS, (False, True)):
        items.append(
            InstrumentFactory(
                owner=owner,
                state=state,
                valid_until=None if offset is None else TODAY + timedelta(days=offset),
                last_result=result,
                needs_reverification=repair,
            )
        )
    db.session.commit()
    return items


@pytest.mark.parametrize("due_soon_days", [30, 7, 0])
def test_the_sql_expression_and_the_python_twin_agree_on_every_row(
    app, monkeypatch, every_combination, due_soon_days
):
    monkeypatch.setitem(app.config, "DUE_SOON_DAYS", due_soon_days)
    expression = status_expression(TODAY)
    ids = [item.id for item in every_combination]
    in_sql = dict(db.session.execute(select(Item.id, expression).where(Item.id.in_(ids))).all())
    db.session.expire_all()
    for item in db.session.scalars(select(Item).where(Item.id.in_(ids))):
        assert in_sql[item.id] == status_of(item, TODAY).value, (
            item.state,
            item.valid_until,
            item.last_result,
            item.needs_reverification,
        )
    assert set(in_sql.values()) == {status.value for status in Status}, "every branch is reached"


def test_counts_and_filters_use_the_same_rule(every_combination):
    ids = [item.id for item in every_combination]
    counts = status_counts([Item.id.in_(ids)], TODAY)
    expected = Counter(status_of(item, TODAY) for item in every_combination)
    assert counts == {status: expected.get(status, 0) for status in Status}
    for status in Status:
        expected_ids = {item.id for item in every_combination if status_of(item, TODAY) == status}
        stmt = select(Item.id).where(Item.id.in_(ids), status_expression(TODAY) == status.value)
        assert set(db.session.scalars(stmt)) == expected_ids
        # The plain conditions the lists filter with (an index serves them) take the same rows.
        stmt = select(Item.id).where(Item.id.in_(ids), status_condition(status, TODAY))
        assert set(db.session.scalars(stmt)) == expected_ids, status


@pytest.mark.parametrize("due_soon_days", [30, 7, 0])
def test_the_plain_status_conditions_split_the_rows_like_the_expression(
    app, monkeypatch, every_combination, due_soon_days
):
    monkeypatch.setitem(app.config, "DUE_SOON_DAYS", due_soon_days)
    ids = [item.id for item in every_combination]
    for status in Status:
        stmt = select(Item.id).where(Item.id.in_(ids), status_condition(status, TODAY))
        assert set(db.session.scalars(stmt)) == {
            item.id for item in every_combination if status_of(item, TODAY) == status
        }, status


def test_a_large_tally_counts_each_status_on_its_own_and_says_which_are_estimates(
    monkeypatch, every_combination, is_postgres
):
    monkeypatch.setattr(counting, "EXACT_UP_TO", 5)
    ids = [item.id for item in every_combination]
    counts = status_counts([Item.id.in_(ids)], TODAY)
    expected = Counter(status_of(item, TODAY) for item in every_combination)
    for status, count in counts.items():
        if count.exact:
            assert count == expected.get(status, 0), status
        else:
            assert is_postgres, "SQLite has no estimate: it counts exactly"
            assert count > counting.EXACT_UP_TO
    assert not is_postgres or not all(count.exact for count in counts.values())


@pytest.mark.parametrize(
    "fields, expected",
    [
        (
            {"state": "retired", "valid_until": TODAY + timedelta(days=100), "last_result": "pass"},
            Status.RETIRED,
        ),
        ({"state": "out_of_service", "last_result": "fail"}, Status.OUT_OF_SERVICE),
        ({}, Status.NEVER),
        ({"needs_reverification": True}, Status.NEVER),
        ({"last_result": "fail", "valid_until": TODAY + timedelta(days=100)}, Status.FAILED),
        ({"last_result": "pass", "valid_until": TODAY - timedelta(days=1)}, Status.OVERDUE),
        (
            {"last_result": "pass", "valid_until": TODAY + timedelta(days=90), "needs_reverification": True},
            Status.AWAITING_REVERIFICATION,
        ),
        (
            {"last_result": "pass", "valid_until": TODAY - timedelta(days=90), "needs_reverification": True},
            Status.AWAITING_REVERIFICATION,
        ),
        ({"last_result": "pass", "valid_until": TODAY}, Status.DUE_SOON),
        ({"last_result": "pass", "valid_until": TODAY + timedelta(days=30)}, Status.DUE_SOON),
        ({"last_result": "pass", "valid_until": TODAY + timedelta(days=31)}, Status.VALID),
        ({"last_result": "not_stated", "valid_until": TODAY + timedelta(days=31)}, Status.VALID),
        # A type with no periodic verification: a pass and no end date stays valid.
        ({"last_result": "pass"}, Status.VALID),
        # A validity with no recorded result (a reference material's expiry) counts as a result.
        ({"valid_until": TODAY + timedelta(days=5)}, Status.DUE_SOON),
    ],
)
def test_each_branch(fields, expected):
    item = InstrumentFactory(**fields)
    assert status_of(item, TODAY) == expected
    assert db.session.scalar(select(status_expression(TODAY)).where(Item.id == item.id)) == expected.value


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"expiry_date": TODAY - timedelta(days=1)}, Status.OVERDUE),
        ({"expiry_date": TODAY + timedelta(days=5)}, Status.DUE_SOON),
        # No expiry date: it does not expire; it is never "never verified" (it is not verified at all).
        ({"expiry_date": None}, Status.VALID),
        ({"expiry_date": None, "last_result": None}, Status.VALID),
    ],
)
def test_each_branch_of_a_reference_material(fields, expected):
    item = ReferenceMaterialFactory(**fields, valid_until=fields["expiry_date"])
    assert status_of(item, TODAY) == expected
    assert db.session.scalar(select(status_expression(TODAY)).where(Item.id == item.id)) == expected.value


def test_a_reference_material_reads_expired_replace_and_one_without_expiry_is_not_never_verified(app):
    expired = ReferenceMaterialFactory(expiry_date=date(2025, 1, 31), valid_until=date(2025, 1, 31))
    undated = ReferenceMaterialFactory(expiry_date=None, valid_until=None, last_result=None)
    with app.test_request_context("/"), force_locale("en"):
        assert describe(expired, TODAY).label == "Expired — replace"
        assert describe(expired, TODAY).text == "Expired on 31/01/2025: replace it"
        assert describe(undated, TODAY).label == "Valid"
        assert describe(undated, TODAY).text == "Valid (no expiry date)"


def test_the_words_and_colours_say_the_date_that_matters(app):
    valid = InstrumentFactory(valid_until=date(2025, 2, 28) + timedelta(days=365), last_result="pass")
    due = InstrumentFactory(valid_until=date(2025, 2, 28), last_result="pass")
    overdue = InstrumentFactory(valid_until=date(2025, 1, 31), last_result="pass")
    failed = InstrumentFactory(last_result="fail", last_event_on=date(2025, 2, 3))
    repaired = InstrumentFactory(valid_until=date(2026, 1, 1), last_result="pass", needs_reverification=True)
    with app.test_request_context("/"), force_locale("en"):
        assert describe(valid, TODAY).text == "Valid until 28/02/2026"
        assert describe(valid, TODAY).css == "text-bg-success"
        assert describe(valid, TODAY).detail == "until 28/02/2026"
        assert describe(overdue, TODAY).detail == "valid until 31/01/2025"
        assert describe(due, TODAY).text == "Due on 28/02/2025"
        assert describe(due, TODAY).css == "text-bg-warning"
        assert describe(overdue, TODAY).text == "Overdue: valid until 31/01/2025"
        assert describe(overdue, TODAY).css == "text-bg-danger"
        assert describe(failed, TODAY).text == "Failed on 03/02/2025"
        assert describe(repaired, TODAY).label == "Awaiting verification after repair"
        assert describe(repaired, TODAY).text == "Awaiting verification after repair"
        repaired = InstrumentFactory(
            valid_until=date(2026, 1, 1),
            last_result="pass",
            needs_reverification=True,
            repaired_on=date(2025, 2, 1),
        )
        assert describe(repaired, TODAY).text == "Repaired on 01/02/2025: awaiting verification after repair"
        assert describe(repaired, TODAY).css == "text-bg-danger"
        for_life = InstrumentFactory(type_code="TAPE_MEASURE", last_result="pass")
        assert describe(for_life, TODAY).text == "Valid (initial verification only)"
        assert describe(InstrumentFactory(), TODAY).label == "No valid result"


def test_describing_many_items_at_once_says_what_describing_each_says(every_combination):
    """A reminders run describes its items together; each must read as on its own page, including the
    dates of a failure and of a repair."""
    try:
        with db.session.no_autoflush, force_locale("vi"):
            # One of the two dates of its own on each item (or neither), the other shared: two items
            # alike but for one date must not read alike.
            for own in ("last_event_on", "repaired_on", None):
                for item in every_combination:
                    item.last_event_on = item.repaired_on = TODAY - timedelta(days=1)
                    if own:
                        setattr(item, own, TODAY - timedelta(days=item.id))
                together = describe_many(every_combination, TODAY)
                assert together == {item.id: describe(item, TODAY) for item in every_combination}, own
    finally:
        db.session.expire_all()  # the dates were set for describing only, never to be saved
