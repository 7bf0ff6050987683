"""Form classes for the staff web pages, and turning domain errors into form errors."""

from flask import flash
from flask_wtf import FlaskForm
from wtforms import Field, IntegerField
from wtforms.validators import Length

from coordinator.errors import Conflict, DomainError, NotFound, ValidationError
from coordinator.numbers import is_whole_number

HTTP_STATUS = {ValidationError: 400, Conflict: 409, NotFound: 404}


def status_of(error: DomainError) -> int:
    """The HTTP status that answers a refused request: 400, 409 or 404 (422 otherwise)."""
    return next((code for kind, code in HTTP_STATUS.items() if isinstance(error, kind)), 422)


def show_error(form: FlaskForm | None, error: DomainError) -> int:
    """Put the domain's message next to the field it names (or flash it); the HTTP status."""
    field = getattr(form, error.field, None) if form is not None and error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
    return status_of(error)


def error_list(form: FlaskForm | None) -> list[tuple[str, str, str]]:
    """Every error of a form, nested forms included, in page order: (field id, label, message)."""
    found: list[tuple[str, str, str]] = []
    for field in form or []:
        if hasattr(field, "entries") or hasattr(field, "form"):  # FieldList / FormField
            inner = field.entries if hasattr(field, "entries") else [field]
            for entry in inner:
                found += (
                    error_list(getattr(entry, "form", None))
                    if hasattr(entry, "form")
                    else [(entry.id, str(entry.label.text), str(e)) for e in entry.errors]
                )
            found += [
                (field.id, str(field.label.text), str(e))
                for e in field.errors
                if isinstance(e, str)
            ]
        else:
            found += [(field.id, str(field.label.text), str(e)) for e in field.errors]
    return found


def max_length(field: Field) -> int | None:
    """The longest value a field's validators accept, for its counter."""
    limits = [v.max for v in field.validators if isinstance(v, Length) and v.max and v.max > 0]
    return min(limits) if limits else None


class WholeNumberField(IntegerField):
    """An IntegerField that takes the digits 0-9 only (see coordinator/numbers.py)."""

    def process_formdata(self, valuelist: list) -> None:
        raw = str(valuelist[0]).strip() if valuelist else ""
        if raw and not is_whole_number(raw.removeprefix("-")):
            self.data = None
            raise ValueError(self.gettext("Not a valid integer value."))
        super().process_formdata(valuelist)
