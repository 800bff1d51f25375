"""What the demo's citizens write: short texts per category and language, and a few that moderation holds."""

from __future__ import annotations

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


# Written for the demo (not real reports): what the rules engine is there to hold, each with the categories
# it could have been filed under (a text about a parcel thief is never a report of poor visibility).
HELD_TEXTS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("property.burglary",),
     "The guy who keeps stealing parcels is Kevin Verstraete, he lives at Kortrijksesteenweg 212."),
    (("antisocial.noise", "antisocial.drunkenness", "property.vandalism"),
     "Call his mother on 0475 12 34 56 and tell her what her son does at night."),
    (("harassment.street", "harassment.stalking"),
     "Silver Golf with plate 1-KXT-482 slows down next to girls walking home, every evening."),
    (("antisocial.drug_dealing",),
     "We should all go down there tonight and teach these dealers a lesson they won't forget."),
    (("property.vandalism", "property.theft_from_vehicle"),
     "Reward of 200 euros for whoever brings me the idiot who scratched my car."),
    (("property.pickpocketing", "insecurity.groups_loitering"),
     "Suspicious Moroccan hanging around the cash machine again."),
    (("insecurity.groups_loitering", "insecurity.general"),
     "Un groupe d'Africains louches traîne devant la gare, faites attention."),
    (("harassment.street", "violence.robbery"),
     "Wer kennt diesen Mann auf dem Foto? Teilen, damit wir ihn finden!"),
    (("property.bicycle_theft", "property.vandalism"),
     "Si lo vuelvo a ver por aquí, le rompo las piernas."),
    (("property.burglary",),
     "Ronde di quartiere stasera alle 22: prendiamoli noi, la polizia non fa niente."),
    (("antisocial.drug_dealing",),
     "Die Marokkaan van de Overpoort is weer aan het dealen, iedereen weet wie het is."),
)
