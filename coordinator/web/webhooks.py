"""POST /sms/inbound: every SMS a volunteer sends."""

from flask import Blueprint

bp = Blueprint("webhooks", __name__)
