from decimal import Decimal

import pytest

from coordinator.sms.segments import SegmentInfo, count_segments, estimate_cost

GSM, UCS2 = "GSM-7", "UCS-2"

# (body, encoding, segments, units, per-segment limit that applied)
BODIES = [
    pytest.param("", GSM, 0, 0, 160, id="empty body is zero segments"),
    pytest.param("a", GSM, 1, 1, 160, id="one letter"),
    pytest.param("a" * 160, GSM, 1, 160, 160, id="160 GSM fits one"),
    pytest.param("a" * 161, GSM, 2, 161, 153, id="161 GSM needs two of 153"),
    pytest.param("a" * 306, GSM, 2, 306, 153, id="306 GSM fills two parts"),
    pytest.param("a" * 307, GSM, 3, 307, 153, id="307 GSM spills into a third"),
    pytest.param("a" * 459, GSM, 3, 459, 153, id="459 GSM fills three parts"),
    pytest.param("a" * 460, GSM, 4, 460, 153, id="460 GSM spills into a fourth"),
    pytest.param("é£¥ÄÖÑÜ§¿¡ΔΩ@\n\r", GSM, 1, 15, 160, id="accents and greek are GSM"),
    pytest.param("^{}\\[~]|€", GSM, 1, 18, 160, id="extension chars count two"),
    pytest.param("€" * 80, GSM, 1, 160, 160, id="80 euros fill one"),
    pytest.param("€" * 81, GSM, 2, 162, 153, id="81 euros need two"),
    pytest.param("a" * 159 + "[", GSM, 2, 161, 153, id="an extension char tips 160"),
    pytest.param("a" * 152 + "{" + "a" * 152, GSM, 3, 306, 153, id="escape pair is not split"),
    pytest.param("가", UCS2, 1, 1, 70, id="one korean syllable forces UCS-2"),
    pytest.param("a" * 159 + "가", UCS2, 3, 160, 67, id="one korean syllable in 160"),
    pytest.param("가" * 70, UCS2, 1, 70, 70, id="70 korean fits one"),
    pytest.param("가" * 71, UCS2, 2, 71, 67, id="71 korean needs two of 67"),
    pytest.param("가" * 134, UCS2, 2, 134, 67, id="134 korean fills two parts"),
    pytest.param("가" * 135, UCS2, 3, 135, 67, id="135 korean spills into a third"),
    pytest.param("가" * 201, UCS2, 3, 201, 67, id="201 korean fills three parts"),
    pytest.param("😀", UCS2, 1, 2, 70, id="an emoji is two units"),
    pytest.param("😀" * 35, UCS2, 1, 70, 70, id="35 emoji fill one"),
    pytest.param("😀" * 36, UCS2, 2, 72, 67, id="36 emoji need two"),
    pytest.param("가" * 66 + "😀" + "가" * 66, UCS2, 3, 134, 67, id="surrogate pair is not split"),
    pytest.param("It’s on", UCS2, 1, 7, 70, id="a curly quote forces UCS-2"),
    pytest.param("\t", UCS2, 1, 1, 70, id="a tab is not GSM"),
]


@pytest.mark.parametrize(("body", "encoding", "segments", "units", "per_segment"), BODIES)
def test_a_body_is_counted_the_way_twilio_bills_it(
    body: str, encoding: str, segments: int, units: int, per_segment: int
) -> None:
    assert count_segments(body) == SegmentInfo(encoding, segments, units, per_segment)


@pytest.mark.parametrize(
    ("segments", "price", "cost"),
    [
        (0, Decimal("0.0583"), Decimal("0")),
        (1, Decimal("0.0583"), Decimal("0.0583")),
        (3, Decimal("0.0583"), Decimal("0.1749")),
        (10, Decimal("0.05"), Decimal("0.50")),
    ],
)
def test_the_cost_is_the_segments_times_the_price(
    segments: int, price: Decimal, cost: Decimal
) -> None:
    assert estimate_cost(segments, price) == cost


def test_the_cost_keeps_decimal_precision() -> None:
    assert isinstance(estimate_cost(3, Decimal("0.0583")), Decimal)


def test_a_negative_segment_count_is_refused() -> None:
    with pytest.raises(ValueError):
        estimate_cost(-1, Decimal("0.05"))
