"""``GET /openapi.json``: an OpenAPI 3.1 document built from the JSON Schemas revhyper ships (``revhyper schema``).

The profile and block schemas go in whole under ``components.schemas`` (their ``$defs`` beside them, renamed
``Profile.X`` and ``Block.X``, with every ``$ref`` rewritten), so the document has one copy of each: the schema
files stay the single source.
"""

from __future__ import annotations

import json
from typing import Any

from .._version import __version__
from .config import ServiceConfig

SCHEMAS = {"profile": "Profile", "block": "Block"}


def component_schemas() -> dict[str, Any]:
    """Profile, Block and their definitions, as OpenAPI components."""
    from ..commands.schema import schema_bytes

    components: dict[str, Any] = {}
    for name, title in SCHEMAS.items():
        schema = json.loads(schema_bytes(name))
        schema.pop("$schema", None)
        definitions = schema.pop("$defs", {})
        prefix = f"#/components/schemas/{title}."

        def rewrite(node: Any) -> Any:
            if isinstance(node, dict):
                return {k: (prefix + v[len("#/$defs/"):] if k == "$ref" and isinstance(v, str) and v.startswith("#/$defs/")
                            else rewrite(v)) for k, v in node.items()}
            if isinstance(node, list):
                return [rewrite(v) for v in node]
            return node

        components[title] = rewrite(schema)
        for key, value in definitions.items():
            components[f"{title}.{key}"] = rewrite(value)
    return components


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int) -> dict[str, Any]:
    meanings = {
        400: "a query parameter is wrong (unknown format or rule-set id): `problems` says which, with did-you-mean",
        401: "an API key is needed and missing or not valid",
        406: "no installed format matches the Accept header, or the format cannot express this block's status",
        413: "the body is larger than 1,000,000 bytes (4,000,000 for /v1/progress)",
        415: "the Content-Type is neither application/json nor application/toml (/v1/progress: not application/json)",
        422: "the profile is invalid: `problems` lists every problem, as the command line prints them (/v1/progress: "
             "or the request's shape, the block, the log or the exercise map: `error` says which)",
        500: "an internal error: a generic message and the request id; the traceback is in the server's log",
        504: "the request took longer than the server's time limit",
    }
    return {str(s): {"description": meanings[s], "content": {"application/json": {"schema": _ref("Error")}}}
            for s in statuses}


