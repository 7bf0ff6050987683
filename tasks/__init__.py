"""Celery tasks: thin doors that load rows by id, call the domain, and commit once.

Every module listed here is imported by the worker.
"""

TASK_MODULES = ["tasks.sms"]
