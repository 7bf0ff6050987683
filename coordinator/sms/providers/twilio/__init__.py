"""The Twilio provider (see gateway.py): the only package that imports twilio."""
