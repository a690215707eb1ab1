"""The request's one commit point (registry/web.py) keeps its writes on success and rolls them back on an
error response — except a refusal whose record must stand: a failed password, counted towards throttling
even though the request answers an error."""

from __future__ import annotations

from flask import g, has_request_context

KEEP_ON_REFUSAL = "keep_on_refusal"


def keep_on_refusal() -> None:
    """Commit this request's writes although it answers an error (call it only when nothing but the record
    of the refusal has been written)."""
    if has_request_context():
        setattr(g, KEEP_ON_REFUSAL, True)


def kept_on_refusal() -> bool:
    return bool(g.get(KEEP_ON_REFUSAL, False))
