"""Where to meet: coordinates from what a coordinator types or pastes, and directions links.

No geocoding service: a coordinator types "37.2664, 127.0002" or pastes a link from a map
app, and we read the coordinates in it. Volunteers get directions in the map apps Korean
phones use (Kakao Map, Naver Map; Google Maps gives no directions in Korea), and the plain
coordinates for anything else.
"""

import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from flask_babel import gettext, lazy_gettext

from coordinator.errors import ValidationError
from coordinator.models import Mission

MAX_INPUT = 2000
NUMBER = r"[-+]?\d{1,3}(?:\.\d{1,15})?"
PAIR = re.compile(rf"^\s*\(?\s*({NUMBER})\s*[, ]\s*({NUMBER})\s*\)?\s*$")
# Kakao Map share links: /link/map/<name>,<lat>,<lng> and /link/to/<name>,<lat>,<lng>.
KAKAO_LINK = re.compile(rf"/link/(?:map|to|roadview)/(?:[^/]*,)?({NUMBER}),({NUMBER})/?$")
# Google-style "@37.26,127.00,17z" in a path.
AT_PAIR = re.compile(rf"@({NUMBER}),({NUMBER})")
EARTH_RADIUS = 6378137.0  # Web Mercator (EPSG:3857), as Naver's "c=x,y" uses


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float

    def __str__(self) -> str:
        return f"{self.lat:.6f}, {self.lng:.6f}"


def _checked(lat: float, lng: float, field: str) -> Point:
    if not (-90 <= lat <= 90 and -180 <= lng <= 180) or (lat, lng) == (0, 0):
        raise ValidationError(
            gettext(
                "%(lat)s, %(lng)s is not a place on Earth: give latitude then longitude, "
                "for example 37.2664, 127.0002.",
                lat=lat,
                lng=lng,
            ),
            field=field,
        )
    return Point(round(lat, 6), round(lng, 6))


def _from_mercator(x: float, y: float) -> tuple[float, float]:
    lng = math.degrees(x / EARTH_RADIUS)
    lat = math.degrees(math.atan(math.sinh(y / EARTH_RADIUS)))
    return lat, lng


def _from_link(text: str) -> tuple[float, float] | None:
    parts = urlsplit(text)
    path = unquote(parts.path)
    query = parse_qs(parts.query)
    found = KAKAO_LINK.search(path) or AT_PAIR.search(path)
    if found:
        return float(found.group(1)), float(found.group(2))
    for lat_key, lng_key in (("lat", "lng"), ("dlat", "dlng"), ("y", "x")):
        if lat_key in query and lng_key in query:
            return float(query[lat_key][0]), float(query[lng_key][0])
    for key in ("q", "query", "ll", "destination"):
        if key in query and (pair := PAIR.match(query[key][0])):
            return float(pair.group(1)), float(pair.group(2))
    if "c" in query:  # Naver Map web: c=<x>,<y>,<zoom>,… in Web Mercator metres
        values = query["c"][0].split(",")
        try:
            x, y = float(values[0]), float(values[1])
        except (IndexError, ValueError):
            return None
        if abs(x) > 180 or abs(y) > 90:
            return _from_mercator(x, y)
    return None


def parse_point(text: str | None, *, field: str) -> Point | None:
    """Coordinates typed ("37.2664, 127.0002") or read from a pasted map link; "" clears."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > MAX_INPUT:
        raise ValidationError(
            gettext("That text is too long to be coordinates or a map link."), field=field
        )
    pair = PAIR.match(text)
    if pair:
        return _checked(float(pair.group(1)), float(pair.group(2)), field)
    if text.startswith(("http://", "https://", "nmap://", "kakaomap://", "geo:")):
        if text.startswith("geo:"):
            pair = PAIR.match(text[4:].split(";")[0].split("?")[0])
            found = (float(pair.group(1)), float(pair.group(2))) if pair else None
        else:
            found = _from_link(text)
        if found:
            return _checked(found[0], found[1], field)
        raise ValidationError(
            gettext(
                "This map link has no coordinates in it. In Kakao Map or Naver Map, share "
                "the place's location, or type the coordinates (37.2664, 127.0002)."
            ),
            field=field,
        )
    raise ValidationError(
        gettext("Type coordinates as latitude, longitude (37.2664, 127.0002) or paste a map link."),
        field=field,
    )


def set_place(
    mission: Mission, *, meeting: str | None, address: str | None, parking_notes: str
) -> Mission:
    """Set the meeting point's and the address's coordinates and the parking notes."""
    if len(parking_notes) > 1000:
        raise ValidationError(
            gettext("Parking notes are too long: at most 1000 characters."), field="parking_notes"
        )
    meet = parse_point(meeting, field="meeting")
    site = parse_point(address, field="address")
    mission.meeting_lat, mission.meeting_lng = (meet.lat, meet.lng) if meet else (None, None)
    mission.address_lat, mission.address_lng = (site.lat, site.lng) if site else (None, None)
    mission.parking_notes = parking_notes.strip()
    return mission


def meeting_point(mission: Mission) -> Point | None:
    if mission.meeting_lat is None or mission.meeting_lng is None:
        return None
    return Point(mission.meeting_lat, mission.meeting_lng)


def site(mission: Mission) -> Point | None:
    if mission.address_lat is None or mission.address_lng is None:
        return None
    return Point(mission.address_lat, mission.address_lng)


@dataclass(frozen=True)
class MapLink:
    app: object  # the app's name in the reader's language
    url: str


def links_to(point: Point, name: str, *, app_url: str) -> list[MapLink]:
    """Directions to `point` in Kakao Map and Naver Map, and any map app (geo:). No API key."""
    label = name.replace(",", " ").strip() or "destination"
    naver = urlencode({"dlat": point.lat, "dlng": point.lng, "dname": label, "appname": app_url})
    return [
        MapLink(
            lazy_gettext("Kakao Map"),
            f"https://map.kakao.com/link/to/{quote(label)},{point.lat},{point.lng}",
        ),
        MapLink(lazy_gettext("Naver Map"), f"nmap://route/public?{naver}"),
        MapLink(
            lazy_gettext("Other map app"),
            f"geo:{point.lat},{point.lng}?q={point.lat},{point.lng}({quote(label)})",
        ),
    ]
