"""The wiring the architecture promises (docs/architecture.md), checked on the source itself:

- every public service function that writes takes the actor who acts, as a required first parameter, so
  that the policy can be asked (CLI commands and jobs pass a SystemActor, never None);
- only the policy module decides access from roles: no other module, and no template, reads them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REGISTRY = Path(__file__).resolve().parent.parent / "registry"

# Modules that are not services: the web and API layers and the commands (which call services), the
# models (which declare who may do what), the shared machinery and the composition root.
NOT_SERVICES = re.compile(
    r"(^|/)(views|api|forms|models|urls|labels|commands|login)\.py$"
    r"|^(api|core)/|^(__init__|web|cli|templating|i18n|extensions)\.py$"
)
# Modules that write without an actor, on purpose.
EXEMPT_MODULES = {
    "registry.auth.sessions": "logins, sessions and tokens: how a request becomes an actor",
    "registry.audit.services": "the audit trail itself, written from every flush",
    "registry.auth.tokens": "single-use links sent by e-mail: how someone with no password becomes an actor",
    "registry.users.recovery": "a forgotten password: someone not logged in asks for a link, and the answer "
    "never says whether an account uses the address",
}
EXEMPT_FUNCTIONS = {
    "registry.events.item_validity.refresh_item": "a step of recording, amending and voiding an event, "
    "which check their actor; it writes only the item's validity derived from its events",
    "registry.items.services.new_item": "makes an item outside the session, for create_item and the file "
    "import, which check their actor, to store",
    "registry.imports.blank.template_xlsx": "builds a blank spreadsheet in memory (the attributes it sets "
    "are openpyxl's)",
    "registry.users.mail.queue_link": "the e-mail of an invitation or a reset link, written to the outbox by "
    "the services that issued the link (and checked their actor, when there is one)",
}
SESSION_WRITES = {"add", "add_all", "delete", "flush", "merge"}
WRITING_STATEMENTS = re.compile(r"\b(insert|update|delete)\(")


@dataclass
class Function:
    module: str
    name: str
    node: ast.FunctionDef
    calls: set[str]  # qualified names of the functions it calls
    writes: bool

    @property
    def qualified(self) -> str:
        return f"{self.module}.{self.name}"


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(REGISTRY.parent).with_suffix("").parts)


def _writes_directly(node: ast.FunctionDef) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            func = child.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr in SESSION_WRITES
                and "session" in ast.unparse(func.value)
            ):
                return True
            if isinstance(func, ast.Name) and func.id == "setattr":
                return True
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "reason"
                and ast.unparse(func.value) == "audit"
            ):
                return True
        targets: list[ast.expr] = []
        if isinstance(child, ast.Assign):
            targets = child.targets
        elif isinstance(child, ast.AugAssign | ast.AnnAssign):
            targets = [child.target]
        if any(
            isinstance(target, ast.Attribute) and ast.unparse(target.value) != "self" for target in targets
        ):
            return True
    return False


def _functions() -> dict[str, Function]:
    functions: dict[str, Function] = {}
    for path in sorted(REGISTRY.rglob("*.py")):
        relative = path.relative_to(REGISTRY).as_posix()
        if NOT_SERVICES.search(relative):
            continue
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported: dict[str, str] = {}
        for node in tree.body:
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("registry"):
                for alias in node.names:
                    imported[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        local = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef):
                continue
            calls = set()
            for child in ast.walk(node):
                if isinstance(child, ast.Call):
                    called = ast.unparse(child.func)
                    if called in local:
                        calls.add(f"{module}.{called}")
                    elif called in imported:
                        calls.add(imported[called])
                    elif "." in called and called.split(".")[0] in imported:
                        head, _, tail = called.partition(".")
                        calls.add(f"{imported[head]}.{tail}")
            functions[f"{module}.{node.name}"] = Function(
                module, node.name, node, calls, _writes_directly(node)
            )
    return functions


def _writers() -> Iterator[Function]:
    """Every public function that writes, itself or through the functions it calls."""
    functions = _functions()
    changed = True
    while changed:
        changed = False
        for function in functions.values():
            if not function.writes and any(
                functions[call].writes for call in function.calls if call in functions
            ):
                function.writes = changed = True
    for function in functions.values():
        if (
            function.writes
            and not function.name.startswith("_")
            and function.module not in EXEMPT_MODULES
            and function.qualified not in EXEMPT_FUNCTIONS
        ):
            yield function


WRITERS = sorted(_writers(), key=lambda function: function.qualified)


def test_the_scan_finds_the_services_that_write() -> None:
    """The check below looks at the functions it should: the ones users' changes go through."""
    found = {function.qualified for function in WRITERS}
    assert {
        "registry.organisations.services.create_organisation",
        "registry.organisations.services.update_organisation",
        "registry.organisations.credentials.services.review_credential",
        "registry.items.services.create_item",
        "registry.items.services.retire_item",
        "registry.events.recording.record_event",
        "registry.events.revisions.amend_event",
        "registry.events.revisions.void_event",
        "registry.events.item_validity.report_repair",
        "registry.catalogue.services.update_legal_rule",
        "registry.catalogue.sync.sync_instrument_types",
        "registry.auth.services.create_user",
    } <= found


@pytest.mark.parametrize("function", WRITERS, ids=lambda function: function.qualified)
def test_every_service_that_writes_takes_a_required_actor_first(function: Function) -> None:
    arguments = function.node.args
    positional = [*arguments.posonlyargs, *arguments.args]
    assert positional, f"{function.qualified} writes but takes no actor"
    first = positional[0]
    assert first.arg == "actor", f"{function.qualified} writes but its first parameter is {first.arg!r}"
    defaults_start = len(positional) - len(arguments.defaults)
    assert defaults_start > 0, f"{function.qualified}: the actor must be given, not defaulted"
    annotation = ast.unparse(first.annotation) if first.annotation else ""
    assert annotation in {"Actor", "User"}, f"{function.qualified}: the actor is an Actor, not {annotation!r}"


def _sources(pattern: str) -> Iterator[tuple[str, str]]:
    for path in sorted(REGISTRY.rglob(pattern)):
        yield path.relative_to(REGISTRY).as_posix(), path.read_text(encoding="utf-8")


ROLE_READS = re.compile(r"\.has_role\(|\.roles\b|\b(DEPARTMENT|PROVIDER|ENTERPRISE)_ROLES\b|\bRole\.[A-Z_]+")
ALLOWED_ROLE_READERS = {
    "auth/models.py",  # defines roles
    "auth/policy.py",  # turns roles into principals
    "auth/principals.py",
    "cli.py",  # `user create --role`
    "demo/services.py",  # the demo's accounts
}


def test_only_the_policy_reads_roles() -> None:
    """Access is decided in one place: no view, API handler, service or template looks at roles."""
    offenders = [
        f"{name}: {match.group(0)}"
        for name, text in [*_sources("*.py"), *_sources("*.html")]
        if name not in ALLOWED_ROLE_READERS
        for match in ROLE_READS.finditer(text)
    ]
    assert not offenders, offenders
