import pytest

from coordinator.errors import ValidationError
from coordinator.phones import display_phone, mask_phone, normalise_phone


@pytest.mark.parametrize(
    "typed",
    [
        "010-1234-5678",
        "01012345678",
        "+82 10 1234 5678",
        "+82-10-1234-5678",
        " 010 1234 5678 ",
        "0082 10 1234 5678",
        "(010) 1234-5678",
    ],
)
def test_korean_mobile_numbers_typed_any_usual_way_become_e164(typed):
    assert normalise_phone(typed) == "+821012345678"


def test_foreign_numbers_keep_their_country():
    assert normalise_phone("+1 415 555 2671") == "+14155552671"
    assert normalise_phone("+44 7911 123456") == "+447911123456"


@pytest.mark.parametrize("typed", ["", "   ", "hello", "010-1234", "12345", "+82 10 1", "0" * 50])
def test_invalid_numbers_are_refused_with_the_value_named(typed):
    with pytest.raises(ValidationError) as error:
        normalise_phone(typed)
    assert error.value.field == "phone"
    if typed.strip():
        assert typed.strip()[:10] in error.value.message


def test_numbers_are_shown_the_way_people_write_them_and_masked_for_team_leads():
    assert display_phone("+821012345678") == "010-1234-5678"
    assert mask_phone("+821012345678") == "010-****-5678"


@pytest.mark.parametrize("typed", ["010 1234 567", "010-123-4567", "+82 10 1234 567"])
def test_a_korean_mobile_number_with_a_digit_missing_asks_about_the_missing_digit(app, typed):
    with pytest.raises(ValidationError) as refused:
        normalise_phone(typed)
    assert "Did you miss a digit?" in str(refused.value.message)


def test_the_missing_digit_question_is_asked_in_korean_on_a_korean_page(app):
    with app.test_request_context(headers={"Accept-Language": "ko"}):
        with pytest.raises(ValidationError) as refused:
            normalise_phone("010 1234 567")
    assert "한 자리를 빠뜨리셨나요?" in str(refused.value.message)
