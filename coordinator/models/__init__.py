"""The domain model. Importing this package registers every table on db.metadata."""

from coordinator.models.animals import (
    AgeBand,
    Animal,
    AnimalCondition,
    AnimalSex,
    DestinationKind,
)
from coordinator.models.audit import AuditEntry
from coordinator.models.links import ShortLink
from coordinator.models.messaging import (
    CallOut,
    CallOutStatus,
    ConversationState,
    Direction,
    Invitation,
    InvitationResponse,
    Message,
    MessageStatus,
)
from coordinator.models.missions import (
    OPEN_STATUSES,
    ExpectedAnimals,
    Mission,
    MissionKind,
    MissionStatus,
    Position,
    Role,
    Shift,
    Vehicle,
)
from coordinator.models.records import (
    Consent,
    ConsentChannel,
    PhoneCode,
    WaiverAcceptance,
    WaiverVersion,
)
from coordinator.models.signups import (
    Attendance,
    AttendanceEvent,
    AttendanceStatus,
    Signup,
    SignupSource,
    SignupStatus,
)
from coordinator.models.staff import ApiToken, StaffRole, StaffUser
from coordinator.models.volunteers import (
    Approval,
    Skill,
    VehicleKind,
    Volunteer,
    VolunteerSkill,
)

__all__ = [
    "AgeBand",
    "Animal",
    "AnimalCondition",
    "AnimalSex",
    "DestinationKind",
    "Approval",
    "Consent",
    "ConsentChannel",
    "PhoneCode",
    "WaiverAcceptance",
    "WaiverVersion",
    "AuditEntry",
    "OPEN_STATUSES",
    "ApiToken",
    "Attendance",
    "AttendanceEvent",
    "AttendanceStatus",
    "CallOut",
    "CallOutStatus",
    "ConversationState",
    "Direction",
    "ExpectedAnimals",
    "Invitation",
    "InvitationResponse",
    "Message",
    "MessageStatus",
    "Mission",
    "MissionKind",
    "MissionStatus",
    "Position",
    "Role",
    "Shift",
    "ShortLink",
    "Signup",
    "SignupSource",
    "SignupStatus",
    "Skill",
    "StaffRole",
    "StaffUser",
    "Vehicle",
    "VehicleKind",
    "Volunteer",
    "VolunteerSkill",
]
