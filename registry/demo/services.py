"""A small believable province: the Department, a lab, an enterprise, and one login per role."""

from __future__ import annotations

from sqlalchemy import func, select

from registry.auth.models import Role
from registry.auth.services import create_user
from registry.extensions import db
from registry.organisations.models import Organisation
from registry.organisations.services import create_organisation

# Shown by `make run` and in the README; demo databases only.
DEMO_PASSWORD = "Kontum-demo-2026"  # noqa: S105

DEMO_ORGANISATIONS = [
    ("SKHCN-KT", "Sở Khoa học và Công nghệ tỉnh Kon Tum", ["department"]),
    ("TTKT-KT", "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Kon Tum", ["provider", "enterprise"]),
    ("CTN-KT", "Công ty Cổ phần Cấp thoát nước Kon Tum", ["enterprise"]),
]

DEMO_USERS = [
    ("admin@skhcn.demo", "SKHCN-KT", Role.DEPARTMENT_ADMIN, "Nguyễn Văn An"),
    ("officer@skhcn.demo", "SKHCN-KT", Role.DEPARTMENT_OFFICER, "Trần Thị Bình"),
    ("manager@lab.demo", "TTKT-KT", Role.PROVIDER_MANAGER, "Lê Văn Cường"),
    ("technician@lab.demo", "TTKT-KT", Role.PROVIDER_TECHNICIAN, "Phạm Thị Dung"),
    ("manager@water.demo", "CTN-KT", Role.ENTERPRISE_MANAGER, "Hoàng Văn Em"),
    ("viewer@water.demo", "CTN-KT", Role.ENTERPRISE_VIEWER, "Võ Thị Phương"),
]


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(Organisation.id)))


def load_demo() -> None:
    organisations = {
        code: create_organisation(code=code, name=name, kinds=kinds)
        for code, name, kinds in DEMO_ORGANISATIONS
    }
    for email, org_code, role, name in DEMO_USERS:
        create_user(
            email, organisation=organisations[org_code], roles={role}, password=DEMO_PASSWORD, name=name
        )
