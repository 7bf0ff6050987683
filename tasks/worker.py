"""The Celery entry: `celery -A tasks.worker worker` (and `beat`).

One of the two places that build a Flask app. The Flask app is not named `app`, so that
Celery's `-A tasks.worker` finds the Celery app.
"""

import sys

from config import ConfigError
from coordinator import create_app
from tasks import TASK_MODULES
from tasks.broker import survive_lost_connections
from tasks.schedule import BEAT_SCHEDULE

try:
    flask_app = create_app()
except ConfigError as error:
    sys.exit(f"Configuration error: {error}")
celery = flask_app.extensions["celery"]
celery.conf.imports = TASK_MODULES
celery.conf.beat_schedule = BEAT_SCHEDULE
survive_lost_connections()  # Redis restarting must not kill the worker
