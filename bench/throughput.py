"""``POST /api/v1/events`` through gunicorn (2 workers, the repository's gunicorn.conf.py) from 8 concurrent
clients: events recorded per second, each answered 201; and its floor, the same rows written by hand
(the event and its item's validity, one transaction each, one client)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

import sqlalchemy as sa

from bench.measure import Result

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 8
WORKERS = 2
DEADLINE = 120


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(url: str) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env |= {
        "DATABASE_URL": url,
        "WEB_CONCURRENCY": str(WORKERS),
        "API_RATE_LIMIT_PER_MINUTE": "1000000",
        "SMTP_HOST": "",
        "GUNICORN_ACCESS_LOG": "",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [*command, "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    while True:
        try:
            with urlopen(f"{base}/healthz", timeout=DEADLINE):  # noqa: S310 - our local server
                return base, server
        except (URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() - started > DEADLINE:
                server.terminate()
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.3)


def _post(base: str, token: str, body: dict[str, Any]) -> int:
    request = Request(  # noqa: S310 - our local server
        f"{base}/api/v1/events",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urlopen(request, timeout=DEADLINE) as answer:  # noqa: S310
            return int(answer.status)
    except HTTPError as error:
        return int(error.code)


def events_per_second(url: str, token: str, bodies: list[dict[str, Any]], instruments: int) -> Result:
    base, server = start_gunicorn(url)
    try:
        _post(base, token, bodies[0])  # each worker's first request loads the app's lazy parts
        _post(base, token, bodies[1])
        start = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            statuses = list(pool.map(lambda body: _post(base, token, body), bodies[2:]))
        seconds = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=DEADLINE)
    refused = [s for s in statuses if s != 201]
    note = f"{len(statuses)} events, {CLIENTS} clients, {WORKERS} workers"
    if refused:
        note += f"; NOT 201: {len(refused)} (first {refused[0]})"
    return Result(
        "POST /api/v1/events",
        instruments,
        app_ms=seconds * 1000 / len(statuses),
        per_s=len(statuses) / seconds,
        note=note,
    ).finish()


def floor_per_second(engine: sa.Engine, provider: int, items: list[int], today: date) -> float:
    """Events per second written by hand: the event row and its item's validity, one transaction each."""
    insert = sa.text(
        "INSERT INTO events (item_id, provider_id, kind, performed_on, result, certificate_number, revision, "
        "state, valid_until, computed_valid_until, technician, measurement_points, outside_accredited_scope, "
        "suspect, as_found_out_of_tolerance, created_at, version) VALUES (:item, :provider, "
        "'verification_periodic', :day, 'pass', :number, 0, 'current', :until, :until, '', '[]', false, "
        "false, false, CURRENT_TIMESTAMP, 1)"
    )
    update = sa.text(
        "UPDATE items SET valid_until = :until, last_result = 'pass', last_event_on = :day, "
        "version = version + 1 WHERE id = :item"
    )
    until = date(today.year + 1, today.month, min(today.day, 28))
    start = time.perf_counter()
    for n, item in enumerate(items):
        with engine.begin() as connection:
            values = {
                "item": item,
                "provider": provider,
                "day": today,
                "until": until,
                "number": f"FLOOR-{n}",
            }
            connection.execute(insert, values)
            connection.execute(update, values)
    return len(items) / (time.perf_counter() - start)
