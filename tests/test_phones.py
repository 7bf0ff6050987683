import pytest

from coordinator.errors import ValidationError
from coordinator.phones import display_phone, mask_phone, normalise_phone


@pytest.mark.parametrize(
    "typed",
    ["010-1234-5678", "01012345678", "+82 10 1234 5678", "+82-10-1234-5678", " 010 1234 5678 ",
     "0082 10 1234 5678", "(010) 1234-5678"],
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
