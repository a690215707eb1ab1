"""Permission rows of what belongs to no domain (see tests/test_permissions.py): logging in and out, the
password, the language, the home page, the health check, security.txt and the API's description."""

from __future__ import annotations

from tests.factories import DEFAULT_PASSWORD
from tests.matrix.base import LOGIN, NONE, Body, Redirect, Row

HOME = Redirect("/")
OUT = Redirect("/login")  # logged out: by logout, and by a password change (ends every session)
BACK = Redirect("/organisations/")  # the language switch returns to the page it was given

# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    # (endpoint, method, target)             anonym.  d_admin  d_offic. p_manag. p_tech.  e_manag. e_view.
    ("auth.login", "GET", NONE):             (200,     HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    ("auth.login", "POST", NONE):            (HOME,    HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    ("auth.logout", "POST", NONE):           (OUT,     OUT,     OUT,     OUT,     OUT,     OUT,     OUT),
    ("auth.change_password", "GET", NONE):   (LOGIN,   200,     200,     200,     200,     200,     200),
    ("auth.change_password", "POST", NONE):  (LOGIN,   OUT,     OUT,     OUT,     OUT,     OUT,     OUT),
    ("auth.set_language", "POST", NONE):     (BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    BACK),
    ("home.index", "GET", NONE):             (LOGIN,   200,     200,     200,     200,     200,     200),
    ("home.health", "GET", NONE):            (200,     200,     200,     200,     200,     200,     200),
    ("home.security_txt", "GET", NONE):      (200,     200,     200,     200,     200,     200,     200),
    ("openapi_json", "GET", NONE):           (200,     200,     200,     200,     200,     200,     200),
}
# fmt: on

FORM_BODIES: dict[tuple[str, str], Body] = {
    ("auth.login", "POST"): {"email": "{email}", "password": DEFAULT_PASSWORD},
    ("auth.logout", "POST"): {},
    ("auth.change_password", "POST"): {
        "current_password": DEFAULT_PASSWORD,
        "new_password": "một mật khẩu mới rất dài",
    },
    ("auth.set_language", "POST"): {"lang": "en", "next": "/organisations/"},
}
