"""factory_boy factories, with a trait per role (Warehouse style)."""

from __future__ import annotations

from functools import cache
from typing import Any

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from registry.auth.models import Role, User, UserRole
from registry.extensions import db
from registry.organisations.models import Organisation

DEFAULT_PASSWORD = "kiểm định viên 2026"


@cache
def default_password_hash() -> str:
    # Argon2id is slow on purpose. The tests' shared password is hashed once, with the cheapest
    # parameters: verification reads them from the hash, so the many test logins stay fast while
    # going through the real code path. Production hashes use argon2-cffi's RFC 9106 profile.
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(DEFAULT_PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"ORG{n:04d}")
    name = factory.Sequence(lambda n: f"Công ty Đo lường số {n}")
    is_enterprise = True
    is_department = False
    is_provider = False

    class Params:
        department = factory.Trait(is_department=True, is_enterprise=False, name="Sở Khoa học và Công nghệ")
        provider = factory.Trait(is_provider=True, is_enterprise=False)


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.vn")
    name = factory.Sequence(lambda n: f"Người dùng {n}")
    password_hash = factory.LazyFunction(default_password_hash)
    organisation = factory.SubFactory(OrganisationFactory)

    @factory.post_generation
    def with_roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for role in extracted or ():
            self.role_rows.append(UserRole(role=Role(role).value))
        if create:
            db.session.flush()


def user_with_role(role: Role, organisation: Organisation | None = None, **kwargs: Any) -> User:
    """A user holding ``role`` in a fitting organisation (a new one unless given)."""
    if organisation is None:
        if role in (Role.DEPARTMENT_ADMIN, Role.DEPARTMENT_OFFICER):
            organisation = OrganisationFactory(department=True)
        elif role in (Role.PROVIDER_MANAGER, Role.PROVIDER_TECHNICIAN):
            organisation = OrganisationFactory(provider=True)
        else:
            organisation = OrganisationFactory()
    user: User = UserFactory(organisation=organisation, with_roles=[role], **kwargs)
    return user
