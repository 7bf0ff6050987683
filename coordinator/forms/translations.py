"""WTForms' own messages ("This field is required.", "Number must be between…") in the
reader's language, from our catalogue.

WTForms' wheel carries no compiled Korean catalogue, and its wording is not ours; the
messages below are marked here so `make translations` puts them in messages.po. Every form
derives from AppForm (or SubForm for nested ones), whose Meta answers through flask-babel.
"""

from typing import Any

from flask_babel import get_translations
from flask_babel import gettext as babel_gettext
from flask_wtf import FlaskForm
from wtforms import Form
from wtforms.meta import DefaultMeta


class BabelTranslations:
    """The gettext/ngettext pair WTForms asks for, answered by the app's catalogue."""

    def gettext(self, string: str) -> str:
        return babel_gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        # flask-babel's ngettext formats with %(num)s at once; WTForms formats afterwards.
        return get_translations().ungettext(singular, plural, n)


TRANSLATIONS = BabelTranslations()


class AppForm(FlaskForm):
    """A page's form: CSRF from Flask-WTF, messages in the reader's language."""

    class Meta:
        def get_translations(self, form: Any) -> BabelTranslations:
            return TRANSLATIONS


class SubForm(Form):
    """A form nested in another (FormField / FieldList), with the same messages."""

    class Meta(DefaultMeta):
        def get_translations(self, form: Any) -> BabelTranslations:
            return TRANSLATIONS


def _marked_for_the_catalogue() -> None:  # never called: extraction reads these
    from flask_babel import gettext, ngettext

    gettext("This field is required.")
    gettext("Not a valid choice.")
    gettext("Not a valid integer value.")
    gettext("Not a valid decimal value.")
    gettext("Not a valid float value.")
    gettext("Not a valid date value.")
    gettext("Not a valid datetime value.")
    gettext("Not a valid time value.")
    gettext("Invalid email address.")
    gettext("Invalid input.")
    gettext("Number must be at least %(min)s.")
    gettext("Number must be at most %(max)s.")
    gettext("Number must be between %(min)s and %(max)s.")
    gettext("Date must be at least %(min)s.")
    gettext("Date must be at most %(max)s.")
    gettext("Date must be between %(min)s and %(max)s.")
    gettext("Field must be between %(min)d and %(max)d characters long.")
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )
    ngettext(
        "Field must be exactly %(max)d character long.",
        "Field must be exactly %(max)d characters long.",
        1,
    )
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
    gettext("Invalid choice(s): one or more data inputs could not be coerced.")
    gettext("Invalid Choice: could not coerce.")
