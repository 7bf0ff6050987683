"""Opt-out and opt-in (coordinator.domain.consent) through every door, with one effect."""

from collections.abc import Callable

import pytest
from sqlalchemy import select

from coordinator.domain import consent
from coordinator.extensions import db
from coordinator.models import Direction, Message, MessageStatus, StaffRole, Volunteer
from coordinator.sms import delivery, gateway
from coordinator.sms.outbox import queue_sms
from coordinator.timeutil import now_utc
from tests.support.api import api_as_fixture  # noqa: F401
from tests.support.callouts import queue_message_fixture  # noqa: F401
from tests.support.conversation import text_in_fixture  # noqa: F401
from tests.support.coordinator_pages import post_form_fixture  # noqa: F401
from tests.support.personal import path

QUEUED_KINDS = ("callout", "reminder", "waitlist_offer", "team", "mission_cancelled")


@pytest.fixture
def doors(app, client, csrf_token, create_staff, login, post_form, api_as, text_in):
    """Each door that records a volunteer's opt-out (or opt-in) for them: doors[name](v, way)."""

    def sms(volunteer: Volunteer, way: str) -> None:
        assert text_in(volunteer.phone, "STOP" if way == "out" else "START").status_code == 200

    def personal_page(volunteer: Volunteer, way: str) -> None:
        token = csrf_token(client.get(path(volunteer)))
        response = client.post(path(volunteer, suffix=f"/opt-{way}"), data={"csrf_token": token})
        assert response.status_code in (200, 303), response.status_code

    def staff_web(volunteer: Volunteer, way: str) -> None:
        login(create_staff(StaffRole.COORDINATOR))
        page = f"/volunteers/{volunteer.id}"
        response = post_form(
            f"{page}/opt-out",
            {"action": "opt_out" if way == "out" else "clear", "note": "본인이 전화로 요청"},
            page=page,
        )
        assert response.status_code == 303, response.status_code

    def api(volunteer: Volunteer, way: str) -> None:
        response = api_as(StaffRole.COORDINATOR).post(
            f"/volunteers/{volunteer.id}/opt-{way}", {"note": "asked by phone"}
        )
        assert response.status_code == 200, response.get_json()

    def provider(volunteer: Volunteer, way: str) -> None:  # 21610: the number unsubscribed
        assert way == "out"
        sent = queue_sms(volunteer, "help", kind="answer", idempotency_key="sent-earlier")
        db.session.flush()
        delivery.claim([sent.id], now_utc())
        sent.provider_sid, sent.status = "SM" + "b" * 32, MessageStatus.SENT
        db.session.commit()
        params = {
            "MessageSid": sent.provider_sid,
            "MessageStatus": "undelivered",
            "ErrorCode": "21610",
        }
        url = "https://rescue.example.org/sms/status"
        response = client.post(
            "/sms/status",
            data=params,
            headers={"X-Twilio-Signature": gateway.sign(app.config, url, params)},
        )
        assert response.status_code == 204

    return {
        "sms": sms,
        "personal page": personal_page,
        "staff web": staff_web,
        "api": api,
        "provider": provider,
    }


def queued_statuses(volunteer: Volunteer) -> dict[str, str]:
    db.session.expire_all()
    return dict(
        db.session.execute(
            select(Message.kind, Message.status).where(
                Message.volunteer_id == volunteer.id,
                Message.direction == Direction.OUTBOUND,
                Message.kind.in_(QUEUED_KINDS),
            )
        ).all()
    )


@pytest.mark.parametrize("door", ["sms", "personal page", "staff web", "api", "provider"])
def test_every_door_opts_out_the_same_way_and_cancels_every_queued_message(
    door: str, doors: dict[str, Callable], create_volunteer, queue_message
):
    volunteer, bystander = create_volunteer("김민준"), create_volunteer("이서연")
    for kind in QUEUED_KINDS:
        queue_message(volunteer, kind=kind)
    queue_message(bystander, kind="reminder")

    doors[door](volunteer, "out")

    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).opted_out_at is not None
    assert queued_statuses(volunteer) == dict.fromkeys(QUEUED_KINDS, MessageStatus.CANCELLED)
    assert queued_statuses(bystander) == {"reminder": MessageStatus.QUEUED}


@pytest.mark.parametrize("door", ["sms", "personal page", "staff web", "api"])
def test_every_door_opts_back_in_the_same_way(door: str, doors, create_volunteer):
    volunteer = create_volunteer(opted_out_at=now_utc(), opt_out_note="replied STOP by SMS")

    doors[door](volunteer, "in")

    db.session.expire_all()
    back = db.session.get(Volunteer, volunteer.id)
    assert back.opted_out_at is None and back.opt_out_note.startswith("cleared: ")


def test_staff_cannot_clear_an_opt_out_without_saying_who_asked(api_as, create_volunteer):
    volunteer = create_volunteer(opted_out_at=now_utc())
    refused = api_as(StaffRole.COORDINATOR).post(f"/volunteers/{volunteer.id}/opt-in", {"note": ""})
    assert refused.status_code == 422 and refused.get_json()["error"]["field"] == "note"
    db.session.expire_all()
    assert db.session.get(Volunteer, volunteer.id).is_opted_out


def test_a_team_lead_cannot_opt_a_volunteer_out_through_the_api(api_as, create_volunteer):
    volunteer = create_volunteer()
    assert (
        api_as(StaffRole.TEAM_LEAD).post(f"/volunteers/{volunteer.id}/opt-out").status_code == 403
    )
    db.session.expire_all()
    assert not db.session.get(Volunteer, volunteer.id).is_opted_out


def test_the_claim_hands_over_nothing_of_any_kind_to_an_opted_out_number_but_the_confirmation(
    app, create_volunteer, queue_message
):
    volunteer = create_volunteer()
    queued = [queue_message(volunteer, kind=kind) for kind in QUEUED_KINDS]
    # Opted out by another process between the queueing and the claim, nothing cancelled yet.
    db.session.execute(
        Volunteer.__table__.update()
        .where(Volunteer.__table__.c.id == volunteer.id)
        .values(opted_out_at=now_utc())
    )
    db.session.commit()
    confirmation = queue_message(volunteer, kind=consent.CONFIRMATION_KIND)

    claimed = delivery.claim([m.id for m in [*queued, confirmation]], now_utc())

    assert [c.id for c in claimed] == [confirmation.id]


def test_nothing_new_is_queued_for_an_opted_out_volunteer_but_the_confirmation(
    app, create_volunteer, queue_message
):
    volunteer = create_volunteer(opted_out_at=now_utc())
    assert queue_message(volunteer, kind="reminder") is None
    assert queue_message(volunteer, kind=consent.CONFIRMATION_KIND) is not None
