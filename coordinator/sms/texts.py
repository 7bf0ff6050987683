"""Outgoing SMS wording lives in templates/sms/<name>.<lang>.txt, one file per language."""

from flask import current_app, render_template
from flask_babel import force_locale


def render_sms(name: str, language: str, **context: object) -> str:
    """The SMS `name` in `language` (ko or en), whitespace tidied so no segment is wasted.

    Rendered in that language's locale, so a stored value shown with `|label` (a vehicle
    kind, a skill) is a word in the volunteer's language, whoever's request sends it.
    """
    lang = language if language in current_app.config["LANGUAGES"] else "ko"
    with force_locale(lang):
        text = render_template(f"sms/{name}.{lang}.txt", lang=lang, **context)
    lines = [" ".join(line.split()) for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)
