"""``manage.py seed_demo``: a believable demo city (Ghent, Belgium) to click through and benchmark.

It is idempotent: every step looks for what an earlier run made and leaves it alone, so ``make run``
can call it on every start. The synthetic reports use ``random.Random(42)``: this is demo data, not
privacy code, and a fixed seed makes two fresh databases look the same.
"""

from __future__ import annotations

import math
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Point, Polygon
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from api.models import ApiKey, StaffToken
from api.services import staff_account_create, staff_token_issue
from maps.services import releases_publish_closed
from referrals.models import Jurisdiction, Partner
from reports.credentials import credential_digest, credential_new
from reports.models import Category, Device, District, Report, ServiceArea
from reports.taxonomy import taxonomy_sync
from workflows.submit import reports_screen_in_bulk

AREA_NAME = "Ghent (demo)"
AREA_CENTER = (3.7215, 51.0545)  # Korenmarkt, the historic centre
DEMO_PASSWORD = "lantern-demo"  # noqa: S105 - a published demo password, refused in production
DEMO_ROLES = ("moderator", "analyst", "partner", "admin")
# Demo accounts carry this e-mail domain, so a real account that happens to be called "admin" is never
# given the published password or token.
DEMO_EMAIL_DOMAIN = "demo.lantern.invalid"
DEMO_API_KEY_NAME = "City of Ghent (demo)"
DEMO_API_KEY = "demo-authority-key"
POLICE_NORTH, POLICE_SOUTH, MUNICIPALITY = "Ghent Police North", "Ghent Police South", "City of Ghent"
# Demo partners point at the discard port, which nothing answers locally: their referrals retry, as real ones
# would while a partner is down. The shared secret is published, like the demo passwords.
DEMO_PARTNER_SECRET = "lantern-demo-partner-secret"  # noqa: S105 - a published demo secret
DEMO_PARTNERS: tuple[dict[str, Any], ...] = (
    {"name": "Ghent Police North (demo)", "kind": "police", "channel": "webhook",
     "endpoint": "http://127.0.0.1:9/referrals/police-north", "jurisdictions": (POLICE_NORTH,)},
    {"name": "Ghent Police South (demo)", "kind": "police", "channel": "webhook",
     "endpoint": "http://127.0.0.1:9/referrals/police-south", "jurisdictions": (POLICE_SOUTH,)},
    {"name": "Victim Support Ghent (demo)", "kind": "victim_support", "channel": "email",
     "endpoint": f"victim-support@{DEMO_EMAIL_DOMAIN}", "jurisdictions": (MUNICIPALITY,),
     "languages": ["nl", "fr", "en"]},
    {"name": "City of Ghent street services (demo)", "kind": "municipal_service", "channel": "open311",
     "endpoint": "http://127.0.0.1:9/open311/v2/", "jurisdictions": (MUNICIPALITY,),
     "categories": ("insecurity.poor_lighting", "insecurity.neglected_place", "antisocial.littering",
                    "property.vandalism")},
)
DAYS = 90
BATCH = 1000
LOCAL_TZ = ZoneInfo("Europe/Brussels")
# Taken before anything else, so two `make run`s started together cannot both seed the city.
ADVISORY_LOCK = 0x1A47E54D

# Real Ghent neighbourhoods; their Voronoi cells, clipped to the area, become the districts.
DISTRICT_SEEDS: tuple[tuple[str, float, float], ...] = (
    ("Binnenstad", 3.7245, 51.0545),
    ("Sint-Amandsberg", 3.7560, 51.0620),
    ("Oostakker", 3.7620, 51.0790),
    ("Gentbrugge", 3.7680, 51.0400),
    ("Sint-Pieters-Aalst", 3.7150, 51.0330),
    ("Sint-Denijs-Westrem", 3.6750, 51.0250),
    ("Mariakerke", 3.6800, 51.0700),
    ("Wondelgem", 3.7230, 51.0800),
)
# Roughly the Leie and the Schelde across the city: north of it is one police area, south the other.
POLICE_SPLIT = (
    (3.55, 51.045),
    (3.66, 51.049),
    (3.70, 51.051),
    (3.725, 51.052),
    (3.75, 51.049),
    (3.90, 51.046),
)

