"""The API's blueprint: query parameters are checked as strictly as JSON fields.

An unknown query parameter is refused (422, ``fields`` naming it) rather than ignored, so that a client
sending ``?page=2`` or ``?limt=3`` learns at once instead of reading the first page for ever.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NoReturn

import flask_smorest
import marshmallow as ma
from flask import Flask, Request, current_app, request
from flask_babel import lazy_gettext as _l
from webargs.flaskparser import FlaskParser, abort

from registry.core.errors import ServiceError

READS_QUERY = "_reads_query"


def _encodable(data: Any) -> bool:
    """Whether every string in parsed JSON is real Unicode (``"\\ud800"`` parses; no database stores it)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


class StrictParser(FlaskParser):
    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION, "query": ma.RAISE}
    DEFAULT_VALIDATION_MESSAGE = _l("This value is not valid.")

    def _handle_invalid_json_error(
        self, error: Exception, req: Request, *args: Any, **kwargs: Any
    ) -> NoReturn:
        abort(400, exc=error, messages={"json": [_l("The request body is not valid JSON.")]})

    def _raw_load_json(self, req: Request) -> Any:
        """As webargs, and a body nested too deeply to parse or holding lone surrogates is invalid JSON
        (400) too, rather than a server error."""
        try:
            data = super()._raw_load_json(req)
        except RecursionError:
            raise json.JSONDecodeError("nested too deeply", doc="…", pos=0) from None
        if not _encodable(data):
            raise json.JSONDecodeError("lone surrogate in a string", doc="…", pos=0)
        return data


class Blueprint(flask_smorest.Blueprint):
    """A domain's API endpoints. ``public`` ones need no bearer token (the public carve-out)."""

    ARGUMENTS_PARSER = StrictParser()

    def __init__(self, *args: Any, public: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.public = public

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Callable[..., Any]:
        decorator = super().arguments(schema, location=location, **kwargs)
        if location not in {"query", "querystring"}:
            return decorator

        def marked(func: Callable[..., Any]) -> Callable[..., Any]:
            wrapped = decorator(func)
            setattr(wrapped, READS_QUERY, True)  # later functools.wraps carry it outwards
            return wrapped

        return marked


def init_query_check(app: Flask, blp: Blueprint) -> None:
    """Refuse query parameters sent to an endpoint of ``blp`` that reads none (after the token check)."""

    def _no_undeclared_query() -> None:
        if not request.args or request.endpoint is None:
            return
        view_class = getattr(current_app.view_functions[request.endpoint], "view_class", None)
        # MethodView answers HEAD with get.
        method = "get" if request.method == "HEAD" else request.method.lower()
        handler = getattr(view_class, method, None)
        if handler is None or getattr(handler, READS_QUERY, False):
            return  # Flask answers 405 for the first; webargs checks the parameters of the second
        raise ServiceError({name: _l("This field is not accepted here.") for name in request.args})

    app.before_request_funcs.setdefault(blp.name, []).append(_no_undeclared_query)
