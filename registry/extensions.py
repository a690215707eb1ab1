"""Flask extensions, created at module level and bound to the app in ``create_app``."""

from __future__ import annotations

from typing import Any, Literal

from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Named constraints keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def render_migration_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write our column types as the plain SQLAlchemy type they store, so that a migration never
    imports application code that may change after it was written."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False


def compared_in_migrations(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """What autogenerate compares: all but the indexes of PostgreSQL's own access methods (the trigram
    index is a gin), which their migration creates on PostgreSQL only."""
    return not (type_ == "index" and obj.dialect_kwargs.get("postgresql_using"))


migrate = Migrate(
    compare_type=True,
    render_as_batch=True,
    render_item=render_migration_item,
    include_object=compared_in_migrations,
)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
