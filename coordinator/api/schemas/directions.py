"""Where to meet: coordinates of the meeting point and the site, and parking notes."""

from pydantic import Field

from coordinator.api.schemas.common import ApiModel, example, text


class PlaceIn(ApiModel):
    """Each place as coordinates ("37.2664, 127.0002") or a map link; "" or null clears it."""

    model_config = example(
        meeting="37.26634, 127.00072",
        address="https://map.kakao.com/link/map/농장,37.1,126.9",
        parking_notes="승합차는 정문 앞",
    )
    meeting: text(2000) | None = Field(None, description="coordinates or a map link")
    address: text(2000) | None = Field(None, description="the site; coordinates or a map link")
    parking_notes: text(1000) = ""


class PlaceOut(ApiModel):
    mission_id: int
    meeting_lat: float | None
    meeting_lng: float | None
    address_lat: float | None
    address_lng: float | None
    parking_notes: str
