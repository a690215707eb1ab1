"""The pages of issue 15, each through the application (the Flask test client, logged in as the
Department's officer through the real form) and as the hand-written SQL that gives the rows it shows.

The deep page is reached as a user reaches it: by following the list's "Next" link from the first page
(whatever the paging is: page numbers or keyset cursors), ``deep`` times."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from bench.measure import Result, app_time, sql_time
from registry.extensions import db
from tests.helpers import csrf_token_from

PAGE = 50  # rows a list page shows
# The rows an instruments page shows: the item, its owner and its type, in due order.
LIST = """SELECT i.id, i.serial_number, i.valid_until, i.last_result, i.state, i.needs_reverification,
       o.code, o.name, t.code, t.name_vi
FROM items i JOIN organisations o ON o.id = i.owner_id LEFT JOIN instrument_types t ON t.id = i.type_id
WHERE i.kind = 'instrument' {where}
ORDER BY i.valid_until ASC NULLS LAST, i.id LIMIT 50"""
# The status rule as plain conditions on the columns (registry/items/status.py), "overdue" on :today.
OVERDUE = """AND i.state = 'in_service' AND i.last_result IS NOT NULL AND i.last_result <> 'fail'
AND i.needs_reverification = false AND i.valid_until < :today"""
# Every status counted for the home page's tally.
TALLY = """SELECT kind, CASE WHEN state <> 'in_service' THEN state
  WHEN kind = 'reference_material' AND valid_until IS NULL THEN 'valid'
  WHEN valid_until IS NULL AND last_result IS NULL THEN 'never' WHEN last_result = 'fail' THEN 'failed'
  WHEN needs_reverification THEN 'awaiting' WHEN valid_until < :today THEN 'overdue'
  WHEN valid_until <= :soon THEN 'due_soon' ELSE 'valid' END AS status, count(*)
FROM items WHERE kind IN ('instrument', 'standard') GROUP BY 1, 2"""
# The plan's indicators are tallies of the registry: instruments verified, by year and district.
PLAN = """SELECT substr(CAST(e.performed_on AS TEXT), 1, 4), o.admin_unit_id, count(DISTINCT e.item_id)
FROM events e JOIN items i ON i.id = e.item_id JOIN organisations o ON o.id = i.owner_id
WHERE e.state = 'current' AND e.kind LIKE 'verification%' AND e.performed_on >= :since
GROUP BY 1, 2"""
NEXT = re.compile(r"<a\b([^>]*)>\s*([^<]*?)\s*</a>", re.S)


@dataclass
class Page:
    name: str
    url: str
    sql: str
    params: dict[str, Any]


def log_in(app: Flask, email: str, password: str) -> FlaskClient:
    """A test client logged in through the login form, showing pages in English."""
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    answer = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    if answer.status_code != 302:
        raise SystemExit(f"could not log in as {email}: {answer.status_code}")
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post("/language", data={"csrf_token": token, "lang": "en", "next": "/"})
    return client


def next_link(page_html: str) -> str | None:
    """The address of the page's "Next" link (a rel="next" link, or one whose words start with Next)."""
    for attributes, words in NEXT.findall(page_html):
        href = re.search(r'href="([^"]*)"', attributes)
        if href is None or href.group(1) in ("", "#"):
            continue
        if 'rel="next"' in attributes or words.lower().startswith("next"):
            return html.unescape(href.group(1))
    return None


def _follow(client: FlaskClient, start: str, times: int) -> Iterator[str]:
    url: str | None = start
    for _ in range(times):
        assert url is not None
        answer = client.get(url)
        url = next_link(answer.get_data(as_text=True))
        if url is None:
            return
        yield url


def pages(client: FlaskClient, today: date, deep: int, owner: tuple[int, str], serial: str) -> list[Page]:
    visited = list(_follow(client, "/instruments/", deep))
    deep_url = visited[-1] if visited else "/instruments/"
    offset = PAGE * len(visited)
    soon = today + timedelta(days=30)
    return [
        Page("instruments: first page", "/instruments/", LIST.format(where=""), {}),
        # The floor of the deep page: keyset from the row before it (found beforehand, not timed).
        Page(
            f"instruments: page {len(visited) + 1} (Next × {len(visited)})",
            deep_url,
            LIST.format(where="AND (i.valid_until > :v OR (i.valid_until = :v AND i.id > :id))"),
            {"offset": offset},
        ),
        Page(
            "instruments: one owner",
            f"/instruments/?owner={owner[1]}",
            LIST.format(where="AND i.owner_id = :owner"),
            {"owner": owner[0]},
        ),
        Page(
            "instruments: status=overdue",
            "/instruments/?status=overdue",
            LIST.format(where=OVERDUE),
            {"today": today},
        ),
        Page(
            "instruments: q=<serial>",
            f"/instruments/?q={serial}",
            LIST.format(where="AND i.search_text LIKE :q"),
            {"q": f"%{serial.lower()}%"},
        ),
        Page("home /", "/", TALLY, {"today": today, "soon": soon}),
        Page("plan dashboard /plan/", "/plan/", PLAN, {"since": date(today.year - 5, 1, 1)}),
    ]


def _keyset(params: dict[str, Any]) -> dict[str, Any]:
    """The (valid_until, id) of the last row before the deep page, for its keyset floor."""
    offset = params.pop("offset")
    row = db.session.execute(
        sa.text(
            "SELECT valid_until, id FROM items WHERE kind = 'instrument' "
            "ORDER BY valid_until ASC NULLS LAST, id LIMIT 1 OFFSET :n"
        ),
        {"n": max(offset - 1, 0)},
    ).one()
    return {"v": row[0], "id": row[1]}


def measure(app: Flask, client: FlaskClient, instruments: int, page: Page) -> Result:
    def fetch() -> None:
        answer = client.get(page.url)
        if answer.status_code != 200:
            raise SystemExit(f"{page.url} answered {answer.status_code}")

    with app.app_context():
        engine = db.engine
        params = _keyset(dict(page.params)) if "offset" in page.params else page.params
        db.session.remove()
        app_ms, app_sql_ms = app_time(engine, fetch)
        sql_ms = sql_time(engine, page.sql, params)
    return Result(page.name, instruments, app_ms, sql_ms, app_sql_ms).finish()
