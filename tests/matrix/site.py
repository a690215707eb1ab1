"""Permission rows of what belongs to no domain (see tests/test_permissions.py): logging in and out, the
password, two-factor sign-in, the language, the home page, the Department's inspection list and registry-wide
search, the health check, security.txt and the API's
description."""

from __future__ import annotations

from tests.factories import DEFAULT_PASSWORD
from tests.matrix.base import DEPARTMENT_SEES, EVERYONE, LOGIN, NONE, Body, Redirect, Row

HOME = Redirect("/")
OUT = Redirect("/login")  # logged out: by logout, and by a password change (ends every session)
BACK = Redirect("/organisations/")  # the language switch returns to the page it was given
AGAIN = Redirect("/login")  # the code step of a login with no password accepted before it
TWO_FACTOR = Redirect("/account/two-factor")
# Refused: two-factor sign-in is not set up (the matrix's accounts have none), so there is nothing to
# confirm, no recovery code to replace and nothing to turn off. (Setting up, or a new phone, with the
# password starts one: the page then shows the app's key.)
NOTHING_TO_DO: Row = (LOGIN, 422, 422, 422, 422, 422, 422)

# fmt: off
ROWS: dict[tuple[str, str, str], Row] = {
    # (endpoint, method, target)             anonym.  d_admin  d_offic. p_manag. p_tech.  e_manag. e_view.
    ("auth.login", "GET", NONE):             (200,     HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    ("auth.login", "POST", NONE):            (HOME,    HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    ("auth.logout", "POST", NONE):           (OUT,     OUT,     OUT,     OUT,     OUT,     OUT,     OUT),
    ("auth.change_password", "GET", NONE):   (LOGIN,   200,     200,     200,     200,     200,     200),
    ("auth.change_password", "POST", NONE):  (LOGIN,   OUT,     OUT,     OUT,     OUT,     OUT,     OUT),
    ("auth.login_code", "GET", NONE):        (AGAIN,   HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    ("auth.login_code", "POST", NONE):       (AGAIN,   HOME,    HOME,    HOME,    HOME,    HOME,    HOME),
    ("auth.two_factor", "GET", NONE):        EVERYONE,
    ("auth.two_factor_start", "POST", NONE): (LOGIN,) + (TWO_FACTOR,) * 6,
    ("auth.two_factor_confirm", "POST", NONE): NOTHING_TO_DO,
    ("auth.two_factor_recovery_codes", "POST", NONE): NOTHING_TO_DO,
    ("auth.two_factor_new_phone", "POST", NONE): (LOGIN,) + (TWO_FACTOR,) * 6,
    ("auth.two_factor_off", "POST", NONE):   NOTHING_TO_DO,
    ("auth.set_language", "POST", NONE):     (BACK,    BACK,    BACK,    BACK,    BACK,    BACK,    BACK),
    ("home.index", "GET", NONE):             (LOGIN,   200,     200,     200,     200,     200,     200),
    ("home.inspection", "GET", NONE):        DEPARTMENT_SEES,
    ("home.search", "GET", NONE):            DEPARTMENT_SEES,
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
    ("auth.login_code", "POST"): {"code": "123456"},
    ("auth.two_factor_start", "POST"): {"password": DEFAULT_PASSWORD},
    ("auth.two_factor_confirm", "POST"): {"code": "123456"},
    ("auth.two_factor_recovery_codes", "POST"): {"code": "123456"},
    ("auth.two_factor_new_phone", "POST"): {"phone-password": DEFAULT_PASSWORD, "phone-code": "123456"},
    ("auth.two_factor_off", "POST"): {"off-password": DEFAULT_PASSWORD, "off-code": "123456"},
}
