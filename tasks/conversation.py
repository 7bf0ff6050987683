"""Celery tasks: conversation."""
