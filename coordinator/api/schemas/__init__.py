"""Request and response models of the JSON API; they also generate the OpenAPI description.

Shared types live in `common`; each area (volunteers, missions, call-outs, roster) has its
own module. Models named *In are what clients send, *Out what the API answers.
"""

from coordinator.api.schemas.common import ErrorBody, ErrorDetail, Me

__all__ = ["ErrorBody", "ErrorDetail", "Me"]
