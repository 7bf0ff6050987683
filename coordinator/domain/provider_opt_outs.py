"""Opt-outs the provider holds: Korean senders must offer a free 080 line, and Solapi keeps the
numbers that called it. A number on that list gets nothing from us either."""

import logging
from datetime import datetime

from sqlalchemy import select

from coordinator.domain import consent
from coordinator.extensions import db
from coordinator.models import Volunteer

log = logging.getLogger(__name__)
CHUNK = 500


def apply_provider_opt_outs(numbers: list[str], now: datetime, *, source: str) -> int:
    """Opt out each volunteer whose number is on the provider's list; returns how many newly.

    Their queued messages are cancelled too (consent.opt_out), as for a STOP by SMS.
    """
    wanted = sorted(set(numbers))
    ids: list[int] = []
    for start in range(0, len(wanted), CHUNK):
        ids += db.session.scalars(
            select(Volunteer.id).where(
                Volunteer.phone.in_(wanted[start : start + CHUNK]), Volunteer.opted_out_at.is_(None)
            )
        )
    for volunteer in db.session.scalars(select(Volunteer).where(Volunteer.id.in_(ids))):
        consent.opt_out(
            volunteer, source=consent.Source.PROVIDER, now=now, note=f"{source}: 080 opt-out line"
        )
    if ids:
        log.info("%s opt-out list: %d volunteer(s) opted out", source, len(ids))
    return len(ids)
