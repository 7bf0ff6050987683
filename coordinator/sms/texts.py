"""Outgoing SMS wording lives in templates/sms/<name>.<lang>.txt, one file per language."""

from flask import current_app, render_template


def render_sms(name: str, language: str, **context: object) -> str:
    """The SMS `name` in `language` (ko or en), whitespace tidied so no segment is wasted."""
    lang = language if language in current_app.config["LANGUAGES"] else "ko"
    text = render_template(f"sms/{name}.{lang}.txt", lang=lang, **context)
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)