def openapi_document(config: ServiceConfig, listing: dict[str, Any]) -> dict[str, Any]:
    formats = [x["name"] for x in listing["formats"]]
    media_types = sorted({x["media_type"].split(";")[0].strip() for x in listing["formats"]})
    profile_body = {"required": True, "description": "the client's profile, as JSON or TOML (at most 1,000,000 bytes)",
                    "content": {"application/json": {"schema": _ref("Profile")},
                                "application/toml": {"schema": {"type": "string"}}}}
    ruleset_parameter = {"name": "ruleset", "in": "query", "required": False,
                         "description": "the id of one of the rule sets this server offers (GET /v1/rulesets); "
                                        f"default: {config.default}",
                         "schema": {"type": "string", "enum": sorted(config.rulesets)}}
    status_header = {"X-Revhyper-Status": {"description": "the block's status", "schema": {
        "type": "string", "enum": ["generated", "needs_clearance", "refused"]}}}
    notes_header = {"X-Revhyper-Log-Notes": {
        "description": "only when there are notes: what the log reader skipped or assumed (the notes `revhyper progress` "
                       "prints), a JSON array of strings in ASCII", "schema": {"type": "string"}}}
    block_content: dict[str, Any] = {"application/json": {"schema": _ref("Block")}}
    for media in media_types:
        block_content.setdefault(media, {"schema": {"type": "string"}})
    security: list[dict[str, list[str]]] = [{"bearer": []}, {"apiKey": []}] if config.api_keys else []
    json_ok = {"content": {"application/json": {"schema": {"type": "object"}}}}
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "revhyper", "version": __version__,
                 "description": "Periodized reverse hyperextension blocks for people with low back pain, from the "
                                "rule sets this server was started with. See docs/service.md.",
                 "license": {"name": "MIT", "identifier": "MIT"}},
        "paths": {
            "/v1/blocks": {"post": {
                "operationId": "generateBlock",
                "summary": "screen a profile and write its block (revhyper generate)",
                "description": "200 for every status: generated, needs_clearance and refused (the block and the "
                               "X-Revhyper-Status header say which). The JSON block is what `revhyper generate` "
                               "writes, byte for byte.",
                "parameters": [{"name": "format", "in": "query", "required": False,
                                "description": "an installed format (GET /v1/formats); default: from Accept, else json",
                                "schema": {"type": "string", "examples": formats}}, ruleset_parameter],
                "requestBody": profile_body,
                "responses": {"200": {"description": "the block", "headers": status_header, "content": block_content},
                              **_errors(400, 401, 406, 413, 415, 422, 500, 504)}}},
            "/v1/explain": {"post": {
                "operationId": "explainBlock",
                "summary": "why a profile gets its block: every rule, cap and number (revhyper explain)",
                "parameters": [{"name": "format", "in": "query", "required": False,
                                "schema": {"type": "string", "enum": ["json", "text"], "default": "json"}},
                               ruleset_parameter],
                "requestBody": profile_body,
                "responses": {"200": {"description": "the trace", "headers": status_header, "content": {
                    "application/json": {"schema": {"type": "object"}}, "text/plain": {"schema": {"type": "string"}}}},
                              **_errors(400, 401, 413, 415, 422, 500, 504)}}},
            "/v1/progress": {"post": {
                "operationId": "progressBlock",
                "summary": "adapt a block to the training log (revhyper progress)",
                "description": "The weeks done keep what was logged, the rest is planned again by the rule set's "
                               "adaptation rules. 200 for every status (X-Revhyper-Status says which); the JSON block "
                               "is what `revhyper progress` writes, byte for byte, when the log's `name` is the name "
                               "of the file the command read. 422 `bad_body`, `bad_profile`, `bad_block` (also a "
                               "block written with another rule set or for another person) or `bad_log`.",
                "parameters": [{"name": "format", "in": "query", "required": False,
                                "description": "an installed format (GET /v1/formats); default: from Accept, else json",
                                "schema": {"type": "string", "examples": formats}}, ruleset_parameter],
                "requestBody": {"required": True,
                                "description": "the profile, the block and the log (at most 4,000,000 bytes)",
                                "content": {"application/json": {"schema": _ref("ProgressRequest")}}},
                "responses": {"200": {"description": "the adapted block", "headers": {**status_header, **notes_header},
                                      "content": block_content},
                              **_errors(400, 401, 406, 413, 415, 422, 500, 504)}}},
            "/v1/formats": {"get": {"operationId": "listFormats", "summary": "every installed format (revhyper formats)",
                                    "responses": {"200": {"description": "formats, conflicts, failed plugins", **json_ok},
                                                  **_errors(401, 500)}}},
            "/v1/rulesets": {"get": {"operationId": "listRulesets",
                                     "summary": "the rule sets this server offers: id, version, title, sha256",
                                     "responses": {"200": {"description": "the rule sets", "content": {
                                         "application/json": {"schema": _ref("Rulesets")}}}, **_errors(401, 500)}}},
            "/healthz": {"get": {"operationId": "health", "summary": "liveness; needs no API key", "security": [],
                                 "responses": {"200": {"description": "the server is up", **json_ok}}}},
            "/openapi.json": {"get": {"operationId": "openapi", "summary": "this document",
                                      "responses": {"200": {"description": "OpenAPI 3.1", **json_ok},
                                                    **_errors(401)}}},
        },
        "components": {"schemas": {**component_schemas(), **_service_schemas()}},
    }
    if security:
        document["security"] = security
        document["components"]["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer KEY"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
    return document


def _service_schemas() -> dict[str, Any]:
    nullable_int = {"type": ["integer", "null"], "minimum": 1}
    return {
        "Problem": {"type": "object", "additionalProperties": False,
                    "required": ["file", "path", "line", "column", "message", "suggestion", "severity"],
                    "properties": {"file": {"type": "string", "description": "<body> or <query>"},
                                   "path": {"type": "string", "description": "the key path, e.g. pain.current"},
                                   "line": nullable_int, "column": nullable_int, "message": {"type": "string"},
                                   "suggestion": {"type": ["string", "null"], "description": "did you mean"},
                                   "severity": {"type": "string"}}},
        "Error": {"type": "object", "required": ["error", "message", "request_id"],
                  "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                                 "request_id": {"type": "string"},
                                 "problems": {"type": "array", "items": _ref("Problem")},
                                 "status": {"type": "string", "description": "406 format_cannot_express: the block's status"},
                                 "media_types": {"type": "array", "items": {"type": "string"}}}},
        "ProgressRequest": {
            "type": "object", "additionalProperties": False, "required": ["profile", "block", "log"],
            "properties": {
                "profile": _ref("Profile"),
                "block": _ref("Block"),
                "log": {"type": "object", "additionalProperties": False,
                        "description": "the training log: its content as text, or base64 for a binary file (FIT)",
                        "oneOf": [{"required": ["text"]}, {"required": ["base64"]}],
                        "properties": {
                            "format": {"type": "string", "description": "the log's format (revhyper log-formats); "
                                                                        "default: told from its content and name"},
                            "name": {"type": "string", "maxLength": 200, "default": "<log>",
                                     "description": "the log's file name: in problems and the block's progress.log; "
                                                    "never opened"},
                            "text": {"type": "string"},
                            "base64": {"type": "string", "contentEncoding": "base64"}}},
                "exercise_map": {"type": "object", "additionalProperties": False,
                                 "description": "the app's exercise names -> the rule set's variants (docs/logs.md)",
                                 "properties": {"weight_unit": {"enum": ["kg", "lb"]},
                                                "exercise_names": {"type": "object",
                                                                   "additionalProperties": {"type": "string"}}}}}},
        "Rulesets": {"type": "object", "required": ["default", "rulesets"], "properties": {
            "default": {"type": "string"},
            "rulesets": {"type": "array", "items": {"type": "object", "required": ["id", "version", "sha256"],
                                                    "properties": {"id": {"type": "string"}, "version": {"type": "string"},
                                                                   "title": {"type": "string"},
                                                                   "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                                                                   "default": {"type": "boolean"}}}}}},
    }
