"""The API's JSON parser: DRF's, reading through `json_loads_checked` (depth cap, bigint
integers, finite numbers), so every endpoint gets the same limits without a per-field patch."""

from __future__ import annotations

from typing import IO, Any

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ErrorDetail, ParseError, ValidationError

from econsim_project.json_input import JsonInputError, json_loads_checked


class CheckedJSONParser(parsers.JSONParser):
    def parse(self, stream: IO[bytes], media_type: str | None = None,
              parser_context: dict[str, Any] | None = None) -> Any:
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        try:
            return json_loads_checked(text, max_depth=settings.API_JSON_MAX_DEPTH)
        except JsonInputError as exc:
            if exc.rule == "parse_error":
                raise ParseError(exc.message) from None
            raise ValidationError({exc.field: [ErrorDetail(exc.message, exc.rule)]}) from None
