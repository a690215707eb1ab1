"""Permission rows of the public pages (see tests/test_permissions.py): anyone, logged in or not, sees a
certificate by its token, looks one up by lab and number on the page or through the API (no token), and
gets the same answer whoever asks (the lookups themselves, the 404s and the limit: tests/test_public.py).
What is printed (summary, labels) is seen by those who see the event, as its page is."""

from __future__ import annotations

from typing import Any

from registry.organisations.models import Organisation
from tests.matrix.base import DEPARTMENT_SEES, EVERYONE, NONE, OTHER, OWN, Row
from tests.matrix.events import URL_VALUES as EVENT_URL_VALUES
from tests.matrix.events import record_calibration

ANYONE: Row = (200,) * 7
NO_QUERY: Row = (422,) * 7  # no lab nor number asked for: the fields are named, to anyone


def _certificate(organisation: Organisation) -> dict[str, Any]:
    event = record_calibration(organisation, "PERM-PUB-1")
    return {"token": event.verification_token}


# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    ("public.verify", "GET", OWN):                   ANYONE,
    ("public.verify", "GET", OTHER):                 ANYONE,
    ("public.lookup", "GET", NONE):                  ANYONE,
    ("public_api.Certificates", "GET", NONE):        NO_QUERY,
    # Printed for those who see the event: its summary and label, a selection's and a day's sheet.
    ("printing.summary", "GET", OWN):                EVERYONE,
    ("printing.summary", "GET", OTHER):              DEPARTMENT_SEES,
    ("printing.label", "GET", OWN):                  EVERYONE,
    ("printing.label", "GET", OTHER):                DEPARTMENT_SEES,
    ("printing.selection", "GET", NONE):             EVERYONE,
    ("printing.day", "GET", NONE):                   EVERYONE,
}
# fmt: on

URL_VALUES = {
    "public.verify": _certificate,
    "printing.summary": EVENT_URL_VALUES["events.detail"],
    "printing.label": EVENT_URL_VALUES["events.detail"],
}
