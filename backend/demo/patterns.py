"""When and where things happen in the demo city: hourly and weekly rhythms, the places reports cluster at,
and who the citizens are (their languages and phones)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Hours 0..23, local time: relative weights of when things happen.
DAYTIME = (1, 0.5, 0.3, 0.2, 0.2, 0.4, 1, 3, 5, 5, 5, 6, 7, 6, 6, 6, 7, 8, 7, 5, 3, 2, 1.5, 1)
NIGHTLIFE = (9, 8, 6, 3, 1, 0.3, 0.2, 0.2, 0.3, 0.3, 0.5, 0.8, 1, 1, 1, 1, 1.5, 2, 3, 4, 5, 7, 9, 10)
EVENING = (3, 2, 1.5, 1, 0.5, 0.5, 1, 2, 2, 1.5, 1.5, 2, 2, 2, 2, 2.5, 3, 4, 6, 8, 9, 8, 6, 4)
RESIDENTIAL = (1.5, 1, 1, 0.7, 0.5, 0.5, 1, 2, 3, 3.5, 4, 4, 4, 4, 4, 4, 4.5, 5, 5, 4.5, 4, 3, 2.5, 2)
# People feel unsafe after dark far more than they report incidents after dark.
INSECURE_HOURS = (6, 5, 4, 2, 1, 0.8, 1, 1.5, 1.5, 1, 1, 1, 1, 1, 1, 1.5, 2, 3, 5, 7, 9, 10, 9, 8)
# Monday..Sunday. Ghent's students go out Tuesday to Thursday and home at the weekend.
WEEK = (0.9, 0.95, 1.0, 1.05, 1.2, 1.15, 0.85)
STUDENT_WEEK = (0.6, 1.1, 1.4, 1.9, 1.2, 0.9, 0.5)
MARKET_WEEK = (0.8, 0.8, 0.9, 0.9, 1.6, 1.4, 1.1)
WEEKS = (WEEK, STUDENT_WEEK, MARKET_WEEK)


@dataclass(frozen=True)
class Place:
    """Where reports cluster: a centre, a (possibly elongated) gaussian spread and what happens there."""

    name: str
    lng: float
    lat: float
    sigma_along_m: float
    sigma_across_m: float
    angle_deg: float
    incident_share: float
    insecurity_share: float
    incidents: dict[str, float]
    factors: dict[str, float]
    hours: Sequence[float]
    week: Sequence[float] = WEEK


STATION_INCIDENTS = {
    "property.bicycle_theft": 30,
    "property.pickpocketing": 20,
    "harassment.street": 10,
    "property.theft_from_vehicle": 5,
    "property.vandalism": 6,
    "violence.robbery": 5,
    "violence.assault": 4,
    "antisocial.drug_dealing": 5,
    "antisocial.drunkenness": 4,
    "harassment.sexual": 3,
    "harassment.hate": 2,
    "harassment.stalking": 2,
    "violence.weapon": 1,
}
STATION_FACTORS = {
    "insecurity.groups_loitering": 25,
    "insecurity.deserted_place": 15,
    "insecurity.poor_lighting": 10,
    "insecurity.no_transport": 10,
    "insecurity.general": 20,
    "insecurity.poor_visibility": 10,
    "insecurity.neglected_place": 10,
}
SQUARE_INCIDENTS = {
    "property.pickpocketing": 30,
    "property.bicycle_theft": 15,
    "antisocial.drunkenness": 12,
    "antisocial.noise": 10,
    "harassment.street": 8,
    "property.vandalism": 5,
    "antisocial.littering": 8,
    "violence.assault": 4,
    "violence.robbery": 3,
    "harassment.hate": 2,
}
SQUARE_FACTORS = {
    "insecurity.general": 35,
    "insecurity.groups_loitering": 30,
    "insecurity.neglected_place": 15,
    "insecurity.poor_lighting": 10,
}
PARK_INCIDENTS = {
    "antisocial.drug_dealing": 25,
    "property.vandalism": 12,
    "antisocial.littering": 15,
    "harassment.street": 10,
    "violence.robbery": 6,
    "violence.assault": 5,
    "antisocial.noise": 6,
    "antisocial.drunkenness": 8,
    "harassment.stalking": 3,
    "harassment.sexual": 3,
    "violence.sexual": 1,
}
PARK_FACTORS = {
    "insecurity.poor_lighting": 30,
    "insecurity.deserted_place": 20,
    "insecurity.poor_visibility": 25,
    "insecurity.general": 15,
    "insecurity.groups_loitering": 10,
}

PLACES: tuple[Place, ...] = (
    Place(
        "Gent-Sint-Pieters station",
        3.7108,
        51.0359,
        280,
        200,
        10,
        0.13,
        0.14,
        STATION_INCIDENTS,
        STATION_FACTORS,
        DAYTIME,
    ),
    Place(
        "Overpoort nightlife street",
        3.7278,
        51.0412,
        220,
        60,
        75,
        0.15,
        0.10,
        {
            "antisocial.drunkenness": 22,
            "antisocial.noise": 18,
            "violence.assault": 12,
            "harassment.street": 10,
            "harassment.sexual": 6,
            "property.vandalism": 8,
            "property.bicycle_theft": 8,
            "property.pickpocketing": 5,
            "antisocial.drug_dealing": 5,
            "violence.robbery": 3,
            "violence.weapon": 1,
            "violence.sexual": 1,
            "harassment.hate": 2,
        },
        {
            "insecurity.groups_loitering": 30,
            "insecurity.general": 30,
            "insecurity.neglected_place": 15,
            "insecurity.poor_lighting": 10,
            "insecurity.no_transport": 10,
        },
        NIGHTLIFE,
        STUDENT_WEEK,
    ),
    Place("Citadelpark", 3.7222, 51.0375, 230, 160, 30, 0.06, 0.16, PARK_INCIDENTS, PARK_FACTORS, EVENING),
    Place(
        "Vrijdagmarkt",
        3.7265,
        51.0570,
        110,
        90,
        0,
        0.08,
        0.05,
        SQUARE_INCIDENTS,
        SQUARE_FACTORS,
        DAYTIME,
        MARKET_WEEK,
    ),
    Place("Korenmarkt", 3.7215, 51.0545, 160, 110, 20, 0.10, 0.04, SQUARE_INCIDENTS, SQUARE_FACTORS, DAYTIME),
    Place(
        "Gent-Dampoort station",
        3.7405,
        51.0562,
        200,
        150,
        0,
        0.05,
        0.08,
        STATION_INCIDENTS,
        STATION_FACTORS,
        DAYTIME,
    ),
    Place(
        "Blaarmeersen park", 3.6840, 51.0470, 450, 300, 80, 0.00, 0.06, PARK_INCIDENTS, PARK_FACTORS, EVENING
    ),
)
RESIDENTIAL_INCIDENTS = {
    "property.burglary": 18,
    "property.bicycle_theft": 16,
    "property.vehicle_theft": 7,
    "property.theft_from_vehicle": 12,
    "property.vandalism": 12,
    "antisocial.noise": 10,
    "antisocial.littering": 10,
    "violence.domestic": 3,
    "violence.assault": 3,
    "violence.robbery": 2,
    "harassment.street": 3,
    "harassment.hate": 2,
    "harassment.stalking": 2,
    "antisocial.drug_dealing": 3,
    "violence.sexual": 1,
}
RESIDENTIAL_FACTORS = {
    "insecurity.poor_lighting": 25,
    "insecurity.deserted_place": 20,
    "insecurity.no_transport": 15,
    "insecurity.poor_visibility": 10,
    "insecurity.neglected_place": 15,
    "insecurity.general": 15,
}
# The rest of the reports spread over the neighbourhoods, around each district's seed point.
RESIDENTIAL_SIGMA_M = 900
RESIDENTIAL_WEIGHTS = (5, 3, 1.5, 2, 3, 1.5, 2, 2)  # in the order of DISTRICT_SEEDS
INSECURITY_SHARE = 0.4

LOCALES = (("nl-BE", 55), ("fr-BE", 12), ("en", 15), ("de", 5), ("es", 7), ("it", 6))
PLATFORMS = (("android", 55), ("ios", 40), ("web", 5))
