"""Vietnamese first: every message the code can show has a Vietnamese translation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def _catalog(path: Path, locale: str | None = None):
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def test_every_message_in_the_code_is_translated_to_vietnamese(tmp_path):
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(template),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    wanted = {message.id for message in _catalog(template) if message.id}
    vietnamese = _catalog(ROOT / "registry/translations/vi/LC_MESSAGES/messages.po", "vi")
    translated = {message.id for message in vietnamese if message.id and message.string and not message.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, "add these to registry/translations/vi/LC_MESSAGES/messages.po:\n" + "\n".join(
        missing
    )


def test_placeholders_survive_translation():
    vietnamese = _catalog(ROOT / "registry/translations/vi/LC_MESSAGES/messages.po", "vi")
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in vietnamese:
        if message.id and message.string:
            assert sorted(placeholder.findall(str(message.id))) == sorted(
                placeholder.findall(str(message.string))
            ), message.id
