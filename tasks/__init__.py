"""Celery tasks: thin doors that load rows by id, call the domain, and commit once.

Every module listed here is imported by the worker; beat's schedule is in tasks/schedule.py.
"""

TASK_MODULES = [
    "tasks.sms",
    "tasks.callouts",
    "tasks.conversation",
    "tasks.reminders",
    "tasks.readiness",
]
