"""Every stored value a page shows, as the reader's word: one map per kind of value.

Templates write `{{ vehicle.kind|label("vehicle_kind") }}` (or `{{ mission.status|label }}`
when the value alone is unambiguous); forms build their choices from `choices("skill")`.
A value with no word here (a name someone typed) is shown as it is.
"""

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

LABELS: dict[str, dict[str, object]] = {
    "mission_status": {
        "draft": _l("Draft"),
        "recruiting": _l("Recruiting"),
        "staffed": _l("Staffed"),
        "underway": _l("Underway"),
        "done": _l("Done"),
        "cancelled": _l("Cancelled"),
    },
    "callout_status": {
        "draft": _l("Draft"),
        "sending": _l("Sending now"),
        "done": _l("Finished"),
        "cancelled": _l("Cancelled"),
    },
    "callout_stop": {
        "full": _l("Every place filled"),
        "audience exhausted": _l("Nobody left to ask"),
        "mission closed": _l("Mission closed"),
        "mission cancelled": _l("Mission cancelled"),
    },
    "signup_status": {
        "confirmed": _l("Confirmed"),
        "waitlisted": _l("Waitlisted"),
        "offered": _l("Place offered"),
        "cancelled": _l("Cancelled"),
    },
    "signup_source": {
        "sms": _l("by SMS"),
        "web": _l("on their page"),
        "api": _l("through the API"),
        "staff": _l("added by staff"),
        "walk_in": _l("walk-in"),
    },
    "attendance_status": {
        "present": _l("Present"),
        "late": _l("Late"),
        "no_show": _l("No-show"),
        "excused": _l("Excused"),
        "unmarked": _l("Not marked"),
    },
    "staff_role": {
        "admin": _l("Admin"),
        "coordinator": _l("Coordinator"),
        "team_lead": _l("Team lead"),
    },
    "message_status": {
        "queued": _l("Queued"),
        "sending": _l("Being sent"),
        "sent": _l("Sent"),
        "delivered": _l("Delivered"),
        "undelivered": _l("Undelivered"),
        "failed": _l("Failed"),
        "received": _l("Received"),
        "cancelled": _l("Cancelled"),
    },
    "message_kind": {
        "callout": _l("Call-out"),
        "reply": _l("Reply"),
        "answer": _l("Automatic answer"),
        "team": _l("Team message"),
        "reminder": _l("Reminder"),
        "waitlist": _l("Waitlist notice"),
        "alert": _l("Alert"),
        "thank_you": _l("Thank-you"),
        "staff_reply": _l("Staff reply"),
        "mission_cancelled": _l("Mission cancelled"),
    },
    "skill": {
        "driver": _l("Driver"),
        "handler": _l("Animal handler"),
        "large-animal": _l("Large animals (horses, cattle)"),
        "vet": _l("Vet"),
        "vet-tech": _l("Vet technician"),
        "first-aid": _l("First aid"),
        "photo": _l("Photos and video"),
        "team-lead": _l("Team lead"),
    },
    "vehicle_kind": {
        "van": _l("Van"),
        "car": _l("Car"),
        "truck": _l("Truck"),
        "trailer": _l("Horse trailer"),
    },
    "mission_kind": {
        "farm_closure": _l("Farm closure"),
        "hoarding": _l("Hoarding"),
        "cruelty_case": _l("Cruelty case"),
        "large_animal": _l("Large animal"),
        "wildlife": _l("Wildlife"),
        "other": _l("Other"),
    },
    "language": {"ko": _l("Korean"), "en": _l("English")},
    # Animals taken on a mission (coordinator/models/animals.py).
    "species": {
        "dog": _l("Dog"),
        "cat": _l("Cat"),
        "horse": _l("Horse"),
        "rabbit": _l("Rabbit"),
        "goat": _l("Goat"),
        "pig": _l("Pig"),
        "bird": _l("Bird"),
    },
    "animal_sex": {"male": _l("Male"), "female": _l("Female"), "unknown": _l("Unknown")},
    "age_band": {
        "baby": _l("Under 6 months"),
        "young": _l("6 months to 2 years"),
        "adult": _l("Adult"),
        "senior": _l("Senior"),
        "age_unknown": _l("Age unknown"),
    },
    "animal_condition": {
        "walking": _l("Walking"),
        "needs_carrying": _l("Needs carrying"),
        "injured": _l("Injured"),
        "critical": _l("Critical"),
    },
    "destination": {
        "shelter": _l("Shelter"),
        "vet_clinic": _l("Vet clinic"),
        "foster": _l("Foster home"),
        "adoption_centre": _l("Adoption centre"),
        "not_arrived": _l("Not arrived yet"),
    },
    "travel_status": {"on_the_way": _l("On the way"), "running_late": _l("Running late")},
    # Consent channels and optional items (coordinator/models/records.py).
    "consent_channel": {
        "join": _l("join page"),
        "paper": _l("paper form"),
        "import": _l("import"),
        "personal": _l("personal page"),
    },
    "consent_item": {"vehicle": _l("vehicle"), "birth_date": _l("date of birth")},
    # How a message went (Message.route, Message.message_type; coordinator/sms/routing.py).
    "sms_route": {
        "console": _l("Console (not sent)"),
        "twilio": _l("Twilio (international)"),
        "solapi": _l("Solapi (domestic)"),
    },
    "message_type": {
        "SMS": _l("SMS (short)"),
        "LMS": _l("Long SMS (LMS)"),
        "ALIMTALK": _l("KakaoTalk Alimtalk"),
    },
    "via": {
        "web": _l("on the web"),
        "api": _l("through the API"),
        "cli": _l("on the command line"),
        "sms": _l("by SMS"),
        "staff": _l("by staff"),
    },
}

# A value alone, without its kind: the first map that knows it (statuses before the rest).
_ANY: dict[str, object] = {}
for _kind in (
    "mission_status",
    "signup_status",
    "attendance_status",
    "callout_stop",
    "callout_status",
    "message_status",
    "staff_role",
    "skill",
    "vehicle_kind",
    "mission_kind",
    "language",
    "message_kind",
    "species",
    "animal_sex",
    "age_band",
    "animal_condition",
    "destination",
    "travel_status",
    "consent_channel",
    "consent_item",
):
    for _value, _word in LABELS[_kind].items():
        _ANY.setdefault(_value, _word)


def label(value: object, kind: str | None = None) -> object:
    """The reader's word for a stored value; a value with no word is shown as it is."""
    if value is None:
        return ""
    words = LABELS[kind] if kind else _ANY
    return words.get(str(value), value)


def choices(kind: str) -> list[SelectChoice]:
    """Select options for one kind of value: stored value, the reader's word."""
    return [SelectChoice(value, word) for value, word in LABELS[kind].items()]
