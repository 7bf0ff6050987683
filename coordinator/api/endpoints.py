"""API endpoints: each parses input, calls one domain function, commits, and answers."""

from flask import g
from spectree import Response

from coordinator.api import bp, spec
from coordinator.api.schemas import ErrorBody, Me


@bp.get("/me")
@spec.validate(resp=Response(HTTP_200=Me, HTTP_401=ErrorBody), tags=["staff"])
def me():
    """The staff user the token belongs to."""
    return Me.model_validate(g.api_user)
