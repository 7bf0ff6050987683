"""The coordinators' inbox: SMS the conversation could not handle."""

from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
