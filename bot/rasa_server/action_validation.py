"""Check action-server responses against Rasa's schema without re-checking the schema each time.

Rasa 3.6 validates every action-server response with `jsonschema.validate`, which first checks
the (constant) events schema against the JSON-Schema meta-schema: about 19 ms of a 20 ms call
here, and a quarter of Rasa's CPU under load (bench/results/profile.json). The schema is
checked once and its validator kept; responses are validated exactly as before (same schema,
same error chosen by `best_match`, same message).
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@functools.cache
def response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    error: ValidationError | None = best_match(response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, "
        "make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result
