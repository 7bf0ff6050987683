"""Missions: create, edit, roles, shifts, positions, vehicles, roster."""

from flask import Blueprint

bp = Blueprint("missions", __name__, url_prefix="/missions")
