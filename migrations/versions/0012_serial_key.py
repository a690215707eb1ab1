"""Serial numbers compared ignoring case and diacritics (items.serial_key, indexed with the owner), and
items found by their type's names and their owner's code as well (search_text rewritten).

Revision ID: 0012_serial_key
Revises: 0011_suspects
Create Date: 2026-12-01 21:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_serial_key'
down_revision = '0011_suspects'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serial_key', sa.String(length=80), nullable=False, server_default=''))
        batch_op.create_index('ix_items_owner_serial_key', ['owner_id', 'serial_key'], unique=False)

    # The same folding the application writes with each row (a pure function, as 0002_registry uses).
    from registry.core.text import fold, fold_all

    bind = op.get_bind()
    items = sa.table("items", sa.column("id"), sa.column("owner_id"), sa.column("type_id"),
                     sa.column("serial_number"), sa.column("manufacturer"), sa.column("model"), sa.column("name"),
                     sa.column("search_text"), sa.column("serial_key"))
    organisations = sa.table("organisations", sa.column("id"), sa.column("code"), sa.column("name"))
    types = sa.table("instrument_types", sa.column("id"), sa.column("name_vi"),
                     sa.column("name_en"))
    query = (
        sa.select(items.c.id, items.c.serial_number, items.c.manufacturer, items.c.model, items.c.name,
                  types.c.name_vi, types.c.name_en, organisations.c.code, organisations.c.name)
        .join(organisations, items.c.owner_id == organisations.c.id)
        .outerjoin(types, items.c.type_id == types.c.id)
        .order_by(items.c.id)
    )
    last_id = 0
    while rows := bind.execute(query.where(items.c.id > last_id).limit(BATCH)).all():
        bind.execute(
            sa.update(items).where(items.c.id == sa.bindparam("item_id"))
            .values(search_text=sa.bindparam("text"), serial_key=sa.bindparam("key")),
            [{"item_id": row[0], "text": fold_all(*row[1:]), "key": fold(row[1])} for row in rows],
        )
        last_id = rows[-1][0]


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_owner_serial_key')
        batch_op.drop_column('serial_key')
