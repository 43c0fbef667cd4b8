"""The request edge (§6, §10): every hostile input is a 4xx here, never a 500 further in.

- JSON bodies are parsed with a depth cap: ``json`` recurses once per nesting level, and a
  body nested 1,000 deep raised ``RecursionError`` in the parser and in every recursive
  check after it. Anything deeper than :data:`MAX_JSON_DEPTH` is a 400 naming the problem
  (the deepest documented body is five levels).
- Query strings are strict: an unknown parameter is a 422 naming it, so a mistyped filter
  (``?stauts=failed``) is not silently ignored into "everything"; on an operation that
  takes no query parameters at all, any parameter is unknown.
- Path ids are bounded to the id columns' range (BIGINT), so ``/video-scripts/2**63`` is a
  404 like any other unknown id instead of an integer overflow in the database driver.
- A chunked body over ``MAX_CONTENT_LENGTH`` is a 413, as one with a Content-Length is.
"""

from __future__ import annotations

from typing import Any

import flask_smorest
from flask import Flask, request
from flask.views import MethodView
from flask_smorest import Api
from flask_smorest.spec.plugins import integerconverter2paramschema
from marshmallow import RAISE
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import IntegerConverter, Map

# Ids are BIGINT on Postgres and 64-bit INTEGER on SQLite.
MAX_ID = 2**63 - 1
# Plain INTEGER columns (versions, durations, section indexes) are 32-bit on Postgres.
MAX_INT32 = 2**31 - 1
MAX_JSON_DEPTH = 32


class ScriptforgeParser(FlaskParser):
    """webargs' Flask parser with a JSON depth cap and strict query strings."""

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": RAISE,
        "querystring": RAISE,
    }

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        try:
            data = core.parse_json(req.get_data(cache=True))
        except RecursionError:
            _too_deep()
        if json_depth(data) > MAX_JSON_DEPTH:
            _too_deep()
        return data


def _too_deep() -> None:
    abort(400, messages={"json": [f"Nested deeper than {MAX_JSON_DEPTH} levels."]})


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects, computed without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            return depth  # no need to walk the rest of a body that is refused anyway
        stack.extend((child, depth + 1) for child in children)
    return deepest


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint parsing arguments with :class:`ScriptforgeParser`."""

    ARGUMENTS_PARSER = ScriptforgeParser()


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive integer that fits the id columns; anything else is a 404."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


class IndexConverter(IntegerConverter):
    """``<index:name>``: a 0-based index that fits an INTEGER column."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=0, max=MAX_INT32)


class SignedIndexConverter(IntegerConverter):
    """``<signed_index:name>``: an index the handler range-checks itself (422 saying how
    many sections there are), bounded so it always fits an INTEGER column."""

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, signed=True, min=-MAX_INT32 - 1, max=MAX_INT32)


def install_converters(app: Flask, api: Api) -> None:
    """Register the bounded path converters; call before registering blueprints."""
    for name, converter in (("id", IdConverter), ("index", IndexConverter),
                            ("signed_index", SignedIndexConverter)):
        app.url_map.converters[name] = converter
        api.register_converter(converter, integerconverter2paramschema)


def install_body_limit(app: Flask) -> None:
    """413 for a chunked body over ``MAX_CONTENT_LENGTH``.

    Werkzeug checks the cap up front only when there is a Content-Length. For a chunked
    body it stops reading at the cap and returns a truncated body, which then failed to
    parse as JSON (a misleading 400). One more byte past the cap means it was too large.
    """

    @app.before_request
    def _chunked_body_limit() -> None:
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if (limit is None or request.content_length is not None
                or "wsgi.input_terminated" not in request.environ):
            return
        if len(request.get_data(cache=True)) >= limit and request.input_stream.read(1):
            raise RequestEntityTooLarge()


def install_query_guard(app: Flask) -> None:
    """422 for query parameters on API operations that document none.

    Operations with a query schema reject unknown names in :class:`ScriptforgeParser`;
    this covers the others (``GET /leads/1?include_deleted=true`` must not look honoured).
    """

    @app.before_request
    def _no_undocumented_query() -> None:
        if not request.args or request.endpoint is None:
            return
        view_class = getattr(app.view_functions.get(request.endpoint), "view_class", None)
        if view_class is None or not issubclass(view_class, MethodView):
            return  # not an API operation (health probes, the docs UI)
        method = "get" if request.method == "HEAD" else request.method.lower()
        apidoc = getattr(getattr(view_class, method, None), "_apidoc", None)
        if apidoc is None:
            return
        parameters = apidoc.get("arguments", {}).get("parameters", [])
        if any(parameter.get("in") == "query" for parameter in parameters):
            return
        abort(422, messages={"query": {name: ["Unknown field."] for name in request.args}})
