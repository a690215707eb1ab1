"""Idempotent POSTs (``Idempotency-Key``, IETF draft-ietf-httpapi-idempotency-key-header): a client that
retries a request — after a timeout, a dropped connection — with the same key gets the first answer again,
and the request's effect happens once, also when the retries race.

The key is claimed by a row in the request's own transaction, before the handler runs: a racing retry's
claim waits on the unique index until the first commits (then finds the stored answer) or rolls back
(then runs as the first). A refused request (4xx) is rolled back with its claim, so its retry runs again.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar, cast

from flask import Response, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.api.auth import api_user
from registry.auth.models import User
from registry.core.errors import ServiceError
from registry.core.models import UTCDateTime, utcnow
from registry.extensions import db

HEADER = "Idempotency-Key"
KEY = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII: what a client generates (a UUID, say)
F = TypeVar("F", bound=Callable[..., Any])


class IdempotencyKey(db.Model):  # type: ignore[name-defined]
    """A key a caller sent with a POST, the request it came with, and the answer it got."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    user: Mapped[User] = relationship()
    key: Mapped[str] = mapped_column(String(255))
    request_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None] = mapped_column(Integer)
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _digest() -> str:
    """The request as the key vouches for it: method, path and body."""
    payload = b"\n".join([request.method.encode(), request.path.encode(), request.get_data()])
    return hashlib.sha256(payload).hexdigest()


def _replay(stored: IdempotencyKey, digest: str) -> Response:
    if stored.request_digest != digest:
        raise ServiceError(
            {HEADER: _l("This key was used for another request: use a new key for a new request.")}
        )
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotent(view: F) -> F:
    """Make a POST handler idempotent for callers that send ``Idempotency-Key``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not KEY.fullmatch(key):
            raise ServiceError({HEADER: _l("Use 1 to 255 visible ASCII characters, e.g. a UUID.")})
        user_id, digest = api_user().id, _digest()
        existing = db.session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        )
        if existing is not None:
            return _replay(existing, digest)
        claim = IdempotencyKey(user_id=user_id, key=key, request_digest=digest)
        try:
            with db.session.begin_nested():
                db.session.add(claim)
                db.session.flush()
        except IntegrityError:
            # A retry raced this one and committed first: its answer stands.
            stored = db.session.scalar(
                select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
            )
            assert stored is not None
            return _replay(stored, digest)
        response = view(*args, **kwargs)
        claim.status = response.status_code
        claim.body = response.get_data(as_text=True)
        db.session.flush()
        return response

    return cast(F, wrapper)


def forget_before(moment: datetime) -> int:
    """Forget the keys older than ``moment`` (a retry comes within minutes, not days)."""
    result = db.session.execute(db.delete(IdempotencyKey).where(IdempotencyKey.created_at < moment))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
