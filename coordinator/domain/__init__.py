"""Domain functions: the one place each business rule lives.

They take explicit arguments, never read request/g/current_user, flush but never commit:
the door that called them (view, webhook, API, CLI, task) commits once.
"""
