"""The plan's words: kinds of activity, ownership classes, the pace of an indicator."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from registry.items.labels import KIND_PLURALS
from registry.items.status import STATUS_LABELS
from registry.items.urls import LIST_ENDPOINTS
from registry.organisations.models import OwnershipClass
from registry.plan.models import ActivityKind
from registry.plan.tallies import Pace
from registry.plan.trends import Source

KIND_LABELS: dict[ActivityKind, Any] = {
    ActivityKind.TRAINING: _l("Training"),
    ActivityKind.ARTICLE: _l("News item or article"),
    ActivityKind.COORDINATION: _l("Coordination"),
    ActivityKind.POLICY_REVIEW: _l("Review of legal documents and policies"),
    ActivityKind.MAP_SURVEY: _l("Measurement assurance programme: survey"),
    ActivityKind.MAP_ENROLMENT: _l("Measurement assurance programme: enrolment"),
    ActivityKind.METHOD_DEVELOPMENT: _l("Measurement method development"),
    ActivityKind.CRITERIA_ASSESSMENT: _l("Assessment against the national criteria set"),
    ActivityKind.CRITERIA_SUPPORT: _l("Support to meet the national criteria set"),
    ActivityKind.PROVIDER_SUPPORT: _l("Support to a service provider"),
    ActivityKind.LAB_UPGRADE: _l("Laboratory upgrade"),
    ActivityKind.PLAN_INSPECTION: _l("Inspection of the plan's implementation"),
    ActivityKind.REPORT: _l("Report"),
    ActivityKind.PHASE_REVIEW: _l("Phase review"),
}

OWNERSHIP_LABELS: dict[str, Any] = {
    OwnershipClass.STATE_CAPITAL.value: _l("State capital"),
    OwnershipClass.PRIVATE.value: _l("Private"),
    OwnershipClass.FDI.value: _l("Foreign investment"),
    OwnershipClass.PUBLIC_UNIT.value: _l("Public unit"),
}

PACE_LABELS: dict[Pace, Any] = {
    Pace.ACHIEVED: _l("Achieved"),
    Pace.ON_TRACK: _l("On track"),
    Pace.BEHIND: _l("Behind"),
    Pace.NOT_STARTED: _l("Not started"),
    Pace.NO_TARGET: _l("No target"),
}

PACE_CLASSES: dict[Pace, str] = {
    Pace.ACHIEVED: "text-bg-success",
    Pace.ON_TRACK: "text-bg-primary",
    Pace.BEHIND: "text-bg-danger",
    Pace.NOT_STARTED: "text-bg-secondary",
    Pace.NO_TARGET: "text-bg-light border",
}

SOURCE_LABELS: dict[Source, Any] = {
    Source.SNAPSHOT: _l("nightly count"),
    Source.ROWS: _l("recounted from the rows"),
    Source.TODAY: _l("today's count"),
}

# The registry's figures beside the indicators: the item lists' words and addresses.
ITEM_KIND_PLURALS = KIND_PLURALS
ITEM_STATUS_LABELS = STATUS_LABELS
ITEM_LIST_ENDPOINTS = LIST_ENDPOINTS
