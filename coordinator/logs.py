"""Logging: one line per event, readable by people and by log collectors."""

import logging

from flask import Flask


def init_app(app: Flask) -> None:
    level = logging.DEBUG if app.debug else logging.INFO
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s"
        )
    logging.getLogger("coordinator").setLevel(level)
