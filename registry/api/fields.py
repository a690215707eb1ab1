"""The API schemas' building blocks: the shape of the input only (types, what is required, the values an
enumeration documents). Every rule — lengths, patterns, ranges, which codes exist — is the services',
so the API and the web forms give the same answers in the same words.

marshmallow's own messages (type errors, a missing or unknown field) are declared here with lazy gettext,
so Babel translates them like every other message; no schema uses marshmallow's fields or validators
directly (their messages are English only).

One type policy for every value:

- whole numbers in a JSON body are JSON integers (:class:`Integer`): ``12``, never ``"12"``, ``12.0`` or
  ``true`` — ``version``, ``item``, ``interval_months``, every entry of ``standards_used`` alike;
- query parameters are text by nature: a whole number there (:class:`QueryInteger`: ``limit``, ``item``)
  is read from its ASCII digits, and nothing else;
- decimal numbers (:class:`Number`) are JSON numbers; measurement points are decimal text or JSON numbers,
  checked by the service (``registry.core.numbers``);
- dates (:class:`Day`) are text, YYYY-MM-DD (dd/mm/yyyy is read too, as the forms do).

Entries of a list are counted from 1 in error keys (``sectors.1`` is the first sector), as the forms
count rows and as the services count entries; lists whose entries the service checks itself (measurement
points, scope entries) reach it as sent (:class:`RawList`), so that every error about them is the
service's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

import marshmallow as ma
from flask_babel import lazy_gettext as _l

REQUIRED = _l("This field is required.")
PLAIN_DIGITS = re.compile(r"[0-9]+")


class Schema(ma.Schema):
    error_messages = {
        "type": _l("Send a JSON object."),
        "unknown": _l("This field is not accepted here."),
    }


class _Translated:
    """marshmallow's messages in the caller's language; and a required field is documented as such but left
    to the service to name when missing, so that one answer names it with every other broken rule."""

    default_error_messages = {
        "required": REQUIRED,
        "null": _l("This field may not be null."),
        "validator_failed": _l("This value is not valid."),
    }

    def _validate_missing(self, value: Any) -> None:
        if value is not ma.missing:
            super()._validate_missing(value)  # type: ignore[misc]


class String(_Translated, ma.fields.String):
    default_error_messages = {"invalid": _l("Enter text."), "invalid_utf8": _l("Enter text.")}


class Integer(_Translated, ma.fields.Integer):
    """A JSON whole number (text such as "12" is refused: the shape says number)."""

    default_error_messages = {
        "invalid": _l("Enter a whole number."),
        "too_large": _l("Enter a whole number."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strict=True, **kwargs)


class QueryInteger(_Translated, ma.fields.Integer):
    """A whole number in a query string: digits only (Python's int() would also take "1_0", " 2" or
    Arabic-Indic digits)."""

    default_error_messages = {
        "invalid": _l("Enter a whole number."),
        "too_large": _l("Enter a whole number."),
    }

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, str) and not PLAIN_DIGITS.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Number(_Translated, ma.fields.Decimal):
    """A JSON number (text and booleans are refused), answered as a number."""

    default_error_messages = {
        "invalid": _l("Enter a number."),
        "special": _l("Enter a number."),
        "too_large": _l("Enter a number."),
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_nan=False, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)

    def _serialize(  # type: ignore[override]  # a JSON number, not text
        self, value: Any, attr: str | None, obj: Any, **kwargs: Any
    ) -> float | None:
        return None if value is None else float(value)


class Boolean(_Translated, ma.fields.Boolean):
    """true or false only (marshmallow would also take 1, "yes", "on"…)."""

    default_error_messages = {"invalid": _l("Use true or false.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class QueryBoolean(_Translated, ma.fields.Boolean):
    """true or false in a query string, written so (not 1, "yes" or "on")."""

    default_error_messages = {"invalid": _l("Use true or false.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value not in ("true", "false"):
            raise self.make_error("invalid")
        return value == "true"


class List(_Translated, ma.fields.List):
    """A JSON array; an error about an entry is keyed by its number counted from 1."""

    default_error_messages = {"invalid": _l("Send a list.")}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ma.ValidationError as error:
            if not isinstance(error.messages, dict):
                raise
            raise ma.ValidationError(
                {
                    key + 1 if isinstance(key, int) else key: messages
                    for key, messages in error.messages.items()
                },
                valid_data=error.valid_data,
            ) from None


class Raw(_Translated, ma.fields.Raw):
    pass


class RawList(List):
    """A JSON array of objects whose entries the service checks (and names, counted from 1) itself."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(Raw(metadata={"type": "object"}), **kwargs)


class Dict(_Translated, ma.fields.Dict):
    default_error_messages = {"invalid": _l("Send a JSON object.")}


class Nested(_Translated, ma.fields.Nested):
    default_error_messages = {"type": _l("Send a JSON object.")}


class AwareDateTime(_Translated, ma.fields.AwareDateTime):
    default_error_messages = {
        "invalid": _l("Enter a date and time with its time zone."),
        "invalid_awareness": _l("Enter a date and time with its time zone."),
        "format": _l("Enter a date and time with its time zone."),
    }


class Method(_Translated, ma.fields.Method):
    pass


class Day(String):
    """A date: taken as the text sent (the services read YYYY-MM-DD, and dd/mm/yyyy as the forms do; empty
    is no date), answered as YYYY-MM-DD."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = kwargs.pop("metadata", {})
        description = " ".join(
            part
            for part in (
                "A date, YYYY-MM-DD (dd/mm/yyyy is read too), from 1900-01-01 to 2200-12-31.",
                metadata.get("description"),
            )
            if part
        )
        super().__init__(metadata={**metadata, "description": description}, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return value.isoformat() if isinstance(value, date) else value


def choice(options: Iterable[Any], **kwargs: Any) -> String:
    """Text from an enumeration: documented as such, checked (and named when wrong) by the service."""
    metadata = {
        "enum": [getattr(option, "value", option) for option in options],
        **kwargs.pop("metadata", {}),
    }
    return String(metadata=metadata, **kwargs)


class CodeOf(String):
    """A related row (an organisation, an instrument type, an administrative unit) by its code: read from
    the relationship ``relation`` when answering, taken as the code text when loading."""

    def __init__(self, relation: str, **kwargs: Any) -> None:
        self.relation = relation
        super().__init__(**kwargs)

    def get_value(self, obj: Any, attr: str, accessor: Any = None, default: Any = ma.missing) -> Any:
        related = getattr(obj, self.relation, None)
        return None if related is None else related.code
