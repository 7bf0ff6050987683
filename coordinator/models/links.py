"""Short personal links: a random token stored with the volunteer it opens."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.extensions import db
from coordinator.models.types import UTCDateTime
from coordinator.models.volunteers import Volunteer
from coordinator.timeutil import now_utc


class ShortLink(db.Model):
    """`/v/<token>` for one volunteer (and mission), so a call-out fits one Korean SMS.

    The token is random (48 bits and more), not signed: it means something only as a row
    here. It expires like a signed link, and dies when the volunteer's links are revoked
    (`link_version` no longer matches theirs).
    """

    __tablename__ = "short_links"

    token: Mapped[str] = mapped_column(String(16), primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteers.id", ondelete="CASCADE"), index=True
    )
    mission_id: Mapped[int | None] = mapped_column(ForeignKey("missions.id", ondelete="CASCADE"))
    link_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    volunteer: Mapped[Volunteer] = relationship()
