"""Celery beat's schedule: periodic sweeps that make the system survive restarts."""

from config import Config

BEAT_SCHEDULE: dict[str, dict] = {
    "sweep-outbox": {
        "task": "tasks.sms.sweep_outbox",
        "schedule": float(Config.OUTBOX_SWEEP_SECONDS),
    },
    "run-due-callout-waves": {
        "task": "tasks.callouts.run_due_waves",
        "schedule": float(Config.CALLOUT_WAVE_POLL_SECONDS),
    },
    "send-due-reminders": {"task": "tasks.reminders.send_due_reminders", "schedule": 300.0},
    "mark-no-shows": {"task": "tasks.reminders.mark_no_shows", "schedule": 300.0},
    "expire-waitlist-offers": {"task": "tasks.conversation.expire_offers", "schedule": 60.0},
    "readiness-reminders": {
        "task": "tasks.readiness.send_readiness_reminders",
        "schedule": 6 * 3600.0,
    },
    "privacy-retention": {"task": "tasks.readiness.apply_retention", "schedule": 6 * 3600.0},
    "forget-stale-menus": {"task": "tasks.conversation.forget_stale_menus", "schedule": 3600.0},
    # Numbers that called the 080 opt-out line at Solapi (a no-op without the Solapi route).
    "sync-provider-opt-outs": {
        "task": "tasks.sms.sync_provider_opt_outs",
        "schedule": float(Config.SOLAPI_OPT_OUT_SYNC_SECONDS),
    },
}
