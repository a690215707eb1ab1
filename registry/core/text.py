"""Text folding for diacritic-insensitive search: the same function writes the search columns and
folds the query, so "Đắk Hà", "dak ha" and an NFD "Đắk Hà" all meet."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


# Pure, and asked the same few dozen type and owner names once a row by a file import.
@lru_cache(maxsize=4096)
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("đ", "d").replace("Đ", "D").lower().split())


def fold(text: str | None) -> str:
    """Lower case, no diacritics, đ → d, single spaces; NFC and NFD input give the same result."""
    return _fold(text or "")


def fold_all(*parts: str | None) -> str:
    return " ".join(folded for part in parts if (folded := fold(part)))
