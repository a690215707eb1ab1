"""Named points in a job where the reliability tests stop a real process: ``REGISTRY_CRASH_AT=NAME`` exits
at once without committing (as a kill -9 would), ``REGISTRY_PAUSE_AT=NAME`` touches the file named by
``REGISTRY_PAUSE_FILE`` and waits there to be killed. Nothing happens unless those variables are set."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def fault_point(name: str) -> None:
    if os.environ.get("REGISTRY_CRASH_AT") == name:
        os._exit(70)
    if os.environ.get("REGISTRY_PAUSE_AT") == name:
        marker = os.environ.get("REGISTRY_PAUSE_FILE")
        if marker:
            Path(marker).write_text(name)
        threading.Event().wait()
