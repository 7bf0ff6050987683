"""Celery tasks: callouts."""
