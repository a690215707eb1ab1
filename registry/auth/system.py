"""The system as an actor: command-line commands and scheduler jobs act as an explicit
:class:`~registry.auth.policy.SystemActor`, named in the audit trail, each in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask_babel import force_locale

from registry.audit.services import Author, acting_as
from registry.auth.policy import SystemActor
from registry.core.errors import ServiceError
from registry.extensions import db


@contextmanager
def system_transaction(label: str) -> Iterator[SystemActor]:
    """One transaction acted by the system as ``label``: committed when the block succeeds, rolled back
    when it raises. The one commit point of a job or a command."""
    with acting_as(Author(None, label)):
        try:
            yield SystemActor(label)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


@contextmanager
def command_transaction(label: str = "cli") -> Iterator[SystemActor]:
    """A command's transaction (see :func:`system_transaction`), with a refused rule reported as the
    command's error, field by field, in English (the operator's language at a terminal)."""
    with force_locale("en"):
        try:
            with system_transaction(label) as actor:
                yield actor
        except ServiceError as error:
            details = "; ".join(f"{field}: {message}" for field, message in error.fields.items())
            raise click.ClickException(details or str(error.message)) from None
