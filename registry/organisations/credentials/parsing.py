"""Cleaning provider credentials: what each kind holds, checked field by field (the catalogue too)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from registry.catalogue.services import get_instrument_type
from registry.core.dates import clean_date
from registry.core.errors import FieldErrors, ServiceError
from registry.core.validation import CODE_PATTERN, clean_identifier, clean_text
from registry.organisations.credentials.scope import read_amount, read_range
from registry.organisations.credentials.state import Suspension
from registry.organisations.parsing import clean_choices

SERVICES = ("verification", "calibration", "testing")
SCHEMES = ("ISO/IEC 17025", "ISO 9001", "ISO 15189", "ISO/IEC 17034", "ISO/IEC 17020")
MAX_SCOPE_ENTRIES = 200
MAX_TYPE_CODES = 200


def _scheme_key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower().replace("iec", ""))


SCHEME_KEYS = {_scheme_key(scheme): scheme for scheme in SCHEMES}


def _text(raw: Mapping[str, Any], errors: FieldErrors, key: str, limit: int, *, required: bool = True) -> str:
    return errors.run(clean_text, raw.get(key), field=key, max_length=limit, required=required) or ""


def _number(raw: Mapping[str, Any], errors: FieldErrors, key: str, limit: int) -> str:
    """A certificate, accreditation, decision or card number: an identifier (core.validation)."""
    return errors.run(clean_identifier, raw.get(key), field=key, max_length=limit) or ""


def _dates(raw: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    valid_from = errors.run(clean_date, raw.get("valid_from"), field="valid_from")
    valid_to = errors.run(clean_date, raw.get("valid_to"), field="valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        errors.add("valid_to", _l("The end of validity cannot come before its start."))
    return {"valid_from": valid_from, "valid_to": valid_to}


def _type_code(value: object, errors: FieldErrors, field: str, *, group2: bool = False) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.add(field, _l("Give an instrument type code."))
        return None
    code = errors.run(clean_identifier, value, field=field, max_length=None)
    if code is None:
        return None
    if not CODE_PATTERN.match(code):
        errors.add(field, _l("Unknown instrument type %(code)s.", code=code[:40]))
        return None
    instrument_type = errors.run(get_instrument_type, code, field_name=field)
    if instrument_type is None:
        return None
    if group2 and not instrument_type.ever_group2:
        errors.add(
            field, _l("%(code)s is not a Group 2 type: it needs no designation.", code=instrument_type.code)
        )
    return instrument_type.code


def _entries(value: object, errors: FieldErrors, key: str, *, required: bool) -> list[Mapping[str, Any]]:
    if value is None and not required:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(entry, Mapping) for entry in value):
        errors.add(key, _l("Send a list of entries."))
        return []
    if required and not value:
        errors.add(key, _l("Give at least one instrument type."))
    if len(value) > MAX_SCOPE_ENTRIES:
        errors.add(key, _l("Give at most %(n)d entries.", n=MAX_SCOPE_ENTRIES))
        return []
    return list(value)


def _scope_text(
    entry: Mapping[str, Any], key: str, limit: int, *, number: int, field: str, required: bool
) -> str:
    value = entry.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ServiceError({field: _l("Entry %(n)d: %(key)s is text.", n=number, key=key)})
    text = clean_text(value, field=field, max_length=limit, required=False)
    if required and not text:
        raise ServiceError({field: _l("Entry %(n)d: give the %(key)s.", n=number, key=key)})
    return text


def _check_keys(entry: Mapping[str, Any], allowed: set[str], *, number: int, field: str) -> None:
    unknown = sorted(str(key) for key in entry if key not in allowed)
    if unknown:
        raise ServiceError(
            {
                field: _l(
                    "Entry %(n)d: unknown %(keys)s; use %(allowed)s.",
                    n=number,
                    keys=", ".join(unknown)[:80],
                    allowed=", ".join(sorted(allowed)),
                )
            }
        )


def _check_scope_reads(entry: Mapping[str, str], number: int) -> None:
    """A range and a CMC that read as numbers with units (credentials.scope), so that a calibration's stated
    uncertainty can be checked against the CMC."""
    if entry["range"] and read_range(entry["range"]) is None:
        raise ServiceError(
            {
                "scope": _l(
                    "Entry %(n)d: write the range as low – high with its unit, "
                    "e.g. 1 mg – 50 kg or 0 – 700 bar.",
                    n=number,
                )
            }
        )
    if entry["cmc"] and read_amount(entry["cmc"]) is None:
        raise ServiceError(
            {
                "scope": _l(
                    "Entry %(n)d: write the CMC as a number and its unit, e.g. 0.1 mg, or a percentage "
                    "of the value measured, e.g. 0.05 %%.",
                    n=number,
                )
            }
        )


def clean_registration(raw: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    issued_on = errors.run(clean_date, raw.get("issued_on"), field="issued_on", past=True)
    revoked_on = errors.run(clean_date, raw.get("revoked_on"), field="revoked_on", required=False)
    if revoked_on and issued_on and revoked_on < issued_on:
        errors.add("revoked_on", _l("A registration cannot be revoked before it was issued."))
    return {
        "certificate_number": _number(raw, errors, "certificate_number", 80),
        "services": errors.run(clean_choices, raw.get("services"), field="services", allowed=SERVICES),
        "fields": _text(raw, errors, "fields", 2000, required=False),
        "issued_on": issued_on,
        "revoked_on": revoked_on,
    }


def clean_accreditation(raw: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    scheme_text = raw.get("scheme")
    scheme = SCHEME_KEYS.get(_scheme_key(scheme_text)) if isinstance(scheme_text, str) else None
    if scheme is None:
        errors.add("scheme", _l("Use one of: %(choices)s.", choices=", ".join(SCHEMES)))
    scope = []
    for number, entry in enumerate(_entries(raw.get("scope"), errors, "scope", required=False), start=1):
        try:
            _check_keys(entry, {"quantity", "range", "cmc"}, number=number, field="scope")
            scope.append(
                {
                    "quantity": _scope_text(
                        entry, "quantity", 80, number=number, field="scope", required=True
                    ),
                    "range": _scope_text(entry, "range", 120, number=number, field="scope", required=False),
                    "cmc": _scope_text(entry, "cmc", 120, number=number, field="scope", required=False),
                }
            )
            _check_scope_reads(scope[-1], number)
        except ServiceError as error:
            for name, message in error.fields.items():
                errors.add(name, message)
    suspension = raw.get("suspension")
    if suspension is not None and suspension not in {s.value for s in Suspension}:
        errors.add("suspension", _l("Use suspended, withdrawn or nothing."))
        suspension = None
    return {
        "scheme": scheme,
        "body": _text(raw, errors, "body", 120, required=False),
        "number": _number(raw, errors, "number", 80),
        "scope": scope,
        **_dates(raw, errors),
        "suspension": suspension,
    }


def clean_designation(raw: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    """``type_codes`` names the designated types, in order; ``scope`` entries (``{"type_code", "range"}``)
    give some of them a range (a type named only there is added). A wrong type is named on ``type_codes``,
    a wrong scope entry on ``scope`` (entries counted from 1)."""
    codes = _codes(raw.get("type_codes"), errors, group2=True)
    ranges: dict[str, str] = {}
    for number, entry in enumerate(_entries(raw.get("scope"), errors, "scope", required=False), start=1):
        try:
            _check_keys(entry, {"type_code", "range"}, number=number, field="scope")
            measuring_range = _scope_text(entry, "range", 120, number=number, field="scope", required=False)
        except ServiceError as error:
            errors.absorb(error)
            continue
        code = _type_code(entry.get("type_code"), errors, "scope", group2=True)
        if code is None:
            continue
        if code in ranges:
            errors.add("scope", _l("%(code)s is given twice.", code=code))
        ranges[code] = measuring_range
        if code not in codes:
            codes.append(code)
    if not codes and "type_codes" not in errors.fields and "scope" not in errors.fields:
        errors.add("type_codes", _l("Give at least one instrument type."))
    return {
        "decision_number": _number(raw, errors, "decision_number", 80),
        "scope": [{"type_code": code, "range": ranges.get(code, "")} for code in codes],
        **_dates(raw, errors),
    }


def _codes(
    value: object, errors: FieldErrors, *, group2: bool = False, merge_repeats: bool = False
) -> list[str]:
    """Instrument type codes of the catalogue, each once, in the order given; a code given twice is refused
    (or, with ``merge_repeats``, kept once)."""
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        errors.add("type_codes", _l("Send a list."))
        return []
    if len(value) > MAX_TYPE_CODES:
        errors.add("type_codes", _l("Give at most %(n)d entries.", n=MAX_TYPE_CODES))
        return []
    codes: list[str] = []
    for item in value:
        code = _type_code(item, errors, "type_codes", group2=group2)
        if code is None or (code in codes and merge_repeats):
            continue
        if code in codes:
            errors.add("type_codes", _l("%(code)s is given twice.", code=code))
        codes.append(code)
    return codes


def clean_verifier(raw: Mapping[str, Any], errors: FieldErrors) -> dict[str, Any]:
    codes = _codes(raw.get("type_codes"), errors, merge_repeats=True)
    if not codes and "type_codes" not in errors.fields:
        errors.add("type_codes", _l("Give at least one instrument type."))
    return {
        "name": _text(raw, errors, "name", 200),
        "card_number": _number(raw, errors, "card_number", 60),
        "type_codes": codes,
        **_dates(raw, errors),
    }
