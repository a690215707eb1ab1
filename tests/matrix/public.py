"""Permission rows of the public pages (see tests/test_permissions.py): anyone, logged in or not, sees a
certificate by its token, looks one up by lab and number on the page or through the API (no token), and
gets the same answer whoever asks (the lookups themselves, the 404s and the limit: tests/test_public.py).
What is printed (summary, labels) is seen by those who see the event, as its page is."""

from __future__ import annotations

import io
from typing import Any

from registry.auth.models import User
from registry.events.models import Event
from registry.extensions import db
from registry.organisations.models import Organisation
from registry.public.certificate_files import attach_file
from tests.helpers import SYSTEM
from tests.matrix.base import DEPARTMENT_SEES, EVERYONE, NONE, OTHER, OWN, Redirect, Row
from tests.matrix.events import CHANGER_OF_OTHERS, CHANGERS, _changed, _changed_other, record_calibration
from tests.matrix.events import URL_VALUES as EVENT_URL_VALUES

ANYONE: Row = (200,) * 7
ATTACHED = Redirect("/events/{event_id}")
PDF = b"%PDF-1.7\n%%EOF\n"
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
    ("public.lookups", "GET", NONE):                 DEPARTMENT_SEES,
    # Printed for those who see the event: its summary and label, a selection's and a day's sheet.
    ("printing.summary", "GET", OWN):                EVERYONE,
    ("printing.summary", "GET", OTHER):              DEPARTMENT_SEES,
    ("printing.label", "GET", OWN):                  EVERYONE,
    ("printing.label", "GET", OTHER):                DEPARTMENT_SEES,
    ("printing.selection", "GET", NONE):             EVERYONE,
    ("printing.day", "GET", NONE):                   EVERYONE,
    ("printing.choose", "GET", NONE):                EVERYONE,
    # The certificate's PDF: attached by the lab that recorded the event (or the Department's admin),
    # downloaded by whoever sees the event.
    ("public.attach_file", "GET", OWN):        CHANGERS,
    ("public.attach_file", "GET", OTHER):      CHANGER_OF_OTHERS,
    ("public.attach_file", "POST", OWN):       _changed(ATTACHED),
    ("public.attach_file", "POST", OTHER):     _changed_other(ATTACHED),
    ("public.download_file", "GET", OWN):      EVERYONE,
    ("public.download_file", "GET", OTHER):    DEPARTMENT_SEES,
}
# fmt: on


def _file(organisation: Organisation) -> dict[str, Any]:
    """A PDF attached to the event of the target organisation (see tests/matrix/events.py)."""
    values = EVENT_URL_VALUES["events.detail"](organisation)
    event = db.session.get(Event, values["event_id"])
    assert event is not None
    return values | {"file_id": attach_file(SYSTEM, event, filename="gcn.pdf", data=PDF).id}


def _pdf(user: User, organisation: Organisation | None) -> dict[str, Any]:
    return {"file": (io.BytesIO(PDF), "gcn.pdf")}


FORM_BODIES = {("public.attach_file", "POST"): _pdf}

URL_VALUES = {
    "public.attach_file": EVENT_URL_VALUES["events.detail"],
    "public.download_file": _file,
    "public.verify": _certificate,
    "printing.summary": EVENT_URL_VALUES["events.detail"],
    "printing.label": EVENT_URL_VALUES["events.detail"],
}
