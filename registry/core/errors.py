"""The one error type services raise, and its relatives for conflicts and missing rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class ServiceError(Exception):
    """A broken business rule. ``fields`` maps a field name (or ``_`` for the whole form) to a message.

    Messages are lazy gettext strings, so the web form and the API render them in the caller's language.
    """

    status_code = 422
    code = "validation_error"

    def __init__(self, fields: Mapping[str, object] | None = None, message: object | None = None) -> None:
        self.fields = dict(fields or {})
        self.message = message if message is not None else next(iter(self.fields.values()), "")
        super().__init__(str(self.message))


class ConflictError(ServiceError):
    """The row changed since the caller read it (optimistic locking)."""

    status_code = 409
    code = "conflict"


class NotFoundError(ServiceError):
    """The row does not exist or belongs to an organisation the caller may not see."""

    status_code = 404
    code = "not_found"


class ForbiddenError(ServiceError):
    """The caller may see the row but not do this to it."""

    status_code = 403
    code = "forbidden"


class FieldErrors:
    """Collects field errors while a whole input is checked, so that one refusal names every wrong field."""

    def __init__(self) -> None:
        self.fields: dict[str, object] = {}

    def run(self, cleaner: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``cleaner(*args, **kwargs)``; on a ServiceError, keep its messages and return None (unused:
        :meth:`raise_if_any` raises before the value is used)."""
        try:
            return cleaner(*args, **kwargs)
        except ServiceError as error:
            self.absorb(error)
            return None  # type: ignore[return-value]

    def add(self, field: str, message: object) -> None:
        self.fields.setdefault(field, message)

    def absorb(self, error: ServiceError) -> None:
        for name, message in error.fields.items():
            self.fields.setdefault(name, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ServiceError(self.fields)
