"""The Celery entry: `celery -A tasks.worker worker` (and `beat`)."""

import sys

from config import ConfigError
from coordinator import create_app
from tasks import TASK_MODULES
from tasks.schedule import BEAT_SCHEDULE

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Configuration error: {error}")
celery = app.extensions["celery"]
celery.conf.imports = TASK_MODULES
celery.conf.beat_schedule = BEAT_SCHEDULE
