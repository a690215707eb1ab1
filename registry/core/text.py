"""Text folding for diacritic-insensitive search: the same function writes the search columns and
folds the query, so "Đắk Hà", "dak ha" and an NFD "Đắk Hà" all meet."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """Lower case, no diacritics, đ → d, single spaces; NFC and NFD input give the same result."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.replace("đ", "d").replace("Đ", "D").lower().split())


def fold_all(*parts: str | None) -> str:
    return " ".join(folded for part in parts if (folded := fold(part)))
