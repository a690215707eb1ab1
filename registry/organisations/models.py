from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.core.models import Audited, UTCDateTime, Versioned, utcnow
from registry.extensions import db


class OrgKind(enum.StrEnum):
    DEPARTMENT = "department"
    ENTERPRISE = "enterprise"
    PROVIDER = "provider"


class Organisation(Audited, Versioned, db.Model):  # type: ignore[name-defined]
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    is_department: Mapped[bool] = mapped_column(Boolean, default=False)
    is_enterprise: Mapped[bool] = mapped_column(Boolean, default=False)
    is_provider: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def kinds(self) -> list[str]:
        return [
            kind.value
            for kind, flag in (
                (OrgKind.DEPARTMENT, self.is_department),
                (OrgKind.ENTERPRISE, self.is_enterprise),
                (OrgKind.PROVIDER, self.is_provider),
            )
            if flag
        ]

    def set_kinds(self, kinds: set[OrgKind]) -> None:
        self.is_department = OrgKind.DEPARTMENT in kinds
        self.is_enterprise = OrgKind.ENTERPRISE in kinds
        self.is_provider = OrgKind.PROVIDER in kinds

    def __repr__(self) -> str:
        return f"<Organisation {self.code}>"
