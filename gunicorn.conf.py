"""gunicorn's settings, read by scripts/run.sh and the Dockerfile (`gunicorn -c gunicorn.conf.py`).

Personal links (/v/<token>) and calendar feeds (/ical/<token>.ics) carry bearer keys in their
path: the access log and gunicorn's own messages show them masked (/v/***), as the app's logs do.
Workers, threads and the bind address stay on the command line.
"""

from gunicorn.glogging import Logger

from coordinator.logs import mask_tokens


def _masked(value: object) -> object:
    return mask_tokens(value) if isinstance(value, str) else value


class TokenMaskingLogger(Logger):
    """gunicorn's logger, with tokens masked in every access-log field and error message."""

    def atoms(self, resp, req, environ, request_time):  # noqa: ANN001, ANN201
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: _masked(value) for key, value in atoms.items()}

    def error(self, msg, *args, **kwargs):  # noqa: ANN001, ANN201
        super().error(_masked(msg), *map(_masked, args), **kwargs)

    def exception(self, msg, *args, **kwargs):  # noqa: ANN001, ANN201
        super().exception(_masked(msg), *map(_masked, args), **kwargs)

    def warning(self, msg, *args, **kwargs):  # noqa: ANN001, ANN201
        super().warning(_masked(msg), *map(_masked, args), **kwargs)

    def info(self, msg, *args, **kwargs):  # noqa: ANN001, ANN201
        super().info(_masked(msg), *map(_masked, args), **kwargs)

    def debug(self, msg, *args, **kwargs):  # noqa: ANN001, ANN201
        super().debug(_masked(msg), *map(_masked, args), **kwargs)


logger_class = TokenMaskingLogger
