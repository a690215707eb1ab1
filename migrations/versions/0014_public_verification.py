"""Public verification: every event that carries a certificate or a stamp number gets an opaque token
(128 random bits, unique) for its QR code and public page; the events recorded before are given one here.
A given token never changes (``events_keep_token``). The public lookups are counted per certificate and day
(``certificate_lookups``: counts only, nothing about who looked). The PDFs labs attach are listed in
``certificate_files`` (their bytes lie outside the database).

Revision ID: 0014_public_verification
Revises: 0013_decision_rule
Create Date: 2026-12-01 20:30:00

"""

import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014_public_verification"
down_revision = "0013_decision_rule"
branch_labels = None
depends_on = None

MESSAGE = "events are immutable: amend or void instead"
# A token may be given once (to a row that had none), never changed nor taken away.
SQLITE = [
    f"""CREATE TRIGGER events_keep_token BEFORE UPDATE OF verification_token ON events
        WHEN OLD.verification_token IS NOT NULL
            AND NEW.verification_token IS NOT OLD.verification_token
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
POSTGRESQL = [
    "CREATE TRIGGER events_keep_token BEFORE UPDATE OF verification_token ON events "
    "FOR EACH ROW WHEN (OLD.verification_token IS NOT NULL "
    "AND OLD.verification_token IS DISTINCT FROM NEW.verification_token) "
    "EXECUTE FUNCTION events_immutable()",
]
BATCH = 1000


def _give_tokens():
    """A token for each event with a certificate or stamp number and none yet (the same generator as
    registry.events.models.new_verification_token, written out: a revision never imports the app)."""
    bind = op.get_bind()
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("certificate_number", sa.String),
        sa.column("stamp_number", sa.String),
        sa.column("verification_token", sa.String),
    )
    ids = (
        bind.execute(
            sa.select(events.c.id).where(
                events.c.verification_token.is_(None),
                sa.or_(events.c.certificate_number.isnot(None), events.c.stamp_number.isnot(None)),
            )
        )
        .scalars()
        .all()
    )
    update = (
        events.update()
        .where(events.c.id == sa.bindparam("event_id"))
        .values(verification_token=sa.bindparam("token"))
    )
    for start in range(0, len(ids), BATCH):
        rows = [{"event_id": id_, "token": secrets.token_urlsafe(16)} for id_ in ids[start : start + BATCH]]
        bind.execute(update, rows)


def upgrade():
    # Adding a column alters events in place on both databases (no re-created table, no lost trigger).
    op.add_column("events", sa.Column("verification_token", sa.String(length=32), nullable=True))
    _give_tokens()
    op.create_index("uq_events_verification_token", "events", ["verification_token"], unique=True)
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)
    op.create_table(
        "certificate_lookups",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("lookups", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_certificate_lookups_event_id_events")
        ),
        sa.PrimaryKeyConstraint("event_id", "day", name=op.f("pk_certificate_lookups")),
    )
    op.create_index("ix_certificate_lookups_day", "certificate_lookups", ["day"], unique=False)
    op.create_table(
        "certificate_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_certificate_files_event_id_events")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["users.id"], name=op.f("fk_certificate_files_uploaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_files")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_certificate_files_stored_name")),
    )
    op.create_index("ix_certificate_files_event_id", "certificate_files", ["event_id"], unique=False)


def downgrade():
    op.drop_index("ix_certificate_files_event_id", table_name="certificate_files")
    op.drop_table("certificate_files")
    op.drop_index("ix_certificate_lookups_day", table_name="certificate_lookups")
    op.drop_table("certificate_lookups")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER events_keep_token ON events")
        op.drop_index("uq_events_verification_token", table_name="events")
        op.drop_column("events", "verification_token")
    else:
        op.execute("DROP TRIGGER events_keep_token")
        op.drop_index("uq_events_verification_token", table_name="events")
        import schema_triggers

        with schema_triggers.batch_alter_table("events") as batch_op:
            batch_op.drop_column("verification_token")
