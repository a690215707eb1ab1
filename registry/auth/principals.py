"""The words of the access policy, which the models use to declare who may do what to them
(see :mod:`registry.auth.policy`). Nothing here reads the database or a model."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TypeAlias


class Permission(enum.StrEnum):
    VIEW = "view"  # decided by the model's __visible__, never by its ACL
    CREATE = "create"  # on a model: create rows of it at all
    CHANGE = "change"
    CHANGE_CONTACT = "change_contact"  # an organisation's address, administrative unit and sectors
    TRANSFER = "transfer"  # an item to another owner
    VIEW_HISTORY = "view_history"  # an item's audit trail (names and e-mails of the owner's people)
    REGISTER_ITEMS = "register_items"  # on an organisation: register items it owns
    REGISTER_INSTRUMENTS = "register_instruments"  # on an enterprise: a lab registers one on its behalf
    IMPORT_ITEMS = "import_items"  # on an organisation: register its instruments from a file
    LOOK_UP = "look_up"  # on instruments: find any owner's by owner code and serial number
    MANAGE_CREDENTIALS = "manage_credentials"  # on a provider: enter and amend its credentials
    REVIEW = "review"  # on a credential: confirm or reject it
    REVOKE = "revoke"  # on a credential: revoke a registration, suspend or withdraw an accreditation
    RECORD = "record"  # on events: record some event at all
    RECORD_AS = "record_as"  # on a lab: record verifications, calibrations and tests as that lab
    RECORD_IN_HOUSE = "record_in_house"  # on an item: its owner's internal calibrations and checks
    SIGN = "sign"  # on an event: sign it as who performed or who reviewed it
    ASSESS = "assess"  # on a suspect event: record the impact assessment that closes it (ISO/IEC 17025 §7.10)
    ISSUE_TOKEN = "issue_token"  # noqa: S105 - a permission: a new API token for the user
    RESET_TWO_FACTOR = "reset_two_factor"  # on a user: forget its authenticator app (a lost phone)
    SEE_USERS = "see_users"  # on an organisation's users: list them, with their roles and last logins
    MANAGE_USERS = "manage_users"  # on an organisation's users: invite, change roles, disable, re-enable
    SUBMIT = "submit"  # on a plan: submit (freeze) its report for a day


# Principals that name no organisation.
DEPARTMENT = "department"  # the Department's admin and officers, and the system
DEPARTMENT_ADMIN = "department_admin"  # acts on anyone's behalf, with a reason; and the system
MANAGER = "manager"  # an enterprise's or a lab's manager, of some organisation
LAB_MANAGER = "lab_manager"  # a lab's manager, of some lab
LAB_STAFF = "lab_staff"  # a lab's manager or technician, of some lab
ENTERPRISE_MANAGER = "enterprise_manager"
ENTERPRISE_STAFF = "enterprise_staff"  # an enterprise's manager or viewer, of some enterprise
SYSTEM = "system"


def account(user_id: int) -> str:
    """The user itself (its own password, language and tokens)."""
    return f"user:{user_id}"


def member(organisation_id: int) -> str:
    return f"org:{organisation_id}"


def manager(organisation_id: int) -> str:
    """An enterprise manager or a provider manager of the organisation."""
    return f"org:{organisation_id}:manager"


def lab_manager(organisation_id: int) -> str:
    return f"org:{organisation_id}:lab_manager"


def lab_staff(organisation_id: int) -> str:
    """A provider manager or technician of the lab."""
    return f"org:{organisation_id}:lab_staff"


def in_house(organisation_id: int) -> str:
    """Who records an owner's internal calibrations and intermediate checks: its enterprise manager, or,
    for a lab's own standards, the lab's staff."""
    return f"org:{organisation_id}:in_house"


# What a model declares: the permissions each principal holds.
ACL: TypeAlias = Iterable[tuple[str, Iterable[Permission]]]
