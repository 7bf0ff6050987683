"""Friendly error pages (JSON for the API): never a stack trace in front of a user."""

import logging

from flask import Flask, Response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from coordinator.extensions import db
from coordinator.i18n import error_page_text
from coordinator.logs import mask_tokens
from coordinator.request_limits import body_limit, too_large_message

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(status: int, title: str, detail: str):
    if _wants_json():
        code = title.lower().replace(" ", "_")
        return {"error": {"code": code, "message": detail, "field": None}}, status
    title, detail = error_page_text(status, title, detail)  # the API above keeps English
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return _render(
            400, "Form expired", "The form was missing its security token. Reload and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return _render(error.code or 500, error.name, error.description or "")

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(error: RequestEntityTooLarge):
        if request.path.startswith("/sms/"):  # Twilio's webhooks: TwiML, an empty answer
            twiml = '<?xml version="1.0" encoding="UTF-8"?><Response />'
            return Response(twiml, status=413, mimetype="application/xml")
        detail = error.description
        if detail == RequestEntityTooLarge.description:  # Werkzeug's own, cut mid-stream
            detail = too_large_message(body_limit())
        return _render(413, error.name, detail)

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(error: Exception):
        # A value the forms let through but the database refuses (a 30-digit id, text past a
        # column's length on PostgreSQL): the input's fault, and nothing was committed.
        log.warning(
            "value out of range on %s %s: %s", request.method, mask_tokens(request.path), error
        )
        db.session.rollback()
        return _render(400, "Bad Request", "A number or text in the request is out of range.")

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        log.exception("unhandled error on %s %s", request.method, mask_tokens(request.path))
        return _render(500, "Something went wrong", "The error was logged. Please try again.")
