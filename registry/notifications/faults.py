"""Named points in a job where the reliability tests stop a real process: ``REGISTRY_CRASH_AT=NAME`` exits
at once without committing (as a kill -9 would), ``REGISTRY_PAUSE_AT=NAME`` touches the file named by
``REGISTRY_PAUSE_FILE`` and waits there to be killed, or until the file named by ``REGISTRY_RELEASE_FILE``
appears (then it goes on). Nothing happens unless those variables are set."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

RELEASE_POLL_SECONDS = 0.05


def fault_point(name: str) -> None:
    if os.environ.get("REGISTRY_CRASH_AT") == name:
        os._exit(70)
    if os.environ.get("REGISTRY_PAUSE_AT") == name:
        marker = os.environ.get("REGISTRY_PAUSE_FILE")
        if marker:
            Path(marker).write_text(name)
        release = os.environ.get("REGISTRY_RELEASE_FILE")
        if release is None:
            threading.Event().wait()
            return
        while not Path(release).exists():
            time.sleep(RELEASE_POLL_SECONDS)
