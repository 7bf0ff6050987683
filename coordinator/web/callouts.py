"""Call-outs: audience, preview, send, progress, cancel."""

from flask import Blueprint

bp = Blueprint("callouts", __name__)
