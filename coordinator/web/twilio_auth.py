"""Webhooks from Twilio: accepted only with a valid X-Twilio-Signature."""

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, request

from coordinator.sms import gateway


def twilio_signed(view: Callable) -> Callable:
    """403 unless the request carries Twilio's signature for PUBLIC_BASE_URL + path."""

    @wraps(view)
    def wrapped(*args: object, **kwargs: object) -> object:
        url = gateway.expected_url(current_app.config, request.url, request.path)
        params = request.form.to_dict(flat=True)
        signature = request.headers.get("X-Twilio-Signature")
        if not gateway.is_valid_signature(current_app.config, url, params, signature):
            abort(403, "invalid Twilio signature")
        return view(*args, **kwargs)

    return wrapped
