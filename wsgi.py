"""The WSGI entry (gunicorn wsgi:app), one of the two places that build an app."""

import sys

from config import ConfigError
from coordinator import create_app

try:
    app = create_app()
except ConfigError as error:
    # A misconfigured server should say what to fix, not print a traceback.
    sys.exit(f"Configuration error: {error}")
