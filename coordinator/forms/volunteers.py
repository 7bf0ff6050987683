"""Forms of the volunteer pages: details, opt-out, CSV import."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from coordinator.domain.volunteers import VolunteerDetails
from coordinator.forms import WholeNumberField
from coordinator.forms.missions import SKILL_CHOICES, VEHICLE_CHOICES, CheckboxesField
from coordinator.forms.translations import AppForm

LANGUAGE_CHOICES = [SelectChoice("ko", "한국어"), SelectChoice("en", "English")]


class VolunteerForm(AppForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    phone = StringField(
        _l("Mobile phone"),
        validators=[DataRequired(), Length(max=40)],
        description=_l("010-1234-5678, or +44… for a foreign number"),
    )
    language = SelectField(_l("SMS language"), choices=LANGUAGE_CHOICES)
    region = StringField(_l("Region"), validators=[Length(max=100)])
    skills = CheckboxesField(_l("Skills"), choices=SKILL_CHOICES)
    vehicle_kind = SelectField(_l("Own vehicle"), choices=[SelectChoice("", "—"), *VEHICLE_CHOICES])
    vehicle_seats = WholeNumberField(_l("Seats"), validators=[Optional(), NumberRange(0, 60)])
    vehicle_crates = WholeNumberField(
        _l("Crate slots"), validators=[Optional(), NumberRange(0, 60)]
    )
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])

    def fill_from(self, volunteer) -> None:
        for name in (
            "name",
            "language",
            "region",
            "vehicle_kind",
            "vehicle_seats",
            "vehicle_crates",
            "notes",
        ):
            getattr(self, name).data = getattr(volunteer, name)
        self.phone.data = volunteer.phone
        self.skills.data = volunteer.skill_names

    def details(self) -> VolunteerDetails:
        return VolunteerDetails(
            name=self.name.data or "",
            phone=self.phone.data or "",
            language=self.language.data,
            region=self.region.data or "",
            skills=list(self.skills.data or []),
            vehicle_kind=self.vehicle_kind.data or "",
            vehicle_seats=self.vehicle_seats.data,
            vehicle_crates=self.vehicle_crates.data,
            notes=self.notes.data or "",
        )


class OptOutForm(AppForm):
    action = HiddenField(validators=[DataRequired()])  # "opt_out" or "clear"
    note = TextAreaField(
        _l("Note"),
        validators=[Length(max=1000)],
        description=_l("Who asked, when and how (needed to clear an opt-out)"),
    )


class ImportForm(AppForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class ImportCommitForm(AppForm):
    # The key of the previewed file, kept on the server (coordinator/pending_imports.py).
    pending = HiddenField(validators=[DataRequired(), Length(max=64)])
