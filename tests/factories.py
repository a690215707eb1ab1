"""factory_boy factories, with a trait per role (Warehouse style)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from functools import cache
from typing import Any

import factory
import sqlalchemy as sa
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from registry.auth.models import Role, User, UserRole
from registry.core.text import fold_all
from registry.extensions import db
from registry.items.models import Instrument, MeasurementStandard, ReferenceMaterial
from registry.items.search import search_columns_of
from registry.organisations.models import Accreditation, Designation, Organisation, Registration, Verifier

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
    # As the service writes it, so that searches find factory-made organisations too.
    search_text = factory.LazyAttribute(lambda o: fold_all(o.code, o.name))
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


# --- Provider credentials (registry/organisations): confirmed, valid 2024-01-01 to 2030-12-31, each of a
# new provider unless given ``organisation=``.


class RegistrationFactory(BaseFactory):
    class Meta:
        model = Registration

    organisation = factory.SubFactory(OrganisationFactory, provider=True)
    certificate_number = factory.Sequence(lambda n: f"ĐK-{n:03d}/2024")
    services = factory.LazyFunction(lambda: ["verification", "calibration"])
    fields = "Đo lường khối lượng, dung tích"
    issued_on = date(2024, 1, 1)
    confirmation = "confirmed"


class AccreditationFactory(BaseFactory):
    class Meta:
        model = Accreditation

    organisation = factory.SubFactory(OrganisationFactory, provider=True)
    scheme = "ISO/IEC 17025"
    body = "BoA"
    number = factory.Sequence(lambda n: f"VILAS {200 + n}")
    scope = factory.LazyFunction(lambda: [{"quantity": "mass", "range": "1 mg – 50 kg", "cmc": "0.1 mg"}])
    valid_from = date(2024, 1, 1)
    valid_to = date(2030, 12, 31)
    confirmation = "confirmed"


class DesignationFactory(BaseFactory):
    class Meta:
        model = Designation

    organisation = factory.SubFactory(OrganisationFactory, provider=True)
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-TĐC")
    scope = factory.LazyFunction(lambda: [{"type_code": "FUEL_DISPENSER", "range": "≤ 200 L/min"}])
    valid_from = date(2024, 1, 1)
    valid_to = date(2030, 12, 31)
    confirmation = "confirmed"


class VerifierFactory(BaseFactory):
    class Meta:
        model = Verifier

    organisation = factory.SubFactory(OrganisationFactory, provider=True)
    name = factory.Sequence(lambda n: f"Kiểm định viên {n}")
    card_number = factory.Sequence(lambda n: f"KĐV-{n:04d}")
    type_codes = factory.LazyFunction(lambda: ["FUEL_DISPENSER", "TAXIMETER"])
    valid_from = date(2020, 1, 1)
    valid_to = date(2030, 12, 31)
    confirmation = "confirmed"


# --- Items (registry/items): instruments, measurement standards, reference materials. Each is of a new
# organisation unless given ``owner=``; the status traits are relative to today in Asia/Ho_Chi_Minh.


def _instrument_type(code: str) -> Any:
    from registry.catalogue.models import InstrumentType

    return db.session.scalar(sa.select(InstrumentType).where(InstrumentType.code == code))


def _days(n: int) -> Any:
    from registry.core.dates import local_today

    return factory.LazyFunction(lambda: local_today() + timedelta(days=n))


class _ItemFactory(BaseFactory):
    class Meta:
        abstract = True

    owner = factory.SubFactory(OrganisationFactory)
    name = ""
    serial_number = factory.Sequence(lambda n: f"SN-{n:06d}")
    manufacturer = ""
    model = ""

    @classmethod
    def _save(cls, model_class: Any, session: Any, args: Any, kwargs: Any) -> Any:
        """The search columns written as the service writes them, before the row's first flush, so that
        searches and lookups find factory-made items too."""
        item = model_class(*args, **kwargs)
        for column, value in search_columns_of(item, item.owner).items():
            setattr(item, column, value)
        session.add(item)
        session.flush()
        return item

    class Params:
        valid = factory.Trait(valid_until=_days(200), last_result="pass", last_event_on=_days(-165))
        due_soon = factory.Trait(valid_until=_days(10), last_result="pass", last_event_on=_days(-355))
        overdue = factory.Trait(valid_until=_days(-5), last_result="pass", last_event_on=_days(-370))
        failed = factory.Trait(valid_until=None, last_result="fail", last_event_on=_days(-3))
        needs_repair = factory.Trait(
            valid_until=_days(200), last_result="pass", last_event_on=_days(-165), needs_reverification=True
        )
        out_of_service = factory.Trait(state="out_of_service")
        retired = factory.Trait(state="retired")


class InstrumentFactory(_ItemFactory):
    """A fuel dispenser in legal use (Group 2, 12-month cycle) with no result yet: status ``never``."""

    class Meta:
        model = Instrument

    instrument_type = factory.LazyAttribute(lambda o: _instrument_type(o.type_code))
    manufacturer = "Tatsuno"
    model = factory.Sequence(lambda n: f"Sunny-{n}")
    use = "legal"

    class Params:
        type_code = "FUEL_DISPENSER"
        internal = factory.Trait(use="internal", interval_months=12)


class StandardFactory(_ItemFactory):
    """A working mass standard of a new lab, calibrated every 12 months."""

    class Meta:
        model = MeasurementStandard

    owner = factory.SubFactory(OrganisationFactory, provider=True)
    name = factory.Sequence(lambda n: f"Bộ quả cân chuẩn F1 số {n}")
    level = "working"
    quantity = "mass"
    measuring_range = "1 mg – 20 kg"
    uncertainty = "0.02 mg"
    interval_months = 12


class ReferenceMaterialFactory(_ItemFactory):
    """A certified reference material of a new lab: valid until it expires in a year."""

    class Meta:
        model = ReferenceMaterial

    owner = factory.SubFactory(OrganisationFactory, provider=True)
    name = factory.Sequence(lambda n: f"Dung dịch chuẩn pH 7,00 số {n}")
    serial_number = ""
    producer = "Merck"
    producer_iso17034 = True
    lot = factory.Sequence(lambda n: f"LOT-{n:05d}")
    certified_value = "7.00"
    uncertainty = "0.02"
    unit = "pH"
    expiry_date = _days(365)
    valid_until = factory.SelfAttribute("expiry_date")
    last_result = "pass"


# --- Events (registry/events): recorded through the service, so the item's validity follows.


def lab_with_credentials(**kwargs: Any) -> Organisation:
    """A new lab with the credentials of :func:`give_credentials`."""
    return give_credentials(OrganisationFactory(provider=True, **kwargs))


def give_credentials(lab: Organisation) -> Organisation:
    """Registered for verification, calibration and testing since 2020, designated for fuel dispensers,
    accredited for mass, with one verifier whose card number is ``KĐV-<lab code>``."""
    RegistrationFactory(
        organisation=lab, issued_on=date(2020, 1, 1), services=["verification", "calibration", "testing"]
    )
    DesignationFactory(organisation=lab, valid_from=date(2020, 1, 1))
    AccreditationFactory(organisation=lab, valid_from=date(2020, 1, 1))
    VerifierFactory(organisation=lab, card_number=f"KĐV-{lab.code}")
    return lab


def record_verification(user: User, item: Any, **changes: Any) -> Any:
    """A passed periodic verification of ``item`` by ``user``'s lab 30 days ago (override by keyword)."""
    from registry.core.dates import local_today
    from registry.events.recording import record_event

    values: dict[str, Any] = {
        "item": item,
        "kind": "verification_periodic",
        "performed_on": local_today() - timedelta(days=30),
        "result": "pass",
        "certificate_number": f"GCN-{next(_certificates):05d}",
        "stamp_number": "T-1",
        "verifier_card": f"KĐV-{user.organisation.code}",
    }
    return record_event(user, values | changes)


_certificates = itertools.count(1)
