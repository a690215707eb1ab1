"""Every model module, imported once so that the metadata is complete."""

from registry.api.idempotency import IdempotencyKey
from registry.audit.models import AuditEvent
from registry.auth.models import (
    ApiToken,
    LoginAttempt,
    RateLimitCounter,
    User,
    UserRole,
    UserSession,
    UserToken,
)
from registry.catalogue.models import AdminUnit, InstrumentType, LegalRule
from registry.events.models import Event, EventSignature
from registry.events.suspects.models import ImpactAssessment, Suspicion
from registry.imports.models import ImportJob
from registry.items.models import Instrument, Item, MeasurementStandard, ReferenceMaterial
from registry.notifications.models import (
    Notification,
    NotificationSettings,
    OutboxMessage,
    RecipientChoice,
    ReminderStage,
)
from registry.organisations.models import Accreditation, Designation, Organisation, Registration, Verifier
from registry.plan.models import Activity, Indicator, IndicatorSnapshot, Participant, Phase, Plan
from registry.public.models import CertificateFile, CertificateLookup

__all__ = [
    "Accreditation",
    "Activity",
    "AdminUnit",
    "ApiToken",
    "AuditEvent",
    "CertificateFile",
    "CertificateLookup",
    "Designation",
    "Event",
    "EventSignature",
    "IdempotencyKey",
    "ImpactAssessment",
    "ImportJob",
    "Indicator",
    "IndicatorSnapshot",
    "Instrument",
    "InstrumentType",
    "Item",
    "LegalRule",
    "LoginAttempt",
    "MeasurementStandard",
    "Notification",
    "NotificationSettings",
    "Organisation",
    "OutboxMessage",
    "Participant",
    "Phase",
    "Plan",
    "RateLimitCounter",
    "RecipientChoice",
    "ReferenceMaterial",
    "Registration",
    "ReminderStage",
    "Suspicion",
    "User",
    "UserRole",
    "UserSession",
    "UserToken",
    "Verifier",
]
