"""The audit log: every change staff make, with who, what, when, and the values before/after."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coordinator.extensions import db
from coordinator.models.staff import StaffUser
from coordinator.models.types import UTCDateTime
from coordinator.timeutil import now_utc


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    via: Mapped[str] = mapped_column(String(10))  # web, api, cli
    action: Mapped[str] = mapped_column(String(10))  # create, update, delete
    object_type: Mapped[str] = mapped_column(String(50))
    object_id: Mapped[int | None]
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # {field: [before, after]}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now_utc, index=True)

    staff_user: Mapped[StaffUser | None] = relationship()
