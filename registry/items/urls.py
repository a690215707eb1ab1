"""The addresses of the items' pages, for the pages of other domains too (an event links to its item)."""

from __future__ import annotations

from flask import url_for

from registry.items.models import Item, ItemKind

# Each kind's pages are endpoints named after it: items.instruments (the list), items.instrument (one),
# items.instrument_create, items.instrument_edit; likewise for standards and reference materials.
_ENDPOINT_STEMS = {
    ItemKind.INSTRUMENT: "instrument",
    ItemKind.STANDARD: "standard",
    ItemKind.REFERENCE_MATERIAL: "reference_material",
}
LIST_ENDPOINTS = {kind: f"items.{stem}s" for kind, stem in _ENDPOINT_STEMS.items()}
DETAIL_ENDPOINTS = {kind: f"items.{stem}" for kind, stem in _ENDPOINT_STEMS.items()}
CREATE_ENDPOINTS = {kind: f"items.{stem}_create" for kind, stem in _ENDPOINT_STEMS.items()}
EDIT_ENDPOINTS = {kind: f"items.{stem}_edit" for kind, stem in _ENDPOINT_STEMS.items()}


def item_url(item: Item) -> str:
    return url_for(DETAIL_ENDPOINTS[ItemKind(item.kind)], item_id=item.id)
