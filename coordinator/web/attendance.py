"""Mission day: the team lead's attendance page and the vehicle manifest."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)
