"""GET /api/v1/public/certificates: a certificate found by its lab's code and its certificate or stamp
number, with no token (the public carve-out) and limited per client address like every call without one
(registry.api.limits). Unknown and not public answer the same 404."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from registry.api.blueprint import Blueprint
from registry.api.fields import Boolean, Day, Integer, Schema, String
from registry.api.schemas import documents_errors
from registry.public.services import by_number

blp = Blueprint(
    "public_api",
    __name__,
    url_prefix="/public",
    public=True,
    description="Certificates anyone can check: no token, limited per client address, no owner details.",
)


class CertificateQuerySchema(Schema):
    provider = String(metadata={"description": "The lab's code, as printed on the certificate."})
    number = String(metadata={"description": "The certificate number."})
    stamp = String(metadata={"description": "The stamp number (instead of, or with, the number)."})


class PublicCertificateSchema(Schema):
    provider = String()
    provider_name = String()
    registration_number = String(allow_none=True, metadata={"description": "Decree 105/2016 registration."})
    designation_number = String(allow_none=True, metadata={"description": "For a Group 2 verification."})
    type_code = String(allow_none=True)
    type_name = String(metadata={"description": "In the language asked for (Accept-Language)."})
    serial_number = String()
    kind = String()
    performed_on = Day()
    valid_until = Day(allow_none=True)
    result = String()
    certificate_number = String(allow_none=True)
    record_number = String(allow_none=True)
    stamp_number = String(allow_none=True)
    revision = Integer()
    state = String(metadata={"description": "current, amended or void."})
    suspect = Boolean()
    superseded = Boolean(
        metadata={"description": "The revision found was amended: the current one is shown."}
    )
    status = String(metadata={"description": "void, suspect, failed, expired, valid or recorded."})
    certificate_file_sha256 = String(allow_none=True)


@blp.route("/certificates")
class Certificates(MethodView):
    @blp.arguments(CertificateQuerySchema, location="query")
    @blp.response(200, PublicCertificateSchema)
    @documents_errors(blp, 404, 422, 429)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """One certificate: ``provider`` and ``number``, or ``provider`` and ``stamp``."""
        found = by_number(
            args.get("provider", ""), number=args.get("number", ""), stamp=args.get("stamp", "")
        )
        return found.as_json()