METRES_PER_DEGREE_LAT = 111_320.0
METRES_PER_DEGREE_LNG = METRES_PER_DEGREE_LAT * math.cos(math.radians(51.05))

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

# Short texts such as citizens write. No names, phone numbers, addresses or descriptions of people:
# demo data must not teach anyone what a report may contain. Sensitive categories get no text at all.
TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "property.bicycle_theft": {
        "en": (
            "My bike was stolen even though it was locked to the rack.",
            "Lock cut, bike gone when I came back.",
        ),
        "nl": (
            "Mijn fiets is gestolen, hij stond op slot aan het fietsenrek.",
            "Slot doorgeknipt, fiets weg.",
        ),
        "fr": (
            "On m'a volé mon vélo alors qu'il était attaché.",
            "Cadenas coupé, vélo disparu à mon retour.",
        ),
    },
    "property.burglary": {
        "en": ("Someone broke in while we were away, the back door was forced.",),
        "nl": ("Er is ingebroken terwijl we weg waren, de achterdeur werd geforceerd.",),
        "fr": ("Cambriolage pendant notre absence, la porte arrière a été forcée.",),
    },
    "property.vehicle_theft": {
        "en": ("Car stolen overnight from the street.",),
        "nl": ("Auto 's nachts gestolen op straat.",),
        "fr": ("Voiture volée pendant la nuit dans la rue.",),
    },
    "property.theft_from_vehicle": {
        "en": ("Car window smashed and a bag taken from the back seat.",),
        "nl": ("Autoruit ingeslagen, tas van de achterbank weg.",),
        "fr": ("Vitre cassée, sac volé sur la banquette arrière.",),
    },
    "property.pickpocketing": {
        "en": ("Wallet taken from my bag in the crowd.", "Phone stolen from my pocket at the tram stop."),
        "nl": (
            "Portefeuille uit mijn tas gerold in de drukte.",
            "Gsm uit mijn zak gestolen aan de tramhalte.",
        ),
        "fr": (
            "Portefeuille volé dans mon sac dans la foule.",
            "Téléphone volé dans ma poche à l'arrêt de tram.",
        ),
    },
    "property.vandalism": {
        "en": ("Bus shelter glass smashed again.", "Parked scooters thrown into the canal."),
        "nl": ("Glas van het bushokje weer kapotgeslagen.", "Deelsteps in het water gegooid."),
        "fr": ("Vitre de l'abribus encore brisée.", "Trottinettes jetées dans le canal."),
    },
    "violence.assault": {
        "en": ("Punched by a stranger after an argument outside a bar.",),
        "nl": ("Geslagen door een onbekende na een discussie aan een café.",),
        "fr": ("Frappé par un inconnu après une dispute devant un bar.",),
    },
    "violence.robbery": {
        "en": ("Two people threatened me and took my phone.",),
        "nl": ("Twee personen bedreigden me en namen mijn gsm af.",),
        "fr": ("Deux personnes m'ont menacé et ont pris mon téléphone.",),
    },
    "violence.weapon": {
        "en": ("Someone was waving a knife at passers-by.",),
        "nl": ("Iemand zwaaide met een mes naar voorbijgangers.",),
        "fr": ("Quelqu'un menaçait les passants avec un couteau.",),
    },
    "harassment.street": {
        "en": ("Followed and catcalled on my way home.", "Insults shouted at me from a passing car."),
        "nl": (
            "Nageroepen en nagefloten op weg naar huis.",
            "Uitgescholden vanuit een voorbijrijdende auto.",
        ),
        "fr": ("Interpellée et sifflée en rentrant chez moi.", "Insultes criées depuis une voiture."),
    },
    "harassment.hate": {
        "en": ("Insulted because of my religion while waiting for the bus.",),
        "nl": ("Uitgescholden omwille van mijn geloof aan de bushalte.",),
        "fr": ("Insulté à cause de ma religion à l'arrêt de bus.",),
    },
    "harassment.stalking": {
        "en": ("The same person has followed me from the tram several evenings.",),
        "nl": ("Dezelfde persoon volgt me al een paar avonden vanaf de tram.",),
        "fr": ("La même personne me suit depuis le tram plusieurs soirs.",),
    },
    "antisocial.drug_dealing": {
        "en": ("Dealing going on every evening on the benches.",),
        "nl": ("Elke avond wordt er gedeald op de bankjes.",),
        "fr": ("Deal tous les soirs sur les bancs.",),
    },
    "antisocial.noise": {
        "en": ("Loud music and shouting until four in the morning.",),
        "nl": ("Luide muziek en geroep tot vier uur 's nachts.",),
        "fr": ("Musique forte et cris jusqu'à quatre heures du matin.",),
    },
    "antisocial.drunkenness": {
        "en": ("Very drunk people blocking the street and breaking bottles.",),
        "nl": ("Zwaar dronken mensen die de straat blokkeren en flessen kapotgooien.",),
        "fr": ("Des personnes très ivres bloquent la rue et cassent des bouteilles.",),
    },
    "antisocial.littering": {
        "en": ("Bags of rubbish dumped next to the bottle banks.",),
        "nl": ("Vuilniszakken gedumpt naast de glasbollen.",),
        "fr": ("Sacs poubelles abandonnés à côté des bulles à verre.",),
    },
    "insecurity.general": {
        "en": ("I just don't feel safe walking here at night.",),
        "nl": ("Ik voel me hier 's avonds gewoon niet veilig.",),
        "fr": ("Je ne me sens pas en sécurité ici le soir.",),
    },
    "insecurity.poor_lighting": {
        "en": ("Half the street lights are out along this path.",),
        "nl": ("De helft van de straatlampen langs dit pad doet het niet.",),
        "fr": ("La moitié des lampadaires sont éteints sur ce chemin.",),
    },
    "insecurity.deserted_place": {
        "en": ("Nobody around after nine, I walk faster here.",),
        "nl": ("Na negen uur is hier niemand meer, ik stap sneller door.",),
        "fr": ("Personne après neuf heures, je presse le pas ici.",),
    },
    "insecurity.groups_loitering": {
        "en": ("A group hangs around the entrance and comments on everyone passing.",),
        "nl": ("Een groep hangt rond aan de ingang en roept naar iedereen die passeert.",),
        "fr": ("Un groupe traîne à l'entrée et interpelle tous les passants.",),
    },
    "insecurity.poor_visibility": {
        "en": ("Overgrown bushes along the path, you can't see who is there.",),
        "nl": ("Overwoekerde struiken langs het pad, je ziet niet wie er staat.",),
        "fr": ("Buissons envahissants le long du chemin, on ne voit pas qui est là.",),
    },
    "insecurity.no_transport": {
        "en": ("Last bus leaves at eleven, then it is a long walk through empty streets.",),
        "nl": ("De laatste bus rijdt om elf uur, daarna is het een lange wandeling door lege straten.",),
        "fr": ("Dernier bus à onze heures, ensuite une longue marche dans des rues vides.",),
    },
    "insecurity.neglected_place": {
        "en": ("Broken glass, graffiti and burnt bins, the place feels abandoned.",),
        "nl": ("Glasscherven, graffiti en uitgebrande vuilbakken, het voelt verlaten aan.",),
        "fr": ("Verre cassé, tags et poubelles brûlées, l'endroit semble abandonné.",),
    },
}
GROUP_TEXTS: dict[str, dict[str, tuple[str, ...]]] = {
    "property": {
        "de": ("Mir wurde hier etwas gestohlen, ich war nur kurz abgelenkt.",),
        "es": ("Me robaron aquí mientras estaba distraído.",),
        "it": ("Mi hanno derubato qui mentre ero distratto.",),
    },
    "violence": {
        "de": ("Ich wurde hier angegriffen.",),
        "es": ("Me agredieron aquí.",),
        "it": ("Sono stato aggredito qui.",),
    },
    "harassment": {
        "de": ("Auf dem Heimweg wurde ich belästigt.",),
        "es": ("Me acosaron de camino a casa.",),
        "it": ("Sono stata molestata mentre tornavo a casa.",),
    },
    "antisocial": {
        "de": ("Jeden Abend Lärm und Müll hier.",),
        "es": ("Ruido y basura aquí todas las noches.",),
        "it": ("Rumore e rifiuti qui ogni sera.",),
    },
    "insecurity": {
        "de": ("Hier fühle ich mich abends unsicher.",),
        "es": ("Aquí me siento insegura por la noche.",),
        "it": ("Qui la sera non mi sento sicura.",),
    },
}


