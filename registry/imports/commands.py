"""``flask --app wsgi import instruments FILE --org CODE [--dry-run] [--report FILE]``."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import click

from registry.auth.system import command_transaction
from registry.imports.reading import read_sheet
from registry.imports.services import Outcome, import_sheet, target


@click.group("import", help="Import data from files.")
def import_group() -> None:
    pass


def _write_report(path: Path, outcome: Outcome) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["row", "column", "reason"])
        for verdict in outcome.verdicts:
            for column, message in verdict.errors:
                writer.writerow([verdict.row, column, message])


@import_group.command("instruments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_code", required=True, help="Code of the organisation that owns them.")
@click.option("--dry-run", is_flag=True, help="Check every row and store nothing.")
@click.option(
    "--report", type=click.Path(dir_okay=False, path_type=Path), help="Write each wrong value to this CSV."
)
def import_instruments(file: Path, org_code: str, dry_run: bool, report: Path | None) -> None:
    """Register an organisation's instruments from an XLSX or CSV file: all its rows, or none. Exits 1
    when nothing was imported."""
    with command_transaction() as actor:
        organisation = target(actor, org_code)
        sheet = read_sheet(file.name, file.read_bytes())
        steps = len(sheet.rows) * (1 if dry_run else 2)
        with click.progressbar(length=steps, label="Importing", file=sys.stderr) as bar:
            outcome = import_sheet(
                actor,
                organisation,
                sheet,
                reason=f"Imported from the file {file.name}.",
                dry_run=dry_run,
                progress=bar.update,
            )
    for verdict in outcome.verdicts:
        for column, message in verdict.errors:
            click.echo(f"Row {verdict.row}, column {column or '-'}: {message}", err=True)
    if report is not None:
        _write_report(report, outcome)
    if outcome.error_rows:
        click.echo(f"{outcome.error_rows} of {outcome.total} rows are wrong: nothing was imported.", err=True)
        raise SystemExit(1)
    if dry_run:
        click.echo(f"All {outcome.total} rows are right (dry run: nothing was stored).")
        return
    click.echo(f"Imported {outcome.imported} instruments into {organisation.code}.")
