"""The SMS simulator: a staff page that plays a volunteer's phone."""

from flask import Blueprint

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
