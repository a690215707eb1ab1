"""/api/v1/notifications: the caller's organisation's notifications (filter ``kind``) and marking one
read. Another organisation's notification is not found. The schemas give the shape only."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.api.auth import api_user
from registry.api.blueprint import Blueprint
from registry.api.fields import AwareDateTime, Day, Integer, Schema, String, choice
from registry.api.pagination import ListArgsSchema, page_schema, paginate
from registry.api.schemas import documents_errors
from registry.core.dates import local_today
from registry.notifications import services
from registry.notifications.entries import Entry, entries
from registry.notifications.models import Notification, NotificationKind, Subject

blp = Blueprint(
    "notifications_api",
    __name__,
    url_prefix="/notifications",
    description="Reminders, expiry notices, suspect results and the Department's daily digest, for the "
    "caller's organisation.",
)


class NotificationSchema(Schema):
    id = Integer()
    kind = choice(NotificationKind, metadata={"description": "reminder, expiry, digest or suspect."})
    subject_type = choice(
        Subject,
        metadata={
            "description": "item, accreditation, designation, verifier, digest, or event (a suspect result, "
            "named by its first revision)."
        },
    )
    subject_id = Integer()
    title = String()
    status = String(metadata={"description": "The subject's status today, in words."})
    valid_until = Day(
        metadata={
            "description": "The subject's end date; for a suspect result, the day it was found suspect."
        }
    )
    stage = Integer(
        metadata={
            "description": "Days before valid_until; negative: days overdue. For a suspect result, the event "
            "(first revision) whose bad result made it suspect."
        }
    )
    message = String(metadata={"description": "What the reminder says, in words."})
    url = String(metadata={"description": "The subject's page."})
    created_at = AwareDateTime()
    read_at = AwareDateTime(allow_none=True)


class NotificationArgsSchema(ListArgsSchema):
    kind = choice(NotificationKind, metadata={"description": "reminder, expiry, digest or suspect."})


def _row(entry: Entry) -> dict[str, Any]:
    notification = entry.notification
    return {
        "id": notification.id,
        "kind": notification.kind,
        "subject_type": notification.subject_type,
        "subject_id": notification.subject_id,
        "title": entry.title,
        "status": entry.status,
        "valid_until": notification.valid_until,
        "stage": notification.stage,
        "message": entry.stage_text,
        "url": entry.url,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@blp.route("")
class Notifications(MethodView):
    @documents_errors(blp)
    @blp.arguments(NotificationArgsSchema, location="query")
    @blp.response(200, page_schema(NotificationSchema))
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The caller's organisation's notifications, oldest first; ``kind`` filters them."""
        stmt = services.notifications_visible(api_user(), args.get("kind") or None)
        page = paginate(stmt, Notification.id, limit=args.get("limit"), cursor=args.get("cursor"))
        page["items"] = [_row(entry) for entry in entries(page["items"], local_today())]
        return page


@blp.route("/<int:notification_id>/read")
class NotificationRead(MethodView):
    @documents_errors(blp, 404)
    @blp.response(200, NotificationSchema)
    def post(self, notification_id: int) -> dict[str, Any]:
        """Mark one of the caller's organisation's notifications read (again: no change)."""
        notification = services.get_notification(api_user(), notification_id)
        services.mark_read(api_user(), notification)
        return _row(entries([notification], local_today())[0])
