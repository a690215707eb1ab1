"""Command-line interface: ``flask --app wsgi <command>``. One commit per command."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from flask import Flask, current_app

from registry.auth import services as auth_services
from registry.auth.models import Role, User
from registry.auth.system import command_transaction
from registry.backup.commands import backup_command, restore_command
from registry.catalogue.commands import catalogue_group
from registry.core.dates import local_today
from registry.core.errors import ServiceError
from registry.demo.generate import generate
from registry.demo.services import DEMO_PASSWORD, DEMO_USERS, database_is_empty, load_demo
from registry.extensions import db
from registry.imports.commands import import_group
from registry.organisations import services as org_services
from registry.organisations.models import OrgKind
from registry.plan.commands import indicators_command, plan_group
from scheduler.jobs import JOBS, run_job


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    lines = sys.stdin.read().splitlines()
    if len(lines) < 2 or not lines[0]:
        raise click.ClickException("Give the password twice on standard input, one per line.")
    if lines[0] != lines[1]:
        raise click.ClickException("The two passwords differ.")
    return lines[0]


@click.group("org", help="Organisations.")
def org_group() -> None:
    pass


@org_group.command("create")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--kind", "kinds", multiple=True, required=True, type=click.Choice([k.value for k in OrgKind]))
def org_create(code: str, name: str, kinds: tuple[str, ...]) -> None:
    """Register an organisation (repeat --kind for several)."""
    with command_transaction() as actor:
        organisation = org_services.create_organisation(actor, code=code, name=name, kinds=kinds)
    click.echo(f"Created organisation {organisation.code} ({', '.join(organisation.kinds)}).")


@click.group("user", help="User accounts.")
def user_group() -> None:
    pass


@user_group.command("create")
@click.argument("email")
@click.option("--org", "org_code", required=True, help="Code of the user's organisation.")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]))
@click.option("--name", default="")
def user_create(email: str, org_code: str, roles: tuple[str, ...], name: str) -> None:
    """Create an account. The password is read twice (from standard input when it is not a terminal)."""
    password = _read_password()
    with command_transaction() as actor:
        organisation = org_services.find_by_code(org_code)
        if organisation is None:
            raise ServiceError({"org": f"No organisation with code {org_code}."})
        user = auth_services.create_user(
            actor,
            email,
            organisation=organisation,
            roles={Role(r) for r in roles},
            password=password,
            name=name,
        )
    click.echo(f"Created user {user.email} in {organisation.code} with roles {', '.join(sorted(roles))}.")


@user_group.command("reset-two-factor")
@click.argument("email")
def user_reset_two_factor(email: str) -> None:
    """Forget EMAIL's authenticator app and recovery codes (a lost phone) and end its sessions: it logs in
    with its password and sets up a new app."""
    with command_transaction() as actor:
        user = _user_by_email(email)
        auth_services.reset_two_factor(actor, user)
    click.echo(f"Two-factor sign-in reset for {user.email}; its sessions are ended.")


@click.group("token", help="API tokens.")
def token_group() -> None:
    pass


@token_group.command("create")
@click.argument("email")
def token_create(email: str) -> None:
    """Create an API token for EMAIL; the token is the last word printed, shown only this once."""
    with command_transaction() as actor:
        user = _user_by_email(email)
        token = auth_services.create_api_token(actor, user)
    click.echo(f"API token for {user.email} (store it now, it is not shown again): {token}")


def _user_by_email(email: str) -> User:
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise ServiceError({"email": f"No user with e-mail {email}."})
    return user


@click.group("demo", help="Demo data.")
def demo_group() -> None:
    pass


@demo_group.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has organisations.")
def demo_load(if_empty: bool) -> None:
    """Load the demo province and print its logins."""
    if database_is_empty():
        with command_transaction("demo") as actor:
            counts = load_demo(actor)
        click.echo(
            "Demo data loaded: "
            + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items())
            + "."
        )
    elif if_empty:
        click.echo("The database already has data; demo data not loaded again.")
    else:
        raise click.ClickException("The database is not empty; demo data goes into an empty database only.")
    click.echo("Log in at http://127.0.0.1:5000/login with one of the demo accounts:")
    for email, organisation, role, _name in DEMO_USERS:
        click.echo(f"  {email:<24} {role.value:<22} ({organisation})")
    click.echo(f"Password for every demo account: {DEMO_PASSWORD}")


@demo_group.command("generate")
@click.option("--instruments", type=click.IntRange(min=1), required=True, help="How many instruments to add.")
@click.option("--seed", type=int, default=15, show_default=True, help="The same seed gives the same data.")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Generate as if on this day."
)
def demo_generate(instruments: int, seed: int, today: datetime | None) -> None:
    """Add N synthetic instruments (with their organisations and about three events each) in bulk: for
    measuring the registry at a province's or a country's size (bench/README.md)."""
    day = today.date() if today else local_today()
    started = time.perf_counter()
    with (
        command_transaction("demo-generate") as actor,
        click.progressbar(length=instruments, label="Instruments", show_eta=True, show_pos=True) as bar,
    ):
        counts = generate(actor, instruments, seed=seed, today=day, progress=bar.update)
    click.echo(
        f"Generated {counts.instruments} instruments of {counts.organisations} new organisations and "
        f"{counts.events} events in {time.perf_counter() - started:.0f} s."
    )


@click.group("jobs", help="Scheduler jobs.")
def jobs_group() -> None:
    pass


@jobs_group.command("run")
@click.argument("job", required=False)
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Run as if on this day."
)
def jobs_run(job: str | None, today: datetime | None) -> None:
    """Run JOB (or every job) once; the last line printed is the result as JSON."""
    if job is not None and job not in JOBS:
        raise click.BadParameter(f"unknown job {job!r}; jobs: {', '.join(JOBS)}", param_hint="JOB")
    day = today.date() if today else local_today()
    results = [run_job(current_app._get_current_object(), name, day) for name in ([job] if job else JOBS)]  # type: ignore[attr-defined]
    summary: dict[str, Any] = results[0] if len(results) == 1 else {"job": "all", "results": results}
    click.echo(json.dumps(summary, ensure_ascii=False))


COMMANDS: list[Callable[..., Any]] = [
    org_group,
    user_group,
    token_group,
    demo_group,
    jobs_group,
    catalogue_group,
    backup_command,
    restore_command,
    indicators_command,
    plan_group,
    import_group,
]


def register_commands(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)  # type: ignore[arg-type]
