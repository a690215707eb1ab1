import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_db.metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with target_db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
            return
        # SQLite re-creates a table for most batch operations, and dropping a table that other rows refer
        # to breaks their foreign keys until the new table takes its name: as SQLite's own procedure says,
        # the keys are turned off outside the transaction, and each revision (one transaction each on
        # SQLite) is checked before it commits.
        sqlite_connection = connection.connection.driver_connection
        sqlite_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_db.metadata,
                on_version_apply=_check_foreign_keys,
                **conf_args,
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            sqlite_connection.execute("PRAGMA foreign_keys = ON")


def _check_foreign_keys(ctx, step, heads, run_args):
    broken = ctx.connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        target = ", ".join(step.destination_revision_ids) or "base"
        raise RuntimeError(
            f"migrating to {target}: rows whose foreign keys no longer hold "
            f"(table, rowid, parent table, key): {broken[:10]}"
        )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
