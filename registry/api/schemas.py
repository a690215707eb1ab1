"""Schema pieces shared by the API endpoints."""

from __future__ import annotations

import marshmallow as ma


class ChangeSchema(ma.Schema):
    """Every PATCH, amend and void: a required reason, and the version the caller read."""

    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    version = ma.fields.Integer(validate=ma.validate.Range(min=1))
