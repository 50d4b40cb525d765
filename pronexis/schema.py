"""The OpenAPI document as exact as the API (issue #9 item 13).

`ApiAutoSchema` (drf-spectacular's AutoSchema, set as DRF's DEFAULT_SCHEMA_CLASS) adds to every
operation the error answers it can give, with their JSON bodies — written once here instead of
on each view:
- 400 when it reads a body or query parameters (a message per field, or `detail`);
- 401 and 403 everywhere (a token or session is required; roles are checked);
- 404 when a path names an object or a body refers to one (another tenant's is "not found"),
  and for an invalid pagination cursor;
- 409 on every write (a rule refuses the change, or an `Idempotency-Key` reused with another body);
- 429 everywhere (throttled per token).
and marks the request body of a StrictSerializer `additionalProperties: false`, which is what it
enforces (an unknown field is a 400).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent

from .api import StrictSerializer

_MESSAGES = {"type": "array", "items": {"type": "string"}}
ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "description": "What went wrong, in words a person understands.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationError": {
        "type": "object",
        "description": "Messages per field (`detail` for the request as a whole).",
        "additionalProperties": {"oneOf": [{"type": "string"}, _MESSAGES]},
    },
}
DESCRIPTIONS = {
    400: "Invalid input: a message per field.",
    401: "No valid token or session.",
    403: "Your role may not do this.",
    404: "No such object (or another tenant's).",
    409: "The rules refuse this change; `detail` names the rule.",
    429: "Too many requests for this token; retry after `Retry-After` seconds.",
}
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class ApiAutoSchema(AutoSchema):
    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            documented = responses.get(str(code))
            if documented is None or "content" not in documented:
                description = (documented or {}).get("description") or DESCRIPTIONS[code]
                responses[str(code)] = self._error_response(code, description)
        return responses

    def _error_codes(self) -> list[int]:
        method = self.method.upper()
        has_path_ids = "{" in self.path
        query = {parameter["name"] for parameter in self._get_parameters() if parameter.get("in") == "query"}
        reads_query = bool(query)
        reads_input = method in WRITE_METHODS or reads_query
        codes = [401, 403, 429]
        if reads_input:
            codes.append(400)
        if has_path_ids or method in WRITE_METHODS or "cursor" in query:  # DRF: an invalid cursor is a 404
            codes.append(404)
        if method in WRITE_METHODS:
            codes.append(409)
        return sorted(codes)

    def _error_response(self, code: int, description: str) -> dict:
        name = "ValidationError" if code == 400 else "Error"
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, object=name, schema=ERROR_SCHEMAS[name])
        self.registry.register_on_missing(component)
        response = {"description": description, "content": {"application/json": {"schema": component.ref}}}
        if code == 429:
            response["headers"] = {
                "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before retrying."}
            }
        return response