# Written for the demo (not real reports): what the rules engine is there to hold.
HELD_TEXTS: tuple[str, ...] = (
    "The guy who keeps stealing parcels is Kevin Verstraete, he lives at Kortrijksesteenweg 212.",
    "Call his mother on 0475 12 34 56 and tell her what her son does at night.",
    "Silver Golf with plate 1-KXT-482 slows down next to girls walking home, every evening.",
    "We should all go down there tonight and teach these dealers a lesson they won't forget.",
    "Reward of 200 euros for whoever brings me the idiot who scratched my car.",
    "Suspicious Moroccan hanging around the cash machine again.",
    "Un groupe d'Africains louches traîne devant la gare, faites attention.",
    "Wie kennt diesen Mann auf dem Foto? Teilen, damit wir ihn finden!",
    "Si lo vuelvo a ver por aquí, le rompo las piernas.",
    "Ronde di quartiere stasera alle 22: prendiamoli noi, la polizia non fa niente.",
    "Die Marokkaan van de Overpoort is weer aan het dealen, iedereen weet wie het is.",
)


class Command(BaseCommand):
    help = "Fill the database with a demo city (Ghent): area, districts, taxonomy, reports, staff accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reports", type=int, default=4000, help="Synthetic reports to create (4000)")
        parser.add_argument("--devices", type=int, default=300, help="Demo devices to create (300)")
        parser.add_argument("--force", action="store_true", help="Run even when LANTERN_ENV is production")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.LANTERN_ENV == "production" and not options["force"]:
            raise CommandError(
                "Refusing to seed demo data (published passwords and tokens) into a production database; "
                "set LANTERN_ENV=development, or pass --force if you really mean it."
            )
        if options["reports"] < 0 or options["devices"] < 1:
            raise CommandError("--reports must be 0 or more and --devices 1 or more")
        started = time.monotonic()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])
            area = self._service_area()
            if area is None:
                return
            self._districts(area)
            self._jurisdictions(area)
            changed = taxonomy_sync()
            self._say(
                f"Taxonomy: {Category.objects.filter(is_active=True).count()} categories ({changed} changed)"
            )
            self._reports(area, reports=options["reports"], devices=options["devices"])
            self._moderation()
            self._map_releases()
            accounts = self._staff_accounts()
            self._api_key()
            self._partners()
        self._summary(accounts, seconds=time.monotonic() - started)

    # --- places ---------------------------------------------------------------------------------

    def _service_area(self) -> ServiceArea | None:
        area = ServiceArea.objects.filter(name=AREA_NAME).first()
        other = ServiceArea.objects.filter(is_active=True).exclude(name=AREA_NAME).first()
        if other is not None:
            # Only one area may be active; switching a real deployment's area is not a demo's call.
            self.stderr.write(
                f"Service area {other.name!r} is active; the demo city would replace it. Nothing seeded. "
                "Deactivate it in the admin first if you want the demo."
            )
            return None
        if area is None:
            area = ServiceArea.objects.create(
                name=AREA_NAME, boundary=demo_outline(), center=Point(*AREA_CENTER, srid=4326), is_active=True
            )
            self._say(f"Service area: created {AREA_NAME}")
        elif not area.is_active:
            area.is_active = True
            area.save(update_fields=["is_active"])
            self._say(f"Service area: reactivated {AREA_NAME}")
        return area

    def _districts(self, area: ServiceArea) -> None:
        if area.districts.exists():
            return
        for name, boundary in district_boundaries(area.boundary):
            District.objects.create(service_area=area, name=name, slug=slugify(name), boundary=boundary)
        self._say(f"Districts: created {area.districts.count()}")

    def _jurisdictions(self, area: ServiceArea) -> None:
        south = Polygon(
            (*POLICE_SPLIT, (POLICE_SPLIT[-1][0], 50.9), (POLICE_SPLIT[0][0], 50.9), POLICE_SPLIT[0]),
            srid=4326,
        )
        boundaries = {
            POLICE_NORTH: (Jurisdiction.Kind.POLICE_AREA, as_multipolygon(area.boundary.difference(south))),
            POLICE_SOUTH: (Jurisdiction.Kind.POLICE_AREA, as_multipolygon(area.boundary.intersection(south))),
            MUNICIPALITY: (Jurisdiction.Kind.MUNICIPALITY, area.boundary),
        }
        for name, (kind, boundary) in boundaries.items():
            _, created = Jurisdiction.objects.get_or_create(
                name=name, defaults={"kind": kind, "boundary": boundary}
            )
            if created:
                self._say(f"Jurisdiction: created {name}")

    # --- devices and reports --------------------------------------------------------------------

    def _reports(self, area: ServiceArea, *, reports: int, devices: int) -> None:
        if Report.objects.filter(source=Report.Source.DEMO).exists():
            return
        rng = random.Random(42)
        device_rows = Device.objects.bulk_create(
            [
                Device(
                    token_hash=credential_digest(credential_new("ltd")),
                    platform=weighted(rng, PLATFORMS),
                    locale=weighted(rng, LOCALES),
                    time_zone="Europe/Brussels",
                    # Nobody installed these apps: no push token, so no push is ever attempted.
                    push_enabled=False,
                    last_seen_at=timezone.now() - timedelta(hours=rng.uniform(1, 24 * DAYS)),
                )
                for _ in range(devices)
            ]
        )
        self._say(f"Devices: created {len(device_rows)}")
        categories = {category.code: category for category in Category.objects.filter(is_active=True)}
        generator = ReportGenerator(rng=rng, area=area, categories=categories, devices=device_rows)
        done = 0
        while done < reports:
            batch = [generator.report() for _ in range(min(BATCH, reports - done))]
            created_at = [generator.received_at(report.occurred_at) for report in batch]
            Report.objects.bulk_create(batch)
            backdate(batch, created_at)
            done += len(batch)
            self._say(f"Reports: {done}/{reports}")
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE {Report._meta.db_table} AS r SET district_id = d.id
                FROM {District._meta.db_table} AS d
                WHERE r.source = %s AND d.service_area_id = %s AND ST_Contains(d.boundary, r.location)
                """,  # noqa: S608 - table names come from the models, values are parameters
                [Report.Source.DEMO, area.pk],
            )

    def _moderation(self) -> None:
        """Screen the demo reports like real ones, so the moderation queue and statistics have content."""
        pending = list(
            Report.objects.filter(source=Report.Source.DEMO, case__isnull=True).select_related("category")
        )
        if not pending:
            return
        rng = random.Random(7)
        # A few reports of the kinds moderation exists for, so the queue shows what it is for.
        for report in rng.sample(pending, k=min(len(pending), len(HELD_TEXTS) * 3)):
            if not report.category.sensitive:
                report.description = rng.choice(HELD_TEXTS)
        Report.objects.bulk_update(pending, ["description"], batch_size=BATCH)
        for start in range(0, len(pending), BATCH):
            reports_screen_in_bulk(reports=pending[start:start + BATCH])
            self._say(f"Moderation: screened {min(start + BATCH, len(pending))}/{len(pending)}")

    def _map_releases(self) -> None:
        """Publish the insecurity maps of the demo's whole months, so the analysts' map has content.
        A month is published once; later runs leave it alone."""
        oldest = (timezone.now() - timedelta(days=DAYS)).astimezone(LOCAL_TZ).date()
        first = oldest if oldest.day == 1 else (oldest.replace(day=28) + timedelta(days=4)).replace(day=1)
        for release in releases_publish_closed(first=first, published_by="seed_demo"):
            self._say(f"Map release: published {release.layer} {release.month:%Y-%m} (ε={release.epsilon})")

    # --- people ---------------------------------------------------------------------------------

    def _staff_accounts(self) -> list[tuple[str, str, str, str]]:
        user_model = get_user_model()
        rows = []
        for role in DEMO_ROLES:
            email = f"{role}@{DEMO_EMAIL_DOMAIN}"
            user = user_model.objects.filter(username=role).first()
            if user is not None and user.email != email:
                self.stderr.write(f"Account {role!r} exists and is not a demo account: left as it is.")
                rows.append((role, "(unchanged)", role, "(none)"))
                continue
            if user is None or not user.groups.filter(name=role).exists():
                user, random_token = staff_account_create(
                    username=role, role=role, password=DEMO_PASSWORD, email=email
                )
                # The service always issues a token; the demo account has its fixed one instead, and an
                # unused credential nobody has seen is only something that could leak.
                StaffToken.objects.filter(key_hash=credential_digest(random_token)).delete()
                self._say(f"Account: created {role}")
            token = staff_token_issue(user=user, token=f"demo-{role}-token")
            rows.append((role, DEMO_PASSWORD, role, token))
        return rows

    def _api_key(self) -> None:
        api_key, created = ApiKey.objects.get_or_create(
            name=DEMO_API_KEY_NAME,
            defaults={"key_hash": credential_digest(DEMO_API_KEY), "prefix": DEMO_API_KEY[:10]},
        )
        if created:
            api_key.jurisdictions.set(Jurisdiction.objects.filter(name=MUNICIPALITY))
            self._say(f"API key: created {DEMO_API_KEY_NAME}")

    def _partners(self) -> None:
        """A police partner per police area, a victim-support service and an Open311 municipal service.
        Demo reports are bulk-created, never through report_submit, so none of them is referred."""
        for spec in DEMO_PARTNERS:
            partner, created = Partner.objects.get_or_create(
                name=spec["name"],
                defaults={
                    "kind": spec["kind"], "channel": spec["channel"], "endpoint": spec["endpoint"],
                    "signing_secret": DEMO_PARTNER_SECRET, "languages": spec.get("languages", []),
                    "open311_api_key": DEMO_API_KEY if spec["channel"] == "open311" else "",
                },
            )
            if created:
                partner.jurisdictions.set(Jurisdiction.objects.filter(name__in=spec["jurisdictions"]))
                partner.categories.set(Category.objects.filter(code__in=spec.get("categories", ())))
                self._say(f"Partner: created {partner.name}")

    # --- output ---------------------------------------------------------------------------------

    def _say(self, message: str) -> None:
        self.stdout.write(f"  {message}")

    def _summary(self, accounts: list[tuple[str, str, str, str]], *, seconds: float) -> None:
        base = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
        header = ("username", "password", "role", "API token")
        rows = [header, *accounts]
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        lines = [
            "",
            f"Demo city {AREA_NAME} ready in {seconds:.1f} s. Demo accounts (staff: Authorization: Token …):",
        ]
        lines += [
            "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            for row in rows
        ]
        lines += [
            f"  Authority API key ({DEMO_API_KEY_NAME}): Authorization: Api-Key {DEMO_API_KEY}",
            f"  Demo partners' signing secret (referral status updates): {DEMO_PARTNER_SECRET}",
            f"  API docs: {base}/api/docs/",
            f"  Admin:    {base}/admin/",
        ]
        self.stdout.write("\n".join(lines))


# --- geometry -------------------------------------------------------------------------------------


def to_lnglat(east_m: float, north_m: float, *, origin: tuple[float, float]) -> tuple[float, float]:
    return origin[0] + east_m / METRES_PER_DEGREE_LNG, origin[1] + north_m / METRES_PER_DEGREE_LAT


def demo_outline() -> MultiPolygon:
    """About 12 km by 9 km around Ghent: an ellipse whose radius wobbles, so it looks like a real border."""
    points = []
    for step in range(72):
        theta = 2 * math.pi * step / 72
        wobble = (
            1
            + 0.06 * math.sin(3 * theta + 0.7)
            + 0.04 * math.cos(5 * theta + 1.3)
            + 0.025 * math.sin(8 * theta)
        )
        lng, lat = to_lnglat(
            6000 * wobble * math.cos(theta), 4500 * wobble * math.sin(theta), origin=(3.72, 51.05)
        )
        points.append((round(lng, 6), round(lat, 6)))
    points.append(points[0])
    return MultiPolygon(Polygon(points, srid=4326), srid=4326)


def district_boundaries(boundary: MultiPolygon) -> list[tuple[str, MultiPolygon]]:
    """Voronoi cells of the district seeds, clipped to the area.

    The cells are drawn in metres (ETRS89-LAEA) so they are not stretched east-west, then clipped in
    WGS 84 against the area itself, so the districts tile it with no gap along the border.
    """
    names = [name for name, _, _ in DISTRICT_SEEDS]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH area AS (SELECT ST_GeomFromEWKT(%s) AS g),
            seeds AS (
                SELECT s.name, ST_Transform(ST_SetSRID(ST_MakePoint(s.lng, s.lat), 4326), 3035) AS pt
                FROM unnest(%s::text[], %s::float8[], %s::float8[]) AS s(name, lng, lat)
            ),
            cells AS (
                SELECT (ST_Dump(ST_VoronoiPolygons(
                    ST_Collect(seeds.pt), 0.0, ST_Expand(ST_Transform((SELECT g FROM area), 3035), 5000)
                ))).geom AS cell
                FROM seeds
            )
            SELECT seeds.name,
                   ST_AsEWKT(ST_Multi(ST_CollectionExtract(
                       ST_Intersection(ST_Transform(cells.cell, 4326), area.g), 3
                   )))
            FROM seeds JOIN cells ON ST_Contains(cells.cell, seeds.pt) CROSS JOIN area
            """,
            [
                boundary.ewkt,
                names,
                [lng for _, lng, _ in DISTRICT_SEEDS],
                [lat for _, _, lat in DISTRICT_SEEDS],
            ],
        )
        cells = dict(cursor.fetchall())
    missing = set(names) - set(cells)
    if missing:
        raise CommandError(f"district seeds outside the demo area: {', '.join(sorted(missing))}")
    return [(name, as_multipolygon(GEOSGeometry(cells[name]))) for name in names]


