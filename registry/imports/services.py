"""Importing an organisation's instruments from a file: every row made and checked exactly as one
instrument registered through the form or the API (:func:`registry.items.services.new_item`), and a
serial number repeated within the file refused too; then all rows, or none, are inserted in batches.

The command line imports in one go (:func:`import_sheet`); the web page checks the file first, keeps it
with every row's verdict as an :class:`ImportJob` (the preview), and imports it when the user confirms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.models import User
from registry.auth.policy import Actor, Permission
from registry.catalogue.services import lookups_remembered
from registry.core.dates import local_today
from registry.core.errors import ConflictError, ForbiddenError, NotFoundError, ServiceError
from registry.core.models import MAX_ID
from registry.core.services import check_version
from registry.extensions import db
from registry.imports.columns import field_names
from registry.imports.models import ImportJob, ImportState
from registry.imports.reading import Sheet, read_sheet, refuse
from registry.items.bulk import insert_rows, instrument_keys, row_of
from registry.items.models import ItemKind
from registry.items.services import new_item
from registry.organisations.models import Organisation
from registry.organisations.services import find_by_code

BATCH = 1000
Progress = Callable[[int], None]  # told how many more rows are done


def _nothing(done: int) -> None:
    pass


@dataclass
class Verdict:
    row: int  # in the file, the header being row 1
    serial_number: str
    type_code: str
    errors: list[tuple[str, str]]  # (the column as the file heads it, the reason)


@dataclass
class Outcome:
    verdicts: list[Verdict] = field(default_factory=list)
    imported: int = 0

    @property
    def total(self) -> int:
        return len(self.verdicts)

    @property
    def error_rows(self) -> int:
        return sum(1 for verdict in self.verdicts if verdict.errors)


def target(actor: Actor, code: object) -> Organisation:
    """The organisation whose instruments a file registers: the one with ``code`` (the actor's own when
    empty), if ``actor`` may import into it — its managers, or the Department's admin for any."""
    text = code.strip() if isinstance(code, str) else ""
    organisation = find_by_code(text) if text else policy.own_organisation(actor)
    if organisation is None:
        if text and policy.is_department(actor):
            raise ServiceError({"organisation": _l("No organisation with code %(code)s.", code=text[:40])})
        if not text:
            raise ServiceError({"organisation": _l("This field is required.")})
        raise NotFoundError({"organisation": _l("No such resource, or you cannot see it.")})
    policy.require(
        actor,
        organisation,
        Permission.IMPORT_ITEMS,
        _l("You may not import instruments into this organisation."),
    )
    return organisation


def may_import(actor: Actor) -> bool:
    """Whether ``actor`` imports into some organisation: its own (a manager), or any (the Department's
    admin)."""
    own = policy.own_organisation(actor)
    return policy.acts_for_anyone(actor) or (
        own is not None and policy.permits(actor, own, Permission.IMPORT_ITEMS)
    )


def check_may_import(actor: Actor) -> None:
    if not may_import(actor):
        raise ForbiddenError(message=_l("You may not import instruments."))


def _check(owner: Organisation, sheet: Sheet, progress: Progress) -> tuple[Outcome, list[dict[str, object]]]:
    """Every row's verdict, and the rows to insert when none is wrong."""
    names = field_names(sheet.headers)
    header_of = {name: header for name, header in zip(names, sheet.headers, strict=False) if name}
    today = local_today()
    taken = instrument_keys(owner)
    seen: dict[tuple[int, str], int] = {}
    outcome, rows = Outcome(), []
    with lookups_remembered():
        for number, cells in sheet.rows:
            values = {name: cell for name, cell in zip(names, cells, strict=False) if name and cell.strip()}
            errors: list[tuple[str, str]] = []
            if any(cell.strip() for cell in cells[len(names) :]) or any(
                cell.strip() for name, cell in zip(names, cells, strict=False) if name is None
            ):
                errors.append(("", str(_l("A value stands in a column with no header."))))
            try:
                item = new_item(ItemKind.INSTRUMENT, owner, values, today=today, taken=taken.__contains__)
            except ServiceError as error:
                errors += [
                    (header_of.get(name, name), str(message)) for name, message in error.fields.items()
                ]
            else:
                assert item.instrument_type is not None
                key = (item.instrument_type.id, item.serial_key)
                if key in seen:
                    message = _l("Row %(row)d has the same type and serial number.", row=seen[key])
                    errors.append((header_of["serial_number"], str(message)))
                else:
                    seen[key] = number
                    if not errors:
                        rows.append(row_of(item))
            outcome.verdicts.append(
                Verdict(number, values.get("serial_number", ""), values.get("type_code", ""), errors)
            )
            progress(1)
    return outcome, rows


