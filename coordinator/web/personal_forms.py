"""Forms of the volunteer's personal page: they parse input; the domain decides what is allowed."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from coordinator.domain import vehicles
from coordinator.domain.personal import VehicleOffer
from coordinator.forms import WholeNumberField
from coordinator.forms.translations import AppForm
from coordinator.labels import LABELS, choices

KIND_LABELS = LABELS["vehicle_kind"]
SKILL_LABELS = LABELS["skill"]
NO_VEHICLE = [SelectChoice("", _l("No vehicle"))]


def _kind_choices() -> list[tuple[str, object]]:
    return NO_VEHICLE + choices("vehicle_kind")


def _seats_field(label: object, upper: int) -> WholeNumberField:
    return WholeNumberField(label, validators=[Optional(), NumberRange(0, upper)])


class VehicleForm(AppForm):
    """The optional vehicle offer that goes with taking a place."""

    kind = SelectField(_l("I can bring"), choices=_kind_choices(), default="")
    seats = _seats_field(_l("Free seats"), vehicles.MAX_SEATS)
    crates = _seats_field(_l("Crate slots"), vehicles.MAX_CRATES)

    def offer(self) -> VehicleOffer | None:
        if not self.kind.data:
            return None
        return VehicleOffer(self.kind.data, self.seats.data, self.crates.data)


class VehicleOnlyForm(VehicleForm):
    """Offering a vehicle for a place already held: the kind is then required."""

    kind = SelectField(_l("I can bring"), choices=_kind_choices()[1:], validators=[DataRequired()])


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(AppForm):
    language = RadioField(
        _l("Messages in"),
        choices=[SelectChoice("ko", "한국어"), SelectChoice("en", "English")],
        default="ko",
    )
    skills = CheckboxesField(
        _l("What I can do"),
        choices=choices("skill"),
    )
    vehicle_kind = SelectField(_l("My vehicle"), choices=_kind_choices(), default="")
    vehicle_seats = _seats_field(_l("Free seats"), vehicles.MAX_SEATS)
    vehicle_crates = _seats_field(_l("Crate slots"), vehicles.MAX_CRATES)
    portal_1365_id = StringField(
        _l("My 1365 volunteer portal id (optional)"),
        validators=[Length(max=40)],
        description=_l(
            "Given here, it goes on the hours the team enters on the 1365 portal "
            "for you; leave it empty and your hours are not sent there."
        ),
    )

    def profile(self) -> dict:
        return {
            "portal_1365_id": self.portal_1365_id.data or "",
            "language": self.language.data,
            "skills": list(self.skills.data or []),
            "vehicle_kind": self.vehicle_kind.data or None,
            "vehicle_seats": self.vehicle_seats.data,
            "vehicle_crates": self.vehicle_crates.data,
        }


class PauseForm(AppForm):
    resume_on = DateField(_l("Send me call-outs again from"), validators=[DataRequired()])
