"""Celery tasks: sms."""
