"""The migrations and the models describe the same schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from registry.extensions import compared_in_migrations, db


def test_migrated_schema_matches_the_models():
    # The test's own connection: on SQLite its transaction holds the write lock, which a second
    # connection would wait for.
    context = MigrationContext.configure(
        db.session.connection(), opts={"compare_type": True, "include_object": compared_in_migrations}
    )
    differences = compare_metadata(context, db.metadata)
    assert differences == [], "run `flask --app wsgi db migrate` and review the new revision"


def test_the_check_itself_notices_a_model_the_migrations_lack():
    import sqlalchemy as sa

    extra = sa.MetaData()
    for table in db.metadata.tables.values():
        table.to_metadata(extra)
    sa.Table("not_migrated", extra, sa.Column("id", sa.Integer, primary_key=True))
    context = MigrationContext.configure(
        db.session.connection(), opts={"include_object": compared_in_migrations}
    )
    differences = compare_metadata(context, extra)
    assert [diff[0] for diff in differences] == ["add_table"]
