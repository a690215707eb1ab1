"""``flask --app wsgi indicators`` (the plan's report as JSON, XLSX or DOCX) and ``flask --app wsgi plan
load FILE`` (a second province's plan from its data file); registered in registry/cli.py."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from registry.auth.system import command_transaction
from registry.plan import services
from registry.plan.reports import FORMATS, report


@click.command("indicators", help="The plan's indicators counted on a day, as JSON, XLSX or DOCX.")
@click.option("--plan", "plan_code", default=services.DEFAULT_PLAN, show_default=True)
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--format", "fmt", type=click.Choice(sorted(FORMATS)), default="json", show_default=True)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: standard output for JSON, PLAN-DATE.FORMAT otherwise).",
)
def indicators_command(plan_code: str, as_of: str | None, fmt: str, output: Path | None) -> None:
    with command_transaction("cli:indicators") as actor:
        plan = services.get_plan(actor, plan_code)
        day = services.parse_as_of(as_of)
        body, _media_type, filename = report(actor, plan, day, fmt)
    if output is None and fmt == "json":
        sys.stdout.write(body.decode() + "\n")
        return
    target = output or Path(filename)
    target.write_bytes(body)
    click.echo(f"Wrote {target}")


@click.group("plan", help="Plans.")
def plan_group() -> None:
    pass


@plan_group.command("load", help="Install a plan from its data file (JSON naming its indicator CSV).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def plan_load(path: Path) -> None:
    with command_transaction() as actor:
        plan = services.load_plan(actor, path)
        click.echo(
            f"Plan {plan.code} loaded: {len(plan.phases)} phases, {len(plan.indicators)} indicator rows."
        )
