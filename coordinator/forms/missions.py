"""Forms of the mission pages: details, roles, shifts, vehicles, duplicate, cancel."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from coordinator.domain.missions import MissionDetails
from coordinator.forms import WholeNumberField
from coordinator.forms.translations import AppForm, SubForm
from coordinator.labels import LABELS, choices
from coordinator.timeutil import local_to_utc, to_local

LOCAL = "%Y-%m-%dT%H:%M"
KIND_LABELS = LABELS["mission_kind"]
# Stored tags as value, the reader's word as label.
SKILL_CHOICES = choices("skill")
VEHICLE_CHOICES = choices("vehicle_kind")


class AnimalsForm(SubForm):
    species = StringField(_l("Species"), validators=[Optional(), Length(max=50)])
    count = WholeNumberField(_l("How many"), validators=[Optional(), NumberRange(0, 10_000)])
    needs_crate = BooleanField(_l("Travels in a crate"), default=True)


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class MissionForm(AppForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices("mission_kind"))
    code = StringField(
        _l("SMS code"),
        validators=[Optional(), Length(max=5)],
        description=_l("1-2 letters then 1-3 digits; leave empty for a suggestion"),
    )
    starts_at = DateTimeLocalField(_l("Starts"), format=LOCAL, validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format=LOCAL, validators=[DataRequired()])
    area = StringField(_l("Area (shown to everyone)"), validators=[Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    is_address_confidential = BooleanField(
        _l("Confidential address"),
        description=_l("Shown only to staff, and later only to confirmed volunteers"),
    )
    meeting_point = StringField(_l("Meeting point"), validators=[Length(max=300)])
    briefing = TextAreaField(_l("Briefing"), validators=[Length(max=5000)])
    what_to_bring = TextAreaField(_l("What to bring"), validators=[Length(max=2000)])
    animals = FieldList(FormField(AnimalsForm), min_entries=3, max_entries=10)
    team_lead_ids = CheckboxesField(_l("Team leads"), coerce=int, validate_choice=False)
    move_shifts = BooleanField(
        _l("Move the shifts along when the start time changes"), default=True
    )

    def fill_from(self, mission) -> None:
        """Show a stored mission in local time."""
        for name in (
            "title",
            "kind",
            "code",
            "area",
            "address",
            "is_address_confidential",
            "meeting_point",
            "briefing",
            "what_to_bring",
        ):
            getattr(self, name).data = getattr(mission, name)
        self.starts_at.data = to_local(mission.starts_at).replace(tzinfo=None)
        self.ends_at.data = to_local(mission.ends_at).replace(tzinfo=None)
        self.team_lead_ids.data = [u.id for u in mission.team_leads]
        while len(self.animals.entries):
            self.animals.pop_entry()
        for group in mission.animals:
            self.animals.append_entry(
                {"species": group.species, "count": group.count, "needs_crate": group.needs_crate}
            )
        while len(self.animals.entries) < 3:
            self.animals.append_entry()

    def details(self) -> MissionDetails:
        """The form as domain input, times converted to UTC."""
        return MissionDetails(
            title=self.title.data or "",
            kind=self.kind.data,
            code=self.code.data or "",
            starts_at=local_to_utc(self.starts_at.data),
            ends_at=local_to_utc(self.ends_at.data),
            area=self.area.data or "",
            address=self.address.data or "",
            is_address_confidential=self.is_address_confidential.data,
            meeting_point=self.meeting_point.data or "",
            briefing=self.briefing.data or "",
            what_to_bring=self.what_to_bring.data or "",
            animals=[
                (a["species"], a["count"] or 0, a["needs_crate"])
                for a in self.animals.data
                if a["species"]
            ],
            team_lead_ids=list(self.team_lead_ids.data or []),
        )


# The role, shift and vehicle forms share one page: ids (not names) carry the form's prefix,
# so every label points at its own input.
class RoleForm(AppForm):
    name = StringField(_l("Role"), validators=[DataRequired(), Length(max=100)], id="role-name")
    sms_key = StringField(
        _l("SMS key"),
        validators=[Optional(), Length(max=4)],
        description=_l("The letter volunteers text, like H"),
        id="role-sms_key",
    )
    required_skill = SelectField(
        _l("Needs skill"), choices=[SelectChoice("", "—"), *SKILL_CHOICES], id="role-required_skill"
    )
    min_age = WholeNumberField(
        _l("Minimum age"), validators=[Optional(), NumberRange(0, 100)], id="role-min_age"
    )
    requires_waiver = BooleanField(
        _l("Needs a waiver accepted within 12 months"), id="role-requires_waiver"
    )


class ShiftForm(AppForm):
    name = StringField(_l("Shift"), validators=[Optional(), Length(max=50)], id="shift-name")
    sms_key = StringField(
        _l("SMS key"),
        validators=[Optional(), Length(max=4)],
        description=_l("Like AM or PM"),
        id="shift-sms_key",
    )
    starts_at = DateTimeLocalField(
        _l("Starts"), format=LOCAL, validators=[DataRequired()], id="shift-starts_at"
    )
    ends_at = DateTimeLocalField(
        _l("Ends"), format=LOCAL, validators=[DataRequired()], id="shift-ends_at"
    )


class VehicleForm(AppForm):
    label = StringField(
        _l("Vehicle"), validators=[DataRequired(), Length(max=100)], id="vehicle-label"
    )
    kind = SelectField(_l("Kind"), choices=VEHICLE_CHOICES, id="vehicle-kind")
    seats = WholeNumberField(
        _l("Seats"), validators=[Optional(), NumberRange(0, 60)], id="vehicle-seats"
    )
    crates = WholeNumberField(
        _l("Crate slots"), validators=[Optional(), NumberRange(0, 200)], id="vehicle-crates"
    )


class DuplicateForm(AppForm):
    starts_at = DateTimeLocalField(_l("New start"), format=LOCAL, validators=[DataRequired()])


class CancelForm(AppForm):
    confirm = BooleanField(
        _l("Yes, cancel this mission and text everyone holding a place"),
        validators=[DataRequired()],
    )