def as_multipolygon(geometry: GEOSGeometry) -> MultiPolygon:
    if isinstance(geometry, MultiPolygon):
        return geometry
    if isinstance(geometry, Polygon):
        return MultiPolygon(geometry, srid=geometry.srid)
    raise CommandError(f"expected a polygon, got {geometry.geom_type}")


# --- synthetic reports ----------------------------------------------------------------------------


def weighted(rng: random.Random, choices: Sequence[tuple[str, float]] | dict[str, float]) -> str:
    items = list(choices.items()) if isinstance(choices, dict) else list(choices)
    return rng.choices([value for value, _ in items], weights=[weight for _, weight in items])[0]


class ReportGenerator:
    """Draws one plausible report at a time: where, what, when, by whom and with which consents."""

    def __init__(
        self, *, rng: random.Random, area: ServiceArea, categories: dict[str, Category], devices: list[Device]
    ) -> None:
        self.rng = rng
        self.now = timezone.now()
        self.inside: Callable[[Point], bool] = area.boundary.prepared.contains
        self.categories = categories
        self.devices = devices
        today = self.now.astimezone(LOCAL_TZ).date()
        self.days = [today - timedelta(days=offset) for offset in range(DAYS)]
        # Some citizens report a lot, most once or twice.
        self.device_weights = list(accumulate(rng.paretovariate(1.3) for _ in devices))
        self.day_weights = {
            week: list(accumulate(week[day.weekday()] for day in self.days)) for week in WEEKS
        }
        self.residential = tuple(
            Place(
                name,
                lng,
                lat,
                RESIDENTIAL_SIGMA_M,
                RESIDENTIAL_SIGMA_M,
                0,
                1.0,
                1.0,
                RESIDENTIAL_INCIDENTS,
                RESIDENTIAL_FACTORS,
                RESIDENTIAL,
            )
            for name, lng, lat in DISTRICT_SEEDS
        )

    def report(self) -> Report:
        rng = self.rng
        insecurity = rng.random() < INSECURITY_SHARE
        place = self._place(insecurity)
        location = self._location(place)
        occurred_at = self._when(INSECURE_HOURS if insecurity else place.hours, place.week)
        device = (
            rng.choices(self.devices, cum_weights=self.device_weights)[0] if rng.random() > 0.03 else None
        )
        language = device.language if device else "nl"
        if insecurity:
            code = weighted(rng, place.factors)
            others = [c for c in place.factors if c not in (code, "insecurity.general")]
            # "General" is a feeling, not a factor; the factors are the concrete reasons.
            factors = ({code} - {"insecurity.general"}) | set(
                rng.sample(others, k=rng.choice((0, 0, 1, 1, 2)))
            )
            night = not 6 <= occurred_at.astimezone(LOCAL_TZ).hour < 20
            perception = rng.choices(range(1, 6), weights=(1, 2, 4, 5, 3) if night else (3, 4, 4, 2, 1))[0]
        else:
            code = weighted(rng, place.incidents)
            factors, perception = set(), None
        category = self.categories[code]
        group = category.group
        against_person = group in (Category.Group.VIOLENCE, Category.Group.HARASSMENT)
        return Report(
            device=device,
            source=Report.Source.DEMO,
            kind=Report.Kind.INSECURITY if insecurity else Report.Kind.INCIDENT,
            category=category,
            description=self._text(category, language),
            language=language,
            location=location,
            accuracy_m=rng.choice((5, 8, 10, 12, 15, 20, 25, 35, 50, 65)),
            occurred_at=occurred_at,
            consent_police=rng.random() < (0.25 if insecurity else 0.8 if against_person else 0.6),
            consent_victim_support=rng.random() < (0.05 if insecurity else 0.45 if against_person else 0.1),
            consent_public_alert=not category.sensitive and rng.random() < 0.55,
            perception=perception,
            factors=sorted(factors),
            status=Report.Status.RECEIVED,
        )

    def received_at(self, occurred_at: datetime) -> datetime:
        """Most reports arrive within the hour, some days later; never in the future."""
        delay = timedelta(minutes=min(self.rng.lognormvariate(3.3, 1.3), 3 * 24 * 60))
        return min(occurred_at + delay, self.now)

    def _place(self, insecurity: bool) -> Place:
        roll = self.rng.random()
        for place in PLACES:
            roll -= place.insecurity_share if insecurity else place.incident_share
            if roll < 0:
                return place
        # What the hotspots leave goes to the neighbourhoods; the dense ones near the centre report more.
        return self.rng.choices(self.residential, weights=RESIDENTIAL_WEIGHTS)[0]

    def _location(self, place: Place) -> Point:
        angle = math.radians(place.angle_deg)
        for _ in range(50):
            along, across = self.rng.gauss(0, place.sigma_along_m), self.rng.gauss(0, place.sigma_across_m)
            east = along * math.cos(angle) - across * math.sin(angle)
            north = along * math.sin(angle) + across * math.cos(angle)
            point = Point(*to_lnglat(east, north, origin=(place.lng, place.lat)), srid=4326)
            if self.inside(point):
                return point
        return Point(place.lng, place.lat, srid=4326)

    def _when(self, hours: Sequence[float], week: Sequence[float]) -> datetime:
        for _ in range(50):
            day: date = self.rng.choices(self.days, cum_weights=self.day_weights[week])[0]
            hour = self.rng.choices(range(24), weights=hours)[0]
            # A night out belongs to the evening it started: 2 a.m. on Friday is Thursday's party.
            if hour < 6:
                day += timedelta(days=1)
            moment = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60), tzinfo=LOCAL_TZ)
            moment = moment.astimezone(UTC)
            if moment < self.now - timedelta(minutes=10):
                return moment
        return self.now - timedelta(hours=1)

    def _text(self, category: Category, language: str) -> str:
        if category.sensitive or self.rng.random() < 0.4:
            return ""
        texts = TEXTS.get(category.code, {}).get(language) or GROUP_TEXTS.get(category.group, {}).get(
            language
        )
        return self.rng.choice(texts) if texts else ""


def backdate(reports: list[Report], created_at: list[datetime]) -> None:
    """``created_at`` is ``auto_now_add``, so bulk_create stamps now; demo reports arrived over 90 days."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {Report._meta.db_table} AS r SET created_at = v.at, updated_at = v.at
            FROM unnest(%s::uuid[], %s::timestamptz[]) AS v(id, at) WHERE r.id = v.id
            """,  # noqa: S608 - the table name comes from the model, values are parameters
            [[report.id for report in reports], created_at],
        )
