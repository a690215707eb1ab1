"""The item lists page by position, not by number: Next and Previous walk the whole list in its order
(undated items last) with the filters kept, a jump to a due date lands on the first row due then, a
damaged link opens the first page, and the status filter lists exactly the rows of that status."""

from __future__ import annotations

import base64
import itertools
import json
import re
from datetime import timedelta

import pytest

from registry.auth.models import Role
from registry.core.dates import local_today
from registry.items.status import Status, status_of
from tests.factories import InstrumentFactory, OrganisationFactory, user_with_role
from tests.helpers import logged_in, page_link

PER_PAGE = 50


def rows(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'<tr data-item="(\d+)"', html)]


@pytest.fixture
def owner():
    return OrganisationFactory(code="PAGES")


@pytest.fixture
def listed(owner):
    """120 instruments of ``owner``, several on each due date and some with none; and another owner's."""
    today = local_today()
    items = [
        InstrumentFactory(
            owner=owner,
            serial_number=f"S-{n:03d}",
            last_result=None if n % 9 == 0 else "pass",
            valid_until=None if n % 9 == 0 else today + timedelta(days=(n * 37) % 41 - 20),
        )
        for n in range(120)
    ]
    InstrumentFactory(owner=OrganisationFactory(), valid_until=today, last_result="pass")
    return items


def walk(client, first: str, testid: str) -> list[list[int]]:
    pages, url = [], first
    while url:
        html = client.get(url).get_data(as_text=True)
        pages.append(rows(html))
        url = page_link(html, testid)
        if url:
            assert "owner=PAGES" in url, "the filters stay on every page"
    return pages


@pytest.mark.parametrize("sort", ["valid_until", "-valid_until"])
def test_next_and_previous_walk_the_list_in_order_with_undated_items_last(client, auth, listed, sort):
    logged_in(client, auth, user_with_role(Role.DEPARTMENT_OFFICER))
    descending = sort.startswith("-")
    dated = sorted((item for item in listed if item.valid_until), key=lambda i: (i.valid_until, i.id))
    undated = sorted((item for item in listed if not item.valid_until), key=lambda i: i.id)
    # Undated rows come last in either direction.
    expected = [item.id for item in (dated[::-1] + undated[::-1] if descending else dated + undated)]

    forward = walk(client, f"/instruments/?owner=PAGES&sort={sort}", "next-page")
    assert [len(page) for page in forward] == [PER_PAGE, PER_PAGE, 20]
    assert list(itertools.chain(*forward)) == expected

    last_page = client.get(f"/instruments/?owner=PAGES&sort={sort}").get_data(as_text=True)
    for _ in range(2):
        last_page = client.get(page_link(last_page, "next-page")).get_data(as_text=True)
    backward = walk(client, page_link(last_page, "previous-page"), "previous-page")
    assert backward == forward[:2][::-1], "Previous shows the same pages again"


def test_a_jump_to_a_due_date_lands_on_the_first_row_due_then(client, auth, listed):
    logged_in(client, auth, user_with_role(Role.DEPARTMENT_OFFICER))
    day = local_today() + timedelta(days=3)
    html = client.get("/instruments/", query_string={"owner": "PAGES", "start": f"{day:%d/%m/%Y}"}).text
    by_id = {item.id: item for item in listed}
    due = sorted(
        (i for i in listed if i.valid_until and i.valid_until >= day), key=lambda i: (i.valid_until, i.id)
    )
    assert rows(html)[0] == due[0].id
    assert all(by_id[row].valid_until is None or by_id[row].valid_until >= day for row in rows(html))
    before = client.get(page_link(html, "previous-page")).get_data(as_text=True)
    assert by_id[rows(before)[-1]].valid_until < day, "Previous goes back before the date"


def _cursor(data: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "query",
    [
        {"after": "not-a-cursor"},
        {"before": "%%%"},
        {"after": _cursor({"o": "valid_until", "v": {"x": 1}, "id": 1})},
        {"after": _cursor({"o": "valid_until", "v": "2025-13-01", "id": 1})},
        {"after": _cursor({"o": "valid_until", "v": "2025-01-01", "id": 10**30})},
        {"after": _cursor({"o": "valid_until", "v": "2025-01-01", "id": True})},
        {"after": _cursor({"o": "serial_number", "v": "S-001", "id": 1})},  # another order's
        {"after": _cursor(["valid_until"])},
        {"after": "A" * 5000},
    ],
)
def test_a_damaged_page_link_opens_the_first_page(client, auth, listed, query):
    logged_in(client, auth, user_with_role(Role.DEPARTMENT_OFFICER))
    first = rows(client.get("/instruments/?owner=PAGES").get_data(as_text=True))
    response = client.get("/instruments/", query_string={"owner": "PAGES", **query})
    assert response.status_code == 200
    assert 'data-testid="page-reset"' in response.text
    assert rows(response.text) == first


def test_the_pages_read_in_vietnamese(client, auth, listed):
    logged_in(client, auth, user_with_role(Role.DEPARTMENT_OFFICER), language="")
    html = client.get("/instruments/?owner=PAGES").get_data(as_text=True)
    assert "Trang sau" in html and "Nhảy tới ngày đến hạn" in html


def test_the_status_filter_lists_exactly_the_rows_of_each_status(client, auth, owner):
    today = local_today()
    items = [
        InstrumentFactory(
            owner=owner,
            state=state,
            valid_until=None if offset is None else today + timedelta(days=offset),
            last_result=result,
            needs_reverification=repair,
        )
        for state, offset, result, repair in itertools.product(
            ("in_service", "out_of_service", "retired"),
            (None, -3, 0, 5, 400),
            (None, "pass", "fail"),
            (False, True),
        )
    ]
    logged_in(client, auth, user_with_role(Role.DEPARTMENT_OFFICER))
    for status in Status:
        html = client.get("/instruments/", query_string={"owner": "PAGES", "status": status.value}).text
        expected = {item.id for item in items if status_of(item, today) == status}
        assert set(rows(html)) == expected, status
        assert f'data-count="{status.value}">{len(expected)}<' in html


def test_an_enterprise_pages_through_its_own_items_only(client, auth, owner, listed):
    logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, owner))
    pages = walk(client, "/instruments/?owner=PAGES", "next-page")
    assert sorted(itertools.chain(*pages)) == sorted(item.id for item in listed)
