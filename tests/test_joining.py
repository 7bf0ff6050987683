"""Joining by themselves: the join page, the one-time code, the staff queue, approval."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coordinator.domain import audience as audience_rules
from coordinator.domain import joining
from coordinator.extensions import db
from coordinator.models import Approval, Consent, PhoneCode, StaffRole, Volunteer
from coordinator.timeutil import now_utc
from tests.support.joining import code_sent_to, join_form, messages_to

PHONE = "+821033334444"


def _post_join(client, csrf_token, **overrides):
    page = client.get("/join")
    data = {**join_form(**overrides), "csrf_token": csrf_token(page)}
    return client.post("/join", data=data)


def _confirm(client, csrf_token, code, guardian_code=""):
    page = client.get("/join/verify")
    return client.post(
        "/join/verify",
        data={"code": code, "guardian_code": guardian_code, "csrf_token": csrf_token(page)},
    )


def _volunteers() -> int:
    return db.session.scalar(select(func.count()).select_from(Volunteer))


def test_a_person_joins_with_a_code_and_waits_for_approval(app, client, csrf_token):
    response = _post_join(client, csrf_token)
    assert response.status_code == 303 and response.location.endswith("/join/verify")
    assert _volunteers() == 0  # nothing stored before the number is proven
    assert db.session.scalar(select(PhoneCode.code_hash)) != code_sent_to(PHONE)
    page = client.get("/join/verify").get_data(as_text=True)
    assert "010-3333-4444" in page
    response = _confirm(client, csrf_token, code_sent_to(PHONE))
    assert response.status_code == 303 and response.location.endswith("/join/done")
    volunteer = db.session.scalar(select(Volunteer))
    assert (volunteer.name, volunteer.approval, volunteer.joined_via) == (
        "한지민",
        Approval.PENDING,
        "join",
    )
    assert volunteer.emergency_phone == "+821055556666"
    assert not volunteer.has_skill("handler")  # self-declared: staff verify
    consent = db.session.scalar(select(Consent))
    assert consent.channel == "join" and consent.volunteer_id == volunteer.id
    assert consent.purposes == ["callouts", "reminders", "attendance"]
    assert consent.notice_version == app.config["PRIVACY_NOTICE_VERSION"]


def test_a_wrong_code_is_refused_and_counted_and_the_code_dies_after_five(app, client, csrf_token):
    _post_join(client, csrf_token)
    right = code_sent_to(PHONE)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        response = _confirm(client, csrf_token, wrong)
        assert response.status_code == 400
        assert "wrong or has expired" in response.get_data(as_text=True)
    assert _confirm(client, csrf_token, right).status_code == 400  # used up
    assert _volunteers() == 0


def test_an_expired_code_is_refused(app, client, csrf_token):
    _post_join(client, csrf_token)
    code = db.session.scalar(select(PhoneCode))
    code.expires_at = now_utc() - timedelta(seconds=1)
    db.session.commit()
    assert _confirm(client, csrf_token, code_sent_to(PHONE)).status_code == 400
    assert _volunteers() == 0


def test_a_registered_number_gets_its_link_and_the_page_says_the_same(
    app, client, csrf_token, create_volunteer
):
    create_volunteer("기존 봉사자", phone=PHONE)
    _post_join(client, csrf_token)
    known = client.get("/join/verify").get_data(as_text=True)
    body = messages_to(PHONE)[-1].body
    assert "https://rescue.example.org/v/" in body
    assert db.session.scalar(select(func.count()).select_from(PhoneCode)) == 0
    other = app.test_client()
    page = other.get("/join")
    other.post("/join", data={**join_form(phone="010-7777-8888"), "csrf_token": csrf_token(page)})
    fresh = other.get("/join/verify").get_data(as_text=True)
    assert _without_tokens(known, "010-3333-4444") == _without_tokens(fresh, "010-7777-8888")


def _without_tokens(html: str, phone: str) -> str:
    return re.sub(r'(content|value)="[^"]{40,}"', "", html).replace(phone, "X")


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"name": ""}, "Your name is required"),
        ({"phone": "12"}, "not a valid phone number"),
        ({"emergency_phone": "010-3333-4444"}, "number other than yours"),
        ({"consent_required": None}, "agree to the required items"),
        ({"age_group": None}, "14 or older"),
        ({"age_group": "under14"}, "A guardian&#39;s name is required"),
        ({"vehicle_kind": "van"}, "keep your vehicle"),
        (
            {
                "birth_date": "2000-01-01",
                "optional_items": "birth_date",
                "age_group": "under14",
                "guardian_name": "부모",
                "guardian_phone": "010-1212-3434",
            },
            "do not agree",
        ),
        ({"region": "가" * 101}, "longer than 100"),
        ({"skills": ["wizard"]}, "is not a valid choice"),
    ],
)
def test_bad_input_is_named_on_the_page_and_nothing_is_stored(
    app, client, csrf_token, overrides, field_text
):
    response = _post_join(client, csrf_token, **overrides)
    assert response.status_code == 400
    assert field_text in response.get_data(as_text=True)
    assert messages_to(PHONE) == [] and _volunteers() == 0


def test_the_honeypot_sends_nothing_but_looks_the_same(app, client, csrf_token):
    response = _post_join(client, csrf_token, website="http://spam.example")
    assert response.status_code == 303
    assert messages_to(PHONE) == []


@pytest.mark.app_config(JOIN_SENDS_PER_PHONE_HOUR=2)
def test_codes_for_one_number_are_limited(app, client, csrf_token):
    assert _post_join(client, csrf_token).status_code == 303
    assert _post_join(client, csrf_token).status_code == 303
    response = _post_join(client, csrf_token)
    assert response.status_code == 409 and "wait an hour" in response.get_data(as_text=True)
    assert len(messages_to(PHONE)) == 2


@pytest.mark.app_config(JOIN_SENDS_PER_ADDRESS_HOUR=2)
def test_codes_from_one_address_are_limited(app, client, csrf_token):
    for n in range(2):
        assert _post_join(client, csrf_token, phone=f"010-3333-444{n}").status_code == 303
    assert _post_join(client, csrf_token, phone="010-3333-4449").status_code == 409


def test_under_14_needs_the_guardians_code(app, client, csrf_token):
    _post_join(
        client,
        csrf_token,
        age_group="under14",
        guardian_name="한부모",
        guardian_phone="010-9999-0000",
    )
    guardian_sms = messages_to("+821099990000")[-1].body
    assert "한지민" in guardian_sms
    response = _confirm(client, csrf_token, code_sent_to(PHONE), "123")
    assert response.status_code == 400 and _volunteers() == 0
    _post_join(
        client,
        csrf_token,
        age_group="under14",
        guardian_name="한부모",
        guardian_phone="010-9999-0000",
    )
    response = _confirm(client, csrf_token, code_sent_to(PHONE), code_sent_to("+821099990000"))
    assert response.status_code == 303
    volunteer = db.session.scalar(select(Volunteer))
    assert volunteer.guardian_verified_at is not None
    assert db.session.scalar(select(Consent.by_guardian)) is True


def test_an_under_14_without_verified_guardian_cannot_be_approved(app, create_volunteer):
    volunteer = create_volunteer("어린이", approval=Approval.PENDING, guardian_name="부모")
    with pytest.raises(Exception, match="guardian"):
        joining.approve(volunteer)


def _joined(client, csrf_token) -> Volunteer:
    _post_join(client, csrf_token)
    _confirm(client, csrf_token, code_sent_to(PHONE))
    return db.session.scalar(select(Volunteer))


def test_staff_approve_a_sign_up_and_only_then_it_is_called_out(
    app, client, csrf_token, create_staff, login, create_mission
):
    volunteer = _joined(client, csrf_token)
    mission = create_mission(roles={"Helper": None})
    audience = audience_rules.Audience()
    assert audience_rules.count(mission, audience, now_utc())["total"] == 0
    login(create_staff(StaffRole.COORDINATOR))
    page = client.get("/volunteers/sign-ups")
    assert "한지민" in page.get_data(as_text=True)
    response = client.post(
        f"/volunteers/sign-ups/{volunteer.id}/approve", data={"csrf_token": csrf_token(page)}
    )
    assert response.status_code == 303
    db.session.refresh(volunteer)
    assert volunteer.approval == Approval.APPROVED
    assert "https://rescue.example.org/v/" in messages_to(PHONE)[-1].body
    assert audience_rules.count(mission, audience, now_utc())["total"] == 1


def test_a_team_lead_cannot_approve(app, client, csrf_token, create_staff, login):
    volunteer = _joined(client, csrf_token)
    login(create_staff(StaffRole.TEAM_LEAD))
    assert client.get("/volunteers/sign-ups").status_code == 403
    response = client.post(
        f"/volunteers/sign-ups/{volunteer.id}/approve",
        data={"csrf_token": csrf_token(client.get("/account/tokens"))},
    )
    assert response.status_code == 403
    db.session.refresh(volunteer)
    assert volunteer.approval == Approval.PENDING


def test_turning_down_deletes_the_persons_data(app, client, csrf_token, create_staff, login):
    volunteer = _joined(client, csrf_token)
    login(create_staff(StaffRole.COORDINATOR))
    page = client.get("/volunteers/sign-ups")
    client.post(
        f"/volunteers/sign-ups/{volunteer.id}/reject", data={"csrf_token": csrf_token(page)}
    )
    db.session.refresh(volunteer)
    assert volunteer.approval == Approval.REJECTED and volunteer.erased_at is not None
    assert volunteer.name != "한지민" and volunteer.emergency_phone is None


def test_the_join_page_and_privacy_notice_speak_korean_and_english(app, client):
    korean = client.get("/join?lang=ko").get_data(as_text=True)
    assert "봉사자" in korean and "Twilio" in korean
    english = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "United States" in english and "Solapi" in english and "refuse" in english


def test_the_short_link_and_the_qr_code(app, client, create_staff, login):
    assert client.get("/j").location.endswith("/join")
    login(create_staff(StaffRole.COORDINATOR))
    assert "https://rescue.example.org/j" in client.get("/admin/join-link").get_data(as_text=True)
    qr = client.get("/admin/join-link/qr.svg")
    assert qr.mimetype == "image/svg+xml" and b"<svg" in qr.data


@pytest.mark.parametrize("name", ["a\x00b", "x" * 5000, "<script>alert(1)</script>"])
def test_hostile_names_are_refused_or_escaped_and_nothing_is_half_stored(
    app, client, csrf_token, name
):
    response = _post_join(client, csrf_token, name=name)
    assert response.status_code in (303, 400)
    if response.status_code == 303:
        _confirm(client, csrf_token, code_sent_to(PHONE))
        client2 = app.test_client()
        assert "<script>alert(1)</script>" not in client2.get("/join").get_data(as_text=True)
    else:
        assert messages_to(PHONE) == [] and _volunteers() == 0


def test_verify_without_a_form_in_the_session_goes_back_to_the_form(app, client):
    assert client.get("/join/verify").location.endswith("/join")
    assert client.post("/join/verify", data={"code": "123456"}).status_code in (303, 400)
    assert _volunteers() == 0


def test_once_used_the_code_is_no_longer_readable_in_the_sent_text(app, client, csrf_token):
    from coordinator.models import Message, MessageStatus

    _post_join(client, csrf_token)
    code = code_sent_to(PHONE)
    sent = messages_to(PHONE)[-1]
    sent.status = MessageStatus.SENT
    db.session.commit()
    assert _confirm(client, csrf_token, code).status_code == 303
    body = db.session.scalar(select(Message.body).where(Message.id == sent.id))
    assert code not in body and body == joining.SPENT_CODE_BODY
