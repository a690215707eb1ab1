"""Permission rows of suspects (see tests/test_permissions.py).

- The suspect report (page and API): everyone logged in, each seeing the rows of the events it may see.
- Assessing a suspect event: the lab that recorded it (manager and technician) and the Department's admin;
  the officer and the item's owner see the event but may not assess it (403); others get 404.

The URL builder records, as in tests/matrix/events.py, a calibration by the target lab (or by a new lab on
the target's instrument), made with a standard of that lab never calibrated, with a reason: suspect.
"""

from __future__ import annotations

import itertools
from typing import Any

from registry.organisations.models import Organisation
from tests.factories import StandardFactory
from tests.matrix.base import EVERYONE, LOGIN, NONE, OTHER, OWN, TOKEN_HOLDERS, Redirect, Row
from tests.matrix.events import record_calibration

API_SUSPECTS = "suspects_api.Suspects"
API_ASSESS = "suspects_api.EventAssess"
ASSESSED = Redirect("/events/{event_id}")
REASON = "Sai số của chuẩn nằm trong độ không đảm bảo đo"

ASSESSORS: Row = (LOGIN, 200, 403, 200, 200, 403, 403)
ASSESSOR_OF_OTHERS: Row = (LOGIN, 200, 403, 404, 404, 404, 404)

# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    # (endpoint, method, target): anonymous, d_admin, d_officer, p_manager, p_technician, e_manager, e_viewer
    ("suspects.index", "GET", NONE):    EVERYONE,
    (API_SUSPECTS, "GET", NONE):        TOKEN_HOLDERS,
    ("suspects.assess", "GET", OWN):    ASSESSORS,
    ("suspects.assess", "GET", OTHER):  ASSESSOR_OF_OTHERS,
    ("suspects.assess", "POST", OWN):   (LOGIN, ASSESSED, 403, ASSESSED, ASSESSED, 403, 403),
    ("suspects.assess", "POST", OTHER): (LOGIN, ASSESSED, 403, 404, 404, 404, 404),
    (API_ASSESS, "POST", OWN):          (401, 201, 403, 201, 201, 403, 403),
    (API_ASSESS, "POST", OTHER):        (401, 201, 403, 404, 404, 404, 404),
}
# fmt: on

FORM_BODIES = {("suspects.assess", "POST"): {"decision": "no_effect", "reason": REASON}}
JSON_BODIES = {(API_ASSESS, "POST"): {"decision": "no_effect", "reason": REASON}}

_numbers = itertools.count(1)


def _suspect_event(organisation: Organisation) -> dict[str, Any]:
    """A suspect calibration recorded by the target lab, or by a new lab on the target's instrument: made
    with a standard never calibrated, with a reason."""
    event = record_calibration(
        organisation,
        f"PERM-SUS-{next(_numbers)}",
        lambda lab: {
            "standards_used": [StandardFactory(owner=lab)],
            "override_reason": "Chuẩn chưa hiệu chuẩn, dùng tạm",
        },
    )
    assert event.suspect
    return {"event_id": event.id}


URL_VALUES = {"suspects.assess": _suspect_event, API_ASSESS: _suspect_event}
