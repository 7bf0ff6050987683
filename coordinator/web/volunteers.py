"""Volunteers: directory, profile, CSV import and export."""

from flask import Blueprint

bp = Blueprint("volunteers", __name__, url_prefix="/volunteers")
