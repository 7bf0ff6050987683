"""POST /sms/status: Twilio delivery status callbacks."""

from flask import Blueprint

bp = Blueprint("sms_status", __name__)
