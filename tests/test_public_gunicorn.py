"""The public lookup's limit per client address holds across gunicorn's worker processes: the counts live in
the database, not in a worker's memory, so the workers serving one address answer the limit once."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import flask_migrate
import pytest

from registry import create_app
from registry.extensions import db

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 6
DEADLINE = 60  # seconds gunicorn may take to answer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status(url: str) -> int:
    try:
        with urlopen(url, timeout=DEADLINE) as response:  # noqa: S310 - a local test server
            return int(response.status)
    except HTTPError as error:
        return int(error.code)


@pytest.fixture
def gunicorn(
    separate_database: Any, committing_sessions: None
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    url = separate_database("gunicorn")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env |= {"DATABASE_URL": url, "API_PUBLIC_RATE_LIMIT_PER_MINUTE": str(LIMIT), "SMTP_HOST": ""}
    server = subprocess.Popen(
        # --max-requests: each worker process is replaced after three requests, so that many processes
        # answer (a busy machine may otherwise leave one worker to answer them all) and none could keep a
        # count of its own in memory.
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--max-requests", "3",
         # The repository's gunicorn.conf.py adds a jitter of up to 200 requests to the restarts.
         "--max-requests-jitter", "0",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", "-",
         "--access-logformat", "worker=%(p)s status=%(s)s", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.monotonic()
        while True:
            try:
                _status(f"{base}/login")  # a page outside the API's limits
                break
            except URLError:
                assert server.poll() is None and time.monotonic() - started < DEADLINE, (
                    "gunicorn did not start"
                )
                time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        server.wait(timeout=DEADLINE)


def test_two_gunicorn_workers_answer_one_address_s_limit_once(gunicorn):
    base, server = gunicorn
    # The limit counts per minute: start at the beginning of one, so that the burst cannot straddle two
    # (on a machine with a load of 15, the workers' restarts made it last more than 30 s).
    while datetime.now(UTC).second > 5:
        time.sleep(0.5)
    lookup = f"{base}/api/v1/public/certificates?provider=NOBODY&number=1"
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(_status, [lookup] * 24))
    assert statuses.count(404) == LIMIT  # unknown, as far as the limit allows
    assert statuses.count(429) == 24 - LIMIT
    server.terminate()
    log = server.communicate(timeout=DEADLINE)[0]
    workers = set(re.findall(r"worker=<?(\d+)>? status=(?:404|429)", log))
    assert len(workers) >= 3, log  # several worker processes answered, and still only LIMIT got through
