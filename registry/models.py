"""Every model module, imported once so that the metadata is complete."""

from registry.audit.models import AuditEvent
from registry.auth.models import ApiToken, LoginAttempt, User, UserRole, UserSession
from registry.organisations.models import Organisation

__all__ = ["ApiToken", "AuditEvent", "LoginAttempt", "Organisation", "User", "UserRole", "UserSession"]
