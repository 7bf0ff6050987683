"""Schemathesis against the API's own OpenAPI description: no 500s, nothing undocumented.

Every operation is called by an admin with generated requests (a bounded, derandomized
number per operation): with its path ids pointing at real rows (plus the documented
examples), with any ids, and with invalid data. Each answer must be documented: its status,
its content type and its body schema; none may be a server error.
"""

import contextvars

import pytest
import schemathesis
from flask.ctx import _cv_app
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.sweep
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Passes in this order: any ids may cancel the main mission. Invalid data must get a 4xx.
PASSES = {
    "real ids": (GenerationMode.POSITIVE, 25),
    "any ids": (GenerationMode.POSITIVE, 10),
    "invalid data": (GenerationMode.NEGATIVE, 10),
}


def _fuzz(
    operation, headers: dict, path_parameters: dict, mode: GenerationMode, examples: int
) -> None:
    strategies = [operation.as_strategy(mode, path_parameters=path_parameters)]
    if mode.is_positive and (path_parameters or not operation.path_parameters):
        # The documented examples, which get past the domain's checks more often than noise.
        strategies += operation.schema.get_strategies_from_examples(
            operation, path_parameters=path_parameters
        )
    for strategy in strategies:

        @given(case=strategy)
        @settings(
            max_examples=examples,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()


def _real_ids(operation, ids: dict) -> dict:
    fixed = {p.name: ids[p.name] for p in operation.path_parameters}
    for ending, mission in (("/cancel", "to_cancel"), ("/status", "to_move_on")):
        if operation.label.endswith(f"/missions/{{mission_id}}{ending}"):
            fixed["mission_id"] = ids[mission]  # the main mission stays open for the rest
    return fixed


def _outside_the_tests_app_context(function):
    """Requests open their own app context (and session), as in production."""

    def run():
        _cv_app.set(None)
        return function()

    return contextvars.copy_context().run(run)


def test_generated_requests_find_no_server_error_and_no_undocumented_answer(app, api_world):
    headers = {"Authorization": f"Bearer {api_world['token']}"}

    def fuzz_everything() -> dict[str, str]:
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        failures = {}
        for label, (mode, examples) in PASSES.items():
            for operation in operations:
                fixed = _real_ids(operation, api_world["ids"]) if label == "real ids" else {}
                try:
                    _fuzz(operation, headers, fixed, mode, examples)
                except (Exception, BaseExceptionGroup) as error:
                    failures[f"{operation.label} ({label})"] = str(error)[:2000]
        return failures

    failures = _outside_the_tests_app_context(fuzz_everything)
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
