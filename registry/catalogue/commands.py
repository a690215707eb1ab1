"""``flask --app wsgi catalogue sync``: apply edits of the reference files (registered in registry/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from registry.auth.system import command_transaction
from registry.catalogue import reference
from registry.catalogue.sync import SyncReport, sync_admin_units, sync_instrument_types


class _DryRun(Exception):
    """Raised inside the transaction so that it rolls back after computing the reports."""


def _value(value: Any) -> str:
    return (
        "(empty)" if value is None or value == "" else repr(value) if isinstance(value, str) else str(value)
    )


def describe(report: SyncReport) -> list[str]:
    """The report as lines of text: a summary line, then one line per change."""
    updated = report.updated
    summary = (
        f"{report.file}: {len(report.created)} added, {len(report.changes)} value(s) updated in "
        f"{len(updated)} row(s), {len(report.kept_edits)} Department edit(s) kept, "
        f"{len(report.missing_from_file)} missing from the file, {len(report.skipped)} not added."
    )
    lines = [summary]
    if report.created:
        lines.append(f"  added: {', '.join(report.created)}")
    for change in report.changes:
        lines.append(f"  updated {change.label} {change.field}: {_value(change.old)} → {_value(change.new)}")
    for kept in report.kept_edits:
        conflict = "; the file changed it too, check which is right" if kept.file_changed else ""
        lines.append(
            f"  kept the Department's {kept.label} {kept.field} = {_value(kept.value)} "
            f"(file: {_value(kept.file_value)}{conflict})"
        )
    if report.missing_from_file:
        lines.append(f"  missing from the file (kept, not deleted): {', '.join(report.missing_from_file)}")
    for skipped in report.skipped:
        lines.append(f"  not added, overlapping a period kept in the database: {skipped}")
    return lines


@click.group("catalogue", help="The legal catalogue and administrative units.")
def catalogue_group() -> None:
    pass


@catalogue_group.command("sync")
@click.option(
    "--types-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=reference.INSTRUMENT_TYPES_FILE,
    show_default="the shipped group2-instrument-types.csv",
    help="The Group 2 instrument types file.",
)
@click.option(
    "--admin-units-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=reference.ADMIN_UNITS_FILE,
    show_default="the shipped kon-tum-admin-units-2021.csv",
    help="The administrative units file.",
)
@click.option("--dry-run", is_flag=True, help="Report what would change, and change nothing.")
def catalogue_sync(types_file: Path, admin_units_file: Path, dry_run: bool) -> None:
    """Apply the reference files to the database, keeping the Department's edits (reported); add new
    rows, never delete (rows missing from a file are reported). Running it again changes nothing."""
    reports: list[SyncReport] = []
    try:
        with command_transaction("catalogue sync") as actor:
            reports.append(sync_instrument_types(actor, types_file))
            reports.append(sync_admin_units(actor, admin_units_file))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    for report in reports:
        for line in describe(report):
            click.echo(line)
    changed = any(report.changed_anything for report in reports)
    if dry_run:
        click.echo("Dry run: nothing was changed." if changed else "Dry run: nothing to change.")
    else:
        click.echo("Catalogue updated." if changed else "Nothing to change: the database follows the files.")
