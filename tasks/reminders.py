"""Celery tasks: reminders."""
