"""Celery beat's schedule: periodic sweeps that make the system survive restarts."""

BEAT_SCHEDULE: dict[str, dict] = {
    "send-due-reminders": {"task": "tasks.reminders.send_due_reminders", "schedule": 300.0},
    "mark-no-shows": {"task": "tasks.reminders.mark_no_shows", "schedule": 300.0},
    "expire-waitlist-offers": {"task": "tasks.conversation.expire_offers", "schedule": 60.0},
    "forget-stale-menus": {"task": "tasks.conversation.forget_stale_menus", "schedule": 3600.0},
}
