"""Celery beat's schedule: periodic sweeps that make the system survive restarts."""

BEAT_SCHEDULE: dict[str, dict] = {}
