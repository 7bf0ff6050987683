"""The volunteer's personal page behind /v/<token>."""

from flask import Blueprint

bp = Blueprint("personal", __name__)
