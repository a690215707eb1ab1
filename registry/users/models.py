"""Who may see and manage an organisation's users, asked through the policy (no table of its own: the
accounts are auth's, their links ``user_tokens``)."""

from __future__ import annotations

from registry.auth.principals import ACL, DEPARTMENT, DEPARTMENT_ADMIN, Permission, manager
from registry.organisations.models import Organisation


class OrganisationUsers:
    """The users of one organisation: the Department sees every organisation's; its admin and the
    organisation's managers manage them (within the roles each may grant: ``policy.grantable_roles``)."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation

    @classmethod
    def __class_acl__(cls) -> ACL:
        return []

    def __acl__(self) -> ACL:
        return [
            (DEPARTMENT, {Permission.SEE_USERS}),
            (DEPARTMENT_ADMIN, {Permission.SEE_USERS, Permission.MANAGE_USERS}),
            (manager(self.organisation.id), {Permission.SEE_USERS, Permission.MANAGE_USERS}),
        ]