def import_sheet(
    actor: Actor,
    organisation: Organisation,
    sheet: Sheet,
    *,
    reason: object,
    dry_run: bool = False,
    progress: Progress = _nothing,
) -> Outcome:
    """Check every row of ``sheet`` for ``organisation`` (see :func:`target`), then insert them all —
    unless one is wrong, or ``dry_run``: then nothing. ``progress`` hears of each row checked, then of
    each row inserted."""
    policy.require(actor, organisation, Permission.IMPORT_ITEMS)
    outcome, rows = _check(organisation, sheet, progress)
    if outcome.error_rows or dry_run:
        return outcome
    with audit.reason(reason):
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            insert_rows(batch)
            progress(len(batch))
    outcome.imported = len(rows)
    return outcome


# --- The web page's imports: checked, previewed, then confirmed ------------------------------------


def _report(outcome: Outcome) -> list[object]:
    return [
        [v.row, v.serial_number, v.type_code, [list(error) for error in v.errors]] for v in outcome.verdicts
    ]


def check_upload(actor: Actor, *, organisation: object, filename: str, content: bytes) -> ImportJob:
    """Check an uploaded file for the organisation with code ``organisation`` (the actor's own when
    empty) and keep it, with every row's verdict, for the user to confirm. A file that cannot be read is
    refused (a ServiceError on ``file``) and nothing is kept."""
    owner = target(actor, organisation)
    sheet = read_sheet(filename, content)
    limit = int(current_app.config["IMPORT_WEB_MAX_ROWS"])
    if len(sheet.rows) > limit:
        raise refuse(
            _l(
                "The page imports up to %(n)s rows at a time: split the file, or ask the Department to "
                "import it with the command line.",
                n=format_number(limit),
            )
        )
    outcome, _rows = _check(owner, sheet, _nothing)
    job = ImportJob(
        organisation=owner,
        created_by_id=actor.id if isinstance(actor, User) else None,
        filename=filename[-255:],
        state=ImportState.REFUSED.value if outcome.error_rows else ImportState.CHECKED.value,
        total_rows=outcome.total,
        error_rows=outcome.error_rows,
        content=b"" if outcome.error_rows else content,
        report=_report(outcome),
    )
    db.session.add(job)
    db.session.flush()
    return job


def get_job(actor: Actor, job_id: int) -> ImportJob:
    """The import ``job_id`` if ``actor`` may see it (its organisation's people, the Department)."""
    stmt = select(ImportJob).where(ImportJob.id == job_id)
    condition = policy.visible(actor, ImportJob)
    if condition is not None:
        stmt = stmt.where(condition)
    job = db.session.scalars(stmt).first() if 0 < job_id <= MAX_ID else None
    if job is None:
        raise NotFoundError({"id": _l("No such import.")})
    return job


def recent_jobs(actor: Actor, limit: int = 20) -> list[ImportJob]:
    stmt = select(ImportJob).order_by(ImportJob.id.desc()).limit(limit)
    condition = policy.visible(actor, ImportJob)
    if condition is not None:
        stmt = stmt.where(condition)
    return list(db.session.scalars(stmt))


def may_confirm(actor: Actor, job: ImportJob) -> bool:
    return job.state == ImportState.CHECKED and policy.permits(
        actor, job.organisation, Permission.IMPORT_ITEMS
    )


def check_may_confirm(actor: Actor, job: ImportJob) -> None:
    """Refuse (403) an actor who sees ``job`` but may not import into its organisation."""
    policy.require(actor, job.organisation, Permission.IMPORT_ITEMS, _l("You may not import instruments."))


def confirm(actor: Actor, job: ImportJob, *, version: int | None) -> ImportJob:
    """Import the checked file of ``job``, checking every row again (the registry may have changed since
    the preview): all its rows, or — when one is wrong now — none, and the job shows the new verdicts."""
    check_may_confirm(actor, job)
    if job.state != ImportState.CHECKED:
        raise ConflictError({"_": _l("This import is over: upload the file again.")})
    check_version(job, version)
    sheet = read_sheet(job.filename, job.content)
    why = _l("Imported from the file %(file)s (import %(id)d).", file=job.filename, id=job.id)
    outcome = import_sheet(actor, job.organisation, sheet, reason=why)
    with audit.reason(why):
        job.total_rows, job.error_rows, job.report = outcome.total, outcome.error_rows, _report(outcome)
        job.imported_rows = outcome.imported
        job.state = ImportState.DONE.value if outcome.imported else ImportState.REFUSED.value
        job.content = b""
    return job


def report_lines(job_report: list[Any]) -> list[tuple[object, str, str]]:
    """The report's lines: (row, column, reason) for each wrong value."""
    lines: list[tuple[object, str, str]] = []
    for verdict in job_report:
        row, errors = verdict[0], verdict[3]
        lines += [(row, column, message) for column, message in errors]
    return lines
