"""German text material for ``make_samples.py``.

Everything in this module is invented sample text, written for the sample
archive of ``qmarchive``.  None of it is copied from the real planning
documents (IHEKs) of the Quartiersmanagement Hellersdorfer Promenade; only a
few public facts about the area (size, number of flats, address of the
Stadtteilbüro, the names of the Handlungsfelder over time) are used.

Conventions used in the templates:

* ``{slot}`` is filled by :class:`make_samples.Writer`; a slot written with a
  capital first letter (``{Partner}``) is capitalised after filling.
* Residents and actors are written with gender-style slots (``{bew}``,
  ``{akt}`` ...) so that each document uses the form typical of its time.
* Soft hyphenation points are *not* written here; they come from
  :data:`HYPHENATION` and are applied to the finished text.
"""

from __future__ import annotations

SAMPLE_MARK = "MUSTERDOKUMENT – kein Originaltext"
SAMPLE_NOTE = (
    "Erfundener Beispieltext zu Test- und Demonstrationszwecken. "
    "Dieses Dokument ist keine Veröffentlichung des Bezirksamts oder des Quartiersmanagements."
)
AREA = "Hellersdorfer Promenade"

# --------------------------------------------------------------------------
# Hyphenation dictionary: "|" marks an allowed break point (becomes U+00AD).
# --------------------------------------------------------------------------
HYPHENATION_SOURCE = """
Be|woh|ner|schaft Be|woh|ne|rin|nen Be|woh|nern Be|woh|ner*in|nen Be|woh|ner:in|nen Be|woh|ne|rIn|nen
Ein|woh|ne|rin|nen Ein|woh|ner*in|nen Ein|woh|ner:in|nen Ein|woh|ne|rIn|nen Ein|woh|nern
Ak|teu|rin|nen Ak|teu|ren Ak|teur*in|nen Ak|teur:in|nen Ak|teu|rIn|nen
Nach|ba|rin|nen Nach|bar*in|nen Nach|bar:in|nen Nach|ba|rIn|nen
Quar|tiers|ma|nage|ment Quar|tiers|ma|nage|ments Quar|tiers|rat Quar|tiers|rats Quar|tiers|rats|wahl
Quar|tiers|rats|wah|len Quar|tiers|rats|mit|glie|der Quar|tiers|platz Quar|tiers|ver|fah|ren
Spiel|platz|sa|nie|rung Spiel|platz|sa|nie|run|gen Spiel|plät|ze Spiel|plät|zen Spiel|platz
Kli|ma|an|pas|sungs|maß|nah|men Kli|ma|an|pas|sung Hit|ze|schutz|pa|ten|schaf|ten Hit|ze|pe|ri|o|den
Nach|bar|schafts|ar|beit Nach|bar|schaft Nach|bar|schaf|ten Nach|bar|schafts|treff Nach|bar|schafts|ver|ein
Nach|bar|schafts|fest Nach|bar|schafts|hil|fe|te|le|fon nach|bar|schaft|li|che nach|bar|schaft|li|chen
Wohn|um|feld|ver|bes|se|rung Wohn|um|feld Wohn|ge|biet Wohn|blö|cken Wohn|quar|tie|re
Stadt|teil|zen|trum Stadt|teil|zen|trums Stadt|teil|bü|ro Stadt|teil|fest Stadt|teil|zei|tung
Stadt|teil|kon|fe|renz Stadt|teil|bi|bli|o|thek Stadt|teil|fo|rum Stadt|ent|wick|lung
Ju|gend|frei|zeit|ein|rich|tung Ju|gend|frei|zeit|ein|rich|tun|gen Ju|gend|li|che Ju|gend|li|chen Ju|gend|ar|beit
Be|geg|nungs|stät|te Be|geg|nungs|stät|ten Be|geg|nungs|or|te Be|geg|nun|gen
Grün|flä|che Grün|flä|chen Grün|an|la|gen Maß|nah|men Maß|nah|me Ge|mein|we|sen Ge|mein|we|sen|ar|beit
Hand|lungs|feld Hand|lungs|fel|der Hand|lungs|fel|dern Hand|lungs|be|darf Hand|lungs|be|dar|fe
Hand|lungs|kon|zept Hand|lungs|kon|zepts Ent|wick|lungs|kon|zept Ent|wick|lun|gen
Be|tei|li|gung Be|tei|li|gungs|for|ma|te Be|tei|li|gungs|ver|fah|ren Ver|ste|ti|gung Ver|ste|ti|gungs|stra|te|gie
Ak|ti|ons|fonds Pro|jekt|fonds Bau|fonds Netz|werk|fonds Ak|ti|ons|fonds|ju|ry
Ko|o|pe|ra|ti|on Ko|o|pe|ra|ti|o|nen Ko|o|pe|ra|ti|ons|part|ner Ver|net|zung Ein|bin|dung
In|te|gra|ti|on Aus|bil|dung Aus|bil|dungs|plät|ze Be|rufs|ori|en|tie|rung
Fa|mi|li|en|zen|trum Fa|mi|li|en Grund|schu|le Grund|schu|len Sprach|för|de|rung Sprach|för|der|be|darf
El|tern|ar|beit Schul|sta|ti|on Haus|auf|ga|ben|hil|fe Haus|auf|ga|ben|pa|ten|schaf|ten
Kin|der|ta|ges|stät|ten Kin|der|ta|ges|stät|te Bil|dungs|ein|rich|tun|gen Bil|dungs|netz|werk
Ar|beits|lo|sig|keit Be|schäf|ti|gung Be|schäf|ti|gungs|trä|ger Ge|wer|be|trei|ben|de Ge|wer|be|trei|ben|den
Ein|zel|han|del Leer|stand Laden|lo|ka|le La|den|leer|stands|ka|tas|ter Erd|ge|schoss|zo|nen
Trans|fer|leis|tun|gen Al|lein|er|zie|hen|de Al|lein|er|zie|hen|den Qua|li|fi|zie|rungs|an|ge|bo|te
öf|fent|li|chen öf|fent|li|cher öf|fent|lich Öf|fent|li|cher Öf|fent|lich|keits|ar|beit
Ge|sund|heits|för|de|rung Be|we|gungs|an|ge|bo|te Be|we|gungs|flä|chen Be|we|gungs|par|cours
Ver|ein|sa|mung Se|ni|o|rin|nen Se|ni|o|ren
Ent|sie|ge|lung Re|gen|was|ser|be|wirt|schaf|tung Re|gen|was|ser Stark|re|gen|er|eig|nis|se
Trink|brun|nen Trink|was|ser|stel|len Stra|ßen|bäu|me Las|ten|rad|ver|leih
Stra|ße Stra|ßen Pro|me|na|de Hel|lers|dor|fer Groß|sied|lung Plat|ten|bau|ten
Woh|nungs|bau|ge|sell|schaft Woh|nungs|bau|ge|sell|schaf|ten Woh|nungs|un|ter|neh|men Woh|nungs|wirt|schaft
Mie|ter|bei|rat Mie|ter|bei|rä|te Mie|ter|bei|rats|sprech|stun|de
eh|ren|amt|lich eh|ren|amt|li|chen Eh|ren|amt|li|che Eh|ren|amt|li|chen Eh|ren|amt
Ver|an|stal|tung Ver|an|stal|tun|gen Se|nats|ver|wal|tung Be|zirks|amt Be|zirks|am|tes
Zu|sam|men|ar|beit Zu|sam|men|halt Zu|sam|men|le|ben Mi|gra|ti|ons|ge|schich|te
Be|völ|ke|rung Be|völ|ke|rungs|ent|wick|lung Auf|ent|halts|qua|li|tät Sau|ber|keit Si|cher|heits|ge|fühl
Be|leuch|tung Bar|rie|re|frei|heit bar|rie|re|frei bar|rie|re|freie
Ge|mein|schafts|gar|ten Ge|mein|schafts|gär|ten Mit|wir|kung Steu|e|rungs|run|de
Pro|jekt|trä|ger Pro|jekt|trä|gern Nach|hal|tig|keit nach|hal|tig In|fra|struk|tur
Frei|zeit|an|ge|bo|te Be|ra|tungs|an|ge|bo|te Be|ra|tungs|an|ge|bo|ten Lern|an|ge|bo|te
Fahr|rad|selbst|hil|fe|werk|statt Bal|kon|kon|zer|te Hof|floh|markt Bolz|platz|ord|nung
Zu|kunfts|vi|si|o|nen Zu|kunfts|werk|statt Ver|ant|wor|tungs|über|ga|be Ver|ant|wor|tung
Ein|rich|tun|gen Ein|rich|tung Ver|wal|tung Ent|schei|dun|gen Ver|bes|se|rung
Ge|bie|tes Ge|biets Quar|tier Quar|tiers Quar|tie|ren An|ge|bo|te An|ge|bo|ten
Fi|nan|zie|rung fi|nan|ziert Schwer|punk|te Er|geb|nis|se Er|fah|run|gen Mo|de|ra|ti|on
"""


def _build_hyphenation(source: str) -> dict[str, str]:
    """Map each plain word to its form with U+00AD soft hyphens."""
    table: dict[str, str] = {}
    for entry in source.split():
        table[entry.replace("|", "")] = entry.replace("|", "\u00ad")
    return table


HYPHENATION: dict[str, str] = _build_hyphenation(HYPHENATION_SOURCE)

# --------------------------------------------------------------------------
# Gender styles (one per document, typical of its time).
# --------------------------------------------------------------------------
GENDER_STYLES: dict[str, dict[str, str]] = {
    "paarform": {
        "bew": "Bewohnerinnen und Bewohner",
        "bew_dat": "Bewohnerinnen und Bewohnern",
        "akt": "Akteurinnen und Akteure",
        "akt_dat": "Akteurinnen und Akteuren",
        "nb": "Nachbarinnen und Nachbarn",
        "nb_dat": "Nachbarinnen und Nachbarn",
        "ew": "Einwohnerinnen und Einwohner",
    },
    "binnen_i": {
        "bew": "BewohnerInnen",
        "bew_dat": "BewohnerInnen",
        "akt": "AkteurInnen",
        "akt_dat": "AkteurInnen",
        "nb": "NachbarInnen",
        "nb_dat": "NachbarInnen",
        "ew": "EinwohnerInnen",
    },
    "stern": {
        "bew": "Bewohner*innen",
        "bew_dat": "Bewohner*innen",
        "akt": "Akteur*innen",
        "akt_dat": "Akteur*innen",
        "nb": "Nachbar*innen",
        "nb_dat": "Nachbar*innen",
        "ew": "Einwohner*innen",
    },
    "doppelpunkt": {
        "bew": "Bewohner:innen",
        "bew_dat": "Bewohner:innen",
        "akt": "Akteur:innen",
        "akt_dat": "Akteur:innen",
        "nb": "Nachbar:innen",
        "nb_dat": "Nachbar:innen",
        "ew": "Einwohner:innen",
    },
}

# --------------------------------------------------------------------------
# Handlungsfelder: historical names per era, mapped to content themes.
# --------------------------------------------------------------------------
FIELDS_BY_ERA: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "2010": [
        ("Bildung, Ausbildung, Jugend", ("bildung",)),
        ("Nachbarschaft und Beteiligung", ("nachbarschaft", "beteiligung")),
        ("Wohnumfeld/Öffentlicher Raum", ("raum",)),
    ],
    "standard": [
        ("Bildung, Ausbildung, Jugend", ("bildung",)),
        ("Arbeit und Wirtschaft", ("arbeit",)),
        ("Nachbarschaft (Gemeinwesen, Integration)", ("nachbarschaft",)),
        ("Öffentlicher Raum", ("raum",)),
        ("Beteiligung, Vernetzung und Einbindung der Partner", ("beteiligung",)),
    ],
    "2022": [
        ("Integration und Nachbarschaft", ("nachbarschaft",)),
        ("Bildung", ("bildung",)),
        ("Öffentlicher Raum", ("raum",)),
        ("Gesundheit und Bewegung", ("gesundheit",)),
        ("Beteiligung, Vernetzung und Kooperation von Partnern", ("beteiligung",)),
    ],
}
CROSS_CUTTING_THEME = ("Klimaanpassung", ("klima",))

# Short labels used for the {thema} slot, per theme.
THEMEN: dict[str, list[str]] = {
    "bildung": [
        "Sprachförderung",
        "Übergang Schule–Beruf",
        "Elternarbeit",
        "Jugendarbeit",
        "Lernförderung",
        "Ferienangebote",
        "Medienkompetenz",
    ],
    "arbeit": ["Beschäftigung", "lokale Ökonomie", "Leerstand", "Qualifizierung", "Wiedereinstieg"],
    "nachbarschaft": ["Zusammenleben", "Begegnung", "Ehrenamt", "Willkommenskultur", "Generationen"],
    "raum": ["Spielplätze", "Sauberkeit", "Beleuchtung", "Grünflächen", "Barrierefreiheit", "Promenade"],
    "beteiligung": ["Mitbestimmung", "Vernetzung", "Öffentlichkeitsarbeit", "Gremienarbeit"],
    "gesundheit": ["Bewegung", "gesunde Ernährung", "Einsamkeit im Alter", "Gesundheitsförderung"],
    "klima": ["Hitzeschutz", "Entsiegelung", "Regenwasser", "Stadtgrün", "kühle Orte"],
}

# Theme-specific sentences: Ausgangslage (befund), Handlungsbedarf (bedarf),
# goals (ziel, bullet items) and projects (name, fund, description).
THEME_TEXTS: dict[str, dict[str, list]] = {
    "bildung": {
        "befund": [
            "An den Grundschulen im Gebiet ist der Anteil der Kinder mit Sprachförderbedarf weiterhin hoch.",
            "Viele Familien nutzen die Angebote der Kindertagesstätten, doch die Plätze reichen für die wachsende Zahl junger Kinder nicht aus.",
            "Die Schulstation der Grundschule an der Promenade ist für viele Kinder eine verlässliche Anlaufstelle am Nachmittag.",
            "Jugendliche finden im Gebiet nur wenige Orte, an denen sie sich ohne Konsumzwang aufhalten können.",
            "Der Übergang von der Schule in eine Ausbildung gelingt nicht allen Jugendlichen auf Anhieb.",
            "Die Jugendfreizeiteinrichtung „Lichtblick“ ist an den Wochenenden stark nachgefragt, kann aber nur eingeschränkte Öffnungszeiten anbieten.",
            "Eltern wünschen sich mehr Informationen über Fördermöglichkeiten und Beratungsangebote in ihrer Nähe.",
            "Die Zusammenarbeit zwischen Kitas, Grundschulen und der Stadtteilbibliothek hat sich spürbar verbessert.",
            "Ein Teil der Kinder verlässt die Grundschule ohne gesicherte Lese- und Schreibkompetenzen.",
            "Mehrere Träger der Kinder- und Jugendarbeit haben ihre Angebote inzwischen aufeinander abgestimmt.",
            "Der Kita-Ausbau am Rand des Gebiets hat die Versorgungslage nur teilweise entspannt.",
            "Für die U3-Betreuung gibt es Wartelisten, besonders bei den Kitas in der Nähe des U-Bahnhofs.",
            "Die Hausaufgabenhilfe im Stadtteilzentrum wird überwiegend von Kindern aus den angrenzenden Wohnblöcken besucht.",
            "Schülerinnen und Schüler der oberen Klassen nutzen die Angebote zur Berufsorientierung bislang zu selten.",
        ],
        "bedarf": [
            "Die Sprachförderung muss früh beginnen und Kita, Schule und Elternhaus miteinander verbinden.",
            "Es fehlen niedrigschwellige Lernangebote am Nachmittag, die ohne Anmeldung besucht werden können.",
            "Jugendliche brauchen Räume, die sie selbst mitgestalten und verantworten können.",
            "Die Elternarbeit an den Schulen sollte gestärkt und mit den Angeboten im Stadtteilzentrum verknüpft werden.",
            "Für den Übergang Schule–Beruf sind verbindliche Kooperationen mit Betrieben aus der Umgebung notwendig.",
            "Die Angebote der Kinder- und Jugendarbeit müssen auch in den Ferien verlässlich erreichbar sein.",
            "Ehrenamtliche Lesepatenschaften sollen ausgebaut und fachlich begleitet werden.",
            "Die Bildungseinrichtungen benötigen eine gemeinsame Plattform für Absprachen und Fortbildungen.",
            "Digitale Lernangebote gewinnen an Bedeutung und sollten gezielt gefördert werden.",
            "Der Schulhof soll auch außerhalb der Unterrichtszeiten als Spiel- und Bewegungsfläche geöffnet werden.",
        ],
        "ziel": [
            "Sprachförderung in Kitas und Grundschulen verstetigen",
            "Bildungsnetzwerk Hellersdorfer Promenade stärken",
            "Übergänge von der Kita in die Schule und von der Schule in den Beruf begleiten",
            "Eltern als Bildungspartner gewinnen",
            "Offene Treffpunkte für Jugendliche sichern",
            "Ferienangebote für Kinder ausbauen",
            "Lesefreude und Medienkompetenz fördern",
            "Kooperation zwischen Schulen und Betrieben verbessern",
        ],
        "projekt": [
            (
                "Leseclub an der Promenade",
                "Projektfonds",
                "Wöchentliche Lese- und Schreibwerkstatt für Kinder der Klassen 2 bis 4 mit ehrenamtlicher Unterstützung.",
            ),
            (
                "Elterncafé im Familienzentrum",
                "Projektfonds",
                "Offener Treffpunkt mit Beratung zu Schule, Kita und Erziehungsfragen.",
            ),
            (
                "Berufsorientierung im Kiez",
                "Projektfonds",
                "Betriebsbesuche, Bewerbungstraining und eine kleine Praktikumsbörse für Jugendliche ab Klasse 8.",
            ),
            (
                "Ferienwerkstatt",
                "Aktionsfonds",
                "Kreative Ferienangebote im Stadtteilzentrum, organisiert von Eltern und Ehrenamtlichen.",
            ),
            (
                "Umgestaltung des Schulhofs",
                "Baufonds",
                "Neugestaltung des Schulhofs als öffentlich nutzbare Spiel- und Bewegungsfläche.",
            ),
            (
                "Bildungsnetzwerk Helle Mitte",
                "Netzwerkfonds",
                "Koordinierung der Bildungseinrichtungen, gemeinsame Fortbildungen und ein jährlicher Fachtag.",
            ),
        ],
    },
    "arbeit": {
        "befund": [
            "Die Arbeitslosigkeit im Gebiet liegt deutlich über dem Durchschnitt des Bezirks.",
            "Viele Haushalte beziehen Transferleistungen, darunter überdurchschnittlich viele Alleinerziehende.",
            "Der Einzelhandel rund um die Helle Mitte hat mit Leerstand und häufigen Wechseln zu kämpfen.",
            "Kleine Gewerbetreibende an der Promenade wünschen sich eine bessere Sichtbarkeit ihrer Angebote.",
            "Langzeitarbeitslose Menschen werden von klassischen Beratungsangeboten kaum erreicht.",
            "Das Jobcenter und mehrere Beschäftigungsträger bieten Außensprechstunden im Gebiet an.",
            "Ein Teil der Ladenlokale in den Erdgeschosszonen steht seit längerer Zeit leer.",
            "Mütter kleiner Kinder finden nur schwer Arbeitsplätze mit passenden Arbeitszeiten.",
            "Die Nähe zur Hochschule am Alice-Salomon-Platz wird bislang kaum für lokale Kooperationen genutzt.",
            "Auf dem Wochenmarkt kommen Handel und Nachbarschaft regelmäßig zusammen.",
        ],
        "bedarf": [
            "Beratung zu Arbeit, Ausbildung und Weiterbildung muss wohnortnah und mehrsprachig erreichbar sein.",
            "Leerstehende Ladenlokale sollten für Zwischennutzungen durch soziale und kulturelle Initiativen geöffnet werden.",
            "Die lokale Ökonomie braucht ein gemeinsames Marketing und einen regelmäßigen Austausch der Gewerbetreibenden.",
            "Qualifizierungsangebote sollen stärker mit den Bedarfen der Betriebe in der Region abgestimmt werden.",
            "Für Alleinerziehende sind flexible Kinderbetreuung und Teilzeitausbildung besonders wichtig.",
            "Ehrenamtliches Engagement kann eine Brücke in Beschäftigung sein und sollte entsprechend anerkannt werden.",
            "Eine Schuldnerberatung im Stadtteil wird von vielen Haushalten dringend benötigt.",
        ],
        "ziel": [
            "Zugang zu Beratung und Qualifizierung erleichtern",
            "Lokale Ökonomie stärken",
            "Leerstand in den Erdgeschosszonen verringern",
            "Alleinerziehende beim Wiedereinstieg unterstützen",
            "Kooperationen mit Betrieben aufbauen",
            "Wochenmarkt und Promenade als Handelsort beleben",
        ],
        "projekt": [
            (
                "Kiezlotsen für Arbeit und Ausbildung",
                "Projektfonds",
                "Aufsuchende Beratung in Treffpunkten, auf dem Wochenmarkt und im Stadtteilbüro.",
            ),
            (
                "Zwischennutzung leerer Läden",
                "Projektfonds",
                "Vermittlung leerstehender Geschäfte an Initiativen und Vereine für befristete Nutzungen.",
            ),
            (
                "Gewerbestammtisch Promenade",
                "Netzwerkfonds",
                "Regelmäßiger Austausch der Gewerbetreibenden und gemeinsame Aktionen im Advent.",
            ),
            (
                "Wiedereinstieg mit Kind",
                "Projektfonds",
                "Coaching und Kinderbetreuung für Alleinerziehende auf dem Weg in Arbeit.",
            ),
            (
                "Schuldnerberatung vor Ort",
                "Projektfonds",
                "Wöchentliche Sprechstunde im Stadtteilbüro in Kooperation mit einem freien Träger.",
            ),
        ],
    },
    "nachbarschaft": {
        "befund": [
            "Im Gebiet leben Menschen aus mehr als vierzig Herkunftsländern Tür an Tür.",
            "Viele ältere Menschen wohnen seit dem Erstbezug der Häuser in den 1980er-Jahren im Quartier.",
            "Der Nachbarschaftstreff in der Kastanienallee ist an mehreren Tagen in der Woche geöffnet und gut besucht.",
            "Nachbarschaftliche Kontakte entstehen vor allem bei Festen, im Hausflur und auf den Spielplätzen.",
            "Zugezogene Familien finden nicht immer Anschluss an bestehende Gruppen und Vereine.",
            "Konflikte zwischen den Generationen entzünden sich häufig an Lärm und an der Nutzung der Innenhöfe.",
            "Das jährliche Stadtteilfest auf der Promenade zieht regelmäßig mehrere tausend Gäste an.",
            "Die Begegnungsstätte für Seniorinnen und Senioren bietet ein vielfältiges Wochenprogramm an.",
            "Sprachcafés und Kochabende haben sich als gute Gelegenheiten für erste Begegnungen erwiesen.",
            "In einigen Häusern haben Mieterbeiräte die Nachbarschaftsarbeit aktiv mitgestaltet.",
            "Vorbehalte gegenüber Geflüchteten sind im Stadtteil vereinzelt spürbar.",
            "Die Gemeinwesenarbeit im Stadtteilzentrum ist für viele Menschen die erste Anlaufstelle bei Problemen.",
        ],
        "bedarf": [
            "Begegnungsorte müssen niedrigschwellig, barrierefrei und zu verlässlichen Zeiten geöffnet sein.",
            "Neu zugezogene Familien sollten gezielt angesprochen und zu Angeboten im Quartier eingeladen werden.",
            "Das Ehrenamt braucht Anerkennung, Qualifizierung und feste Ansprechpersonen.",
            "Konflikte in den Höfen sollten frühzeitig moderiert werden, bevor sie sich verfestigen.",
            "Mehrsprachige Informationen über Angebote im Quartier sind weiterhin notwendig.",
            "Die Angebote für ältere Menschen sollen mit denen für Familien stärker verknüpft werden.",
            "Ein respektvolles Miteinander soll durch gemeinsame Aktionen im Alltag gestärkt werden.",
        ],
        "ziel": [
            "Nachbarschaftliche Begegnung fördern",
            "Zugezogene willkommen heißen und einbinden",
            "Ehrenamtliches Engagement anerkennen und stärken",
            "Generationenübergreifende Angebote ausbauen",
            "Konflikte im Wohnumfeld gemeinsam lösen",
            "Vielfalt im Quartier sichtbar machen",
        ],
        "projekt": [
            (
                "Nachbarschaftsfest auf der Promenade",
                "Aktionsfonds",
                "Jährliches Fest mit Bühne, Ständen der Einrichtungen und einem Programm von {nb_dat} für {nb}.",
            ),
            (
                "Sprachcafé im Stadtteilzentrum",
                "Projektfonds",
                "Wöchentlicher Treffpunkt zum Deutschüben in entspannter Atmosphäre.",
            ),
            (
                "Hofgespräche",
                "Projektfonds",
                "Moderierte Gespräche zur Nutzung der Innenhöfe mit Hausverwaltungen und Mieterbeiräten.",
            ),
            (
                "Willkommenspaket für neue Nachbarschaften",
                "Projektfonds",
                "Informationsmappe und persönlicher Begrüßungsbesuch für zugezogene Haushalte.",
            ),
            (
                "Generationenbrücke",
                "Projektfonds",
                "Regelmäßige Begegnungen zwischen Kita-Kindern und älteren Menschen aus einer Seniorenwohnanlage.",
            ),
            (
                "Interkulturelle Kochabende",
                "Aktionsfonds",
                "Gemeinsames Kochen und Essen im Nachbarschaftstreff, organisiert von {bew_dat} selbst.",
            ),
        ],
    },
    "raum": {
        "befund": [
            "Die Hellersdorfer Promenade ist die zentrale Fußgängerachse des Gebiets und verbindet die Wohnquartiere mit der Helle Mitte.",
            "Viele Spielplätze stammen aus der Bauzeit der Siedlung und sind in einem sanierungsbedürftigen Zustand.",
            "Die großzügigen Grünflächen zwischen den Wohnblöcken werden bislang wenig genutzt.",
            "An mehreren Stellen fehlt eine ausreichende Beleuchtung, was das Sicherheitsgefühl am Abend beeinträchtigt.",
            "Illegale Sperrmüllablagerungen sind ein häufiges Ärgernis in den Innenhöfen.",
            "Die Wege auf der Promenade sind für Menschen mit Rollator oder Kinderwagen nicht überall barrierefrei.",
            "Bänke und Aufenthaltsbereiche fehlen vor allem entlang der Nebenwege.",
            "Die Wohnungsbaugesellschaften haben in den vergangenen Jahren in die Gestaltung der Hofflächen investiert.",
            "Der Platz vor dem Stadtteilzentrum wird für Märkte, Feste und Veranstaltungen genutzt.",
            "Verschmutzte Grünanlagen werden in Befragungen immer wieder als Problem genannt.",
            "Die Straßenbäume entlang der Stendaler Straße prägen das Bild des Quartiers.",
            "Radfahrende und zu Fuß Gehende teilen sich auf der Promenade eine gemeinsame Fläche, was zu Konflikten führt.",
        ],
        "bedarf": [
            "Die Spielplatzsanierung sollte nach einer gemeinsam abgestimmten Prioritätenliste schrittweise erfolgen.",
            "Grünflächen sollen als nutzbare Aufenthaltsorte für alle Generationen qualifiziert werden.",
            "Die Beleuchtung entlang der Hauptwege ist zu verbessern.",
            "Die Sauberkeit im Wohnumfeld erfordert eine abgestimmte Strategie von Bezirk, Wohnungsunternehmen und Bewohnerschaft.",
            "Barrieren auf Wegen und Plätzen sind systematisch zu erfassen und abzubauen.",
            "Die Promenade braucht eine Gestaltung, die Aufenthalt, Handel und Bewegung miteinander verbindet.",
            "Bei allen baulichen Maßnahmen sind Kinder und Jugendliche frühzeitig zu beteiligen.",
        ],
        "ziel": [
            "Spielplätze sanieren und aufwerten",
            "Wohnumfeldverbesserung gemeinsam mit den Wohnungsunternehmen umsetzen",
            "Aufenthaltsqualität der Promenade erhöhen",
            "Sauberkeit und Sicherheitsgefühl verbessern",
            "Barrierefreiheit im öffentlichen Raum herstellen",
            "Grünflächen für gemeinschaftliche Nutzungen öffnen",
        ],
        "projekt": [
            (
                "Spielplatzsanierung Kastanienallee",
                "Baufonds",
                "Erneuerung der Spielgeräte, neue Sitzgelegenheiten und Fallschutz nach Beteiligung der Kinder.",
            ),
            (
                "Neugestaltung des Promenadenplatzes",
                "Baufonds",
                "Neuordnung der Platzfläche mit Sitzstufen, Beleuchtung und Flächen für Märkte.",
            ),
            (
                "Gemeinschaftsgarten am Magdeburger Anger",
                "Projektfonds",
                "Hochbeete und Gartentreff, betreut von einer Gruppe engagierter {nb}.",
            ),
            (
                "Kiezputz-Aktionstage",
                "Aktionsfonds",
                "Gemeinsame Aufräumaktionen im Frühjahr und Herbst mit Schulen, Kitas und Hausgemeinschaften.",
            ),
            (
                "Lichtkonzept für die Nebenwege",
                "Baufonds",
                "Ergänzung der Beleuchtung an dunklen Wegeabschnitten nach einer gemeinsamen Begehung.",
            ),
            (
                "Bänke für die Promenade",
                "Aktionsfonds",
                "Aufstellung zusätzlicher Bänke an Orten, die {bew} selbst vorgeschlagen haben.",
            ),
        ],
    },
    "beteiligung": {
        "befund": [
            "Der Quartiersrat besteht seit 2006 und setzt sich mehrheitlich aus {bew_dat} des Gebiets zusammen.",
            "Die Aktionsfondsjury entscheidet über kleine Projekte, die von {bew_dat} selbst beantragt werden.",
            "Die Beteiligung an der letzten Quartiersratswahl blieb hinter den Erwartungen zurück.",
            "Viele Einrichtungen arbeiten gut zusammen, stimmen sich jedoch vor allem anlassbezogen ab.",
            "Die Stadtteilzeitung erscheint mehrmals im Jahr und wird an alle Haushalte verteilt.",
            "Junge Menschen und Familien mit Migrationsgeschichte sind in den Gremien bislang unterrepräsentiert.",
            "Die Stadtteilkonferenz bringt zweimal jährlich Träger, Verwaltung und Wohnungswirtschaft an einen Tisch.",
            "Über E-Mail-Verteiler und die Internetseite des Quartiersmanagements werden Termine und Ergebnisse veröffentlicht.",
            "Die Wohnungsbaugesellschaften beteiligen sich an Runden Tischen und unterstützen eigene Nachbarschaftsprojekte.",
            "Die Verwaltung des Bezirks ist über die Steuerungsrunde in die Arbeit des Quartiersmanagements eingebunden.",
        ],
        "bedarf": [
            "Die Gremien sollen vielfältiger besetzt und für neue Mitglieder attraktiver werden.",
            "Beteiligungsformate müssen kurz, konkret und mit sichtbaren Ergebnissen verbunden sein.",
            "Die Netzwerke im Gebiet müssen so aufgestellt werden, dass sie auch ohne Quartiersmanagement tragfähig bleiben.",
            "Ergebnisse der Beteiligung sind transparent und verständlich zurückzumelden.",
            "Verwaltung, Wohnungswirtschaft und freie Träger sollen verbindliche Absprachen treffen.",
            "Für die Quartiersratswahl ist eine frühzeitige und mehrsprachige Werbung notwendig.",
        ],
        "ziel": [
            "Quartiersrat und Aktionsfondsjury stärken",
            "Neue Zielgruppen für Beteiligung gewinnen",
            "Netzwerke der Träger verstetigen",
            "Transparenz über Projekte und Mittel herstellen",
            "Kooperation mit der Wohnungswirtschaft vertiefen",
        ],
        "projekt": [
            (
                "Stadtteilzeitung „Helle Seiten“",
                "Projektfonds",
                "Redaktion mit ehrenamtlichen Schreibenden, vier Ausgaben im Jahr.",
            ),
            (
                "Quartiersratswahl: Werbung und Wahltag",
                "Aktionsfonds",
                "Plakate, Infostände und ein Wahlfest auf dem Quartiersplatz.",
            ),
            (
                "Stadtteilkonferenz",
                "Netzwerkfonds",
                "Zwei Konferenzen im Jahr mit Arbeitsgruppen zu den Handlungsfeldern.",
            ),
            (
                "Kiezspaziergänge mit der Verwaltung",
                "Projektfonds",
                "Gemeinsame Rundgänge von {bew_dat} und Fachämtern zu Mängeln und Ideen.",
            ),
            (
                "Fortbildung für Gremienmitglieder",
                "Projektfonds",
                "Workshops zu Moderation, Projektbewertung und Öffentlichkeitsarbeit.",
            ),
        ],
    },
    "gesundheit": {
        "befund": [
            "Schuleingangsuntersuchungen zeigen bei vielen Kindern motorische Defizite.",
            "Die Zahl älterer Menschen, die allein leben, nimmt zu.",
            "Die Pandemiejahre haben die Vereinsamung vieler Menschen verstärkt.",
            "Es gibt im Gebiet nur wenige Sportvereine mit Angeboten für Erwachsene.",
            "Kinder- und Hausarztpraxen sind im Umfeld knapp.",
            "Fachkräfte nehmen psychische Belastungen bei Jugendlichen zunehmend wahr.",
            "Offene Bewegungsangebote im Freien, etwa Spaziergruppen, werden gut angenommen.",
            "Gesundes Essen ist für viele Familien mit geringem Einkommen nur schwer bezahlbar.",
        ],
        "bedarf": [
            "Bewegungsangebote sollen kostenfrei, wohnortnah und ohne Vereinsmitgliedschaft nutzbar sein.",
            "Gesundheitsförderung muss in Kitas und Schulen verankert werden.",
            "Für ältere Menschen sind aufsuchende Angebote gegen Vereinsamung notwendig.",
            "Die Zusammenarbeit mit dem Gesundheitsamt und den Krankenkassen sollte ausgebaut werden.",
            "Öffentliche Bewegungsflächen wie Fitnessgeräte und Laufstrecken sind zu schaffen.",
        ],
        "ziel": [
            "Bewegung im Alltag fördern",
            "Gesundheitskompetenz stärken",
            "Vereinsamung im Alter vorbeugen",
            "Bewegungsräume im Freien schaffen",
            "Gesunde Ernährung in Kitas und Schulen unterstützen",
        ],
        "projekt": [
            (
                "Bewegungsparcours an der Promenade",
                "Baufonds",
                "Outdoor-Fitnessgeräte für alle Altersgruppen entlang der Promenade.",
            ),
            (
                "Spaziergruppe „Helle Schritte“",
                "Aktionsfonds",
                "Wöchentliche Spaziergänge für ältere {nb} mit Pausen an den Bänken des Quartiers.",
            ),
            (
                "Gesundheitsberatung im Stadtteilzentrum",
                "Projektfonds",
                "Offene Sprechstunde zu Vorsorge, Ernährung und Bewegung.",
            ),
            (
                "Kochen mit Kindern",
                "Projektfonds",
                "Kochkurse in Grundschulen und Kitas mit Produkten aus dem Gemeinschaftsgarten.",
            ),
            ("Sport im Park", "Projektfonds", "Kostenlose Sportangebote auf den Grünflächen in den Sommermonaten."),
        ],
    },
    "klima": {
        "befund": [
            "In den Sommermonaten heizen sich die versiegelten Flächen rund um die Helle Mitte stark auf.",
            "Viele Wohnungen in den oberen Geschossen kühlen bei Hitze nachts kaum noch ab.",
            "Schattige Aufenthaltsorte und Trinkwasserstellen fehlen im öffentlichen Raum.",
            "Starkregenereignisse haben in den letzten Jahren zu überfluteten Wegen und Kellern geführt.",
            "Ältere Menschen und kleine Kinder sind von Hitzeperioden besonders betroffen.",
            "Die vorhandenen Grünflächen sind ein wichtiges Potenzial für Kühlung und Versickerung.",
            "Mehrere Straßenbäume sind durch Trockenheit geschädigt und mussten bereits gefällt werden.",
        ],
        "bedarf": [
            "Klimaanpassungsmaßnahmen sind bei allen Bauvorhaben im öffentlichen Raum mitzudenken.",
            "Flächen sollen entsiegelt und mit standortgerechten Pflanzen begrünt werden.",
            "Für heiße Tage werden kühle Orte und ein Netz von Ansprechpersonen gebraucht.",
            "Regenwasser soll vor Ort zurückgehalten und für die Bewässerung genutzt werden.",
            "Die Nachbarschaft soll beim Gießen von Bäumen und Beeten aktiv eingebunden werden.",
        ],
        "ziel": [
            "Hitzeschutz im Quartier verbessern",
            "Flächen entsiegeln und begrünen",
            "Regenwasser vor Ort bewirtschaften",
            "Baumpatenschaften in der Nachbarschaft fördern",
            "Klimaanpassung als Querschnittsthema in allen Projekten verankern",
        ],
        "projekt": [
            (
                "Trinkbrunnen an der Promenade",
                "Baufonds",
                "Zwei öffentliche Trinkbrunnen an stark frequentierten Orten des Quartiers.",
            ),
            (
                "Hitzeschutzpatenschaften",
                "Projektfonds",
                "{Nb} besuchen an heißen Tagen ältere Menschen im eigenen Haus und achten auf ausreichendes Trinken.",
            ),
            (
                "Entsiegelung des Schulhofs",
                "Baufonds",
                "Rückbau von Asphaltflächen, neue Bäume und Mulden zur Versickerung von Regenwasser.",
            ),
            (
                "Gießgemeinschaft Straßenbäume",
                "Aktionsfonds",
                "Gießkannen, Wassersäcke und ein Gießplan für die Sommermonate.",
            ),
            (
                "Kühle Orte im Stadtteilzentrum",
                "Projektfonds",
                "Klimatisierte Aufenthaltsräume mit Programm an Hitzetagen.",
            ),
        ],
    },
}

# --------------------------------------------------------------------------
# Generic sentence templates, grouped by the section they belong to.
# --------------------------------------------------------------------------
GENERIC: dict[str, list[str]] = {
    "ausgangslage": [
        "{Zeit} haben {bew} {ort} immer wieder auf dieses Thema aufmerksam gemacht.",
        "Eine Befragung von {bew_dat} im Jahr {jahr} bestätigt diese Einschätzung.",
        "Beim Thema „{thema}“ zeigt sich ein gemischtes Bild: Neben positiven Entwicklungen bestehen weiterhin deutliche Defizite.",
        "{Partner} beobachtet seit einiger Zeit, dass sich die Nachfrage nach Angeboten {ort} verändert.",
        "Die Auswertung der Sozialdaten weist für das Gebiet weiterhin einen hohen Anteil von Haushalten mit geringem Einkommen aus.",
        "Im Vergleich zum Bezirk Marzahn-Hellersdorf liegen die Werte für das Quartier in diesem Bereich {vergleich}.",
        "Diese Entwicklung wurde {gremium} ausführlich diskutiert.",
        "{Anteil} der befragten {bew} nannte das Thema „{thema}“ als besonders wichtig.",
        "Die vorhandenen Angebote sind vielen {bew_dat} nicht ausreichend bekannt.",
        "Gleichzeitig verfügt das Quartier über engagierte Einrichtungen und eine aktive Nachbarschaft.",
        "Zu den Stärken des Gebiets gehören die grüne Umgebung, die gute Verkehrsanbindung und die kurzen Wege.",
        "Viele Einrichtungen arbeiten an der Grenze ihrer Kapazitäten.",
        "Bei einem Kiezspaziergang im {monat} {jahr} wurden diese Beobachtungen {ort} anschaulich bestätigt.",
        "Auch die Fachämter des Bezirks sehen in diesem Bereich einen besonderen Schwerpunkt.",
        "Die Erfahrungen der vergangenen Förderjahre zeigen, dass kleine Schritte oft die größte Wirkung entfalten.",
        "Rückmeldungen aus den Sprechstunden im Stadtteilbüro zeichnen ein ähnliches Bild.",
        "Die Zahlen des Monitorings Soziale Stadtentwicklung bestätigen, dass das Gebiet weiterhin besondere Unterstützung braucht.",
        "{Partner} berichtet von einer steigenden Zahl an Anfragen.",
        "Besonders in den Abendstunden und am Wochenende fehlen passende Angebote.",
        "Viele {bew} wünschen sich mehr Informationen in einfacher Sprache.",
        "Die Nachfrage übersteigt an vielen Stellen das vorhandene Angebot.",
        "Ein Teil der Angebote ist nur befristet finanziert und damit unsicher.",
        "Auffällig ist, dass sich die Situation {ort} deutlich von der in anderen Teilen des Gebiets unterscheidet.",
        "Die Fluktuation in einzelnen Häusern ist hoch, was den Aufbau stabiler Nachbarschaften erschwert.",
        "{Zeit} ist das Interesse an gemeinsamen Aktionen spürbar gewachsen.",
        "Die kurzen Wege im Quartier sind ein Vorteil, den viele {bew} ausdrücklich hervorheben.",
    ],
    "bedarf": [
        "Daraus ergibt sich ein deutlicher Handlungsbedarf, der über die Möglichkeiten einzelner Einrichtungen hinausgeht.",
        "Entscheidend ist, dass Angebote dort stattfinden, wo {bew} ihren Alltag verbringen.",
        "Die {akt} im Gebiet sind sich einig, dass hier nur abgestimmtes Handeln zum Erfolg führt.",
        "Um die Situation nachhaltig zu verbessern, müssen Verwaltung, Träger und Wohnungswirtschaft ihre Ressourcen bündeln.",
        "Besonders wichtig ist es, {bew} nicht nur zu informieren, sondern von Anfang an zu beteiligen.",
        "Der Quartiersrat hat diesen Bedarf {zeit_kurz} als vordringlich eingestuft.",
        "Mittelfristig sollten erfolgreiche Ansätze in die Regelstrukturen des Bezirks überführt werden.",
        "Kurzfristig können kleine Maßnahmen aus dem Aktionsfonds sichtbare Verbesserungen bewirken.",
        "Dabei ist auf gute Erreichbarkeit und eine verständliche Ansprache zu achten.",
        "Ohne zusätzliche Mittel aus dem Programm lassen sich diese Aufgaben kaum bewältigen.",
        "Beim Thema „{thema}“ kommt es vor allem auf verlässliche Ansprechpersonen an.",
        "Vorhandene Angebote sollten besser bekannt gemacht und untereinander verknüpft werden.",
        "Es braucht verlässliche Ansprechpersonen, die auch nach Projektende erreichbar bleiben.",
        "Neue Angebote sollten gemeinsam mit den künftigen Nutzerinnen und Nutzern entwickelt werden.",
        "Gerade für Menschen mit wenig Zeit sind kurze und flexible Formate wichtig.",
        "Die Räume der Einrichtungen sollten stärker gemeinsam genutzt werden.",
        "Mehrsprachigkeit und einfache Sprache sind bei allen Angeboten mitzudenken.",
        "Die Wirkung der Projekte soll regelmäßig überprüft und im Quartiersrat besprochen werden.",
        "Dabei sollen die Stärken des Quartiers – Grün, kurze Wege und engagierte Einrichtungen – gezielt genutzt werden.",
    ],
    "ziel_intro": [
        "Für das Handlungsfeld „{feld}“ werden für den Zeitraum {periode} die folgenden Ziele formuliert:",
        "Gemeinsam mit dem Quartiersrat und den {akt_dat} vor Ort wurden folgende Ziele erarbeitet:",
        "Aus der Analyse leiten sich für die kommenden Jahre diese Ziele ab:",
    ],
    "projekt": [
        "Die Umsetzung liegt bei einem erfahrenen Träger aus dem Stadtteil.",
        "Erste Ergebnisse sollen {gremium} vorgestellt werden.",
        "Das Vorhaben wird von einer Steuerungsgruppe begleitet, in der auch {bew} vertreten sind.",
        "Eine Verstetigung über die Förderlaufzeit hinaus wird angestrebt.",
        "Die Planung erfolgt in enger Abstimmung mit dem Bezirksamt.",
        "Der Quartiersrat hat dem Projekt {zeit_kurz} zugestimmt.",
        "Die Ergebnisse werden in der Stadtteilzeitung und auf der Internetseite dokumentiert.",
        "{Partner} unterstützt das Vorhaben mit Räumen und Personal.",
        "Geplant sind regelmäßige Treffen, bei denen Zwischenergebnisse gemeinsam ausgewertet werden.",
        "Die Angebote sind kostenfrei und stehen allen Interessierten offen.",
        "Zur Halbzeit ist eine Auswertung mit den Beteiligten vorgesehen.",
        "Ein Teil der Aktivitäten findet {ort} statt.",
        "Auf Wunsch der {bew} wurden die Zeiten an die Bedürfnisse berufstätiger Eltern angepasst.",
        "Ehrenamtliche bringen sich mit eigenen Ideen in die Umsetzung ein.",
    ],
    "beteiligung": [
        "{Methode} fand {ort} statt und brachte zahlreiche Anregungen.",
        "Insgesamt beteiligten sich {zahl} {bew} an den Veranstaltungen des Quartiersmanagements.",
        "Das Stadtteilbüro in der Hellersdorfer Promenade 17 ist an vier Tagen in der Woche geöffnet.",
        "Die Sitzungen des Quartiersrats sind öffentlich; Gäste sind ausdrücklich willkommen.",
        "Per E-Mail und über Aushänge in den Hausfluren werden {bew} über anstehende Termine informiert.",
        "Die Aktionsfondsjury tagt mehrmals im Jahr und entscheidet über Anträge bis zu einer Höhe von 1.500 Euro.",
        "Neben den Gremien spielen informelle Gespräche {ort} eine wichtige Rolle.",
        "{Zeit} wurden die Beteiligungsformate stärker auf Familien mit kleinen Kindern ausgerichtet.",
        "Die Einladungen zu den Sitzungen werden im Schaukasten vor dem Stadtteilbüro ausgehängt.",
        "{Methode} {ort} zeigte, dass viele {bew} gern mitreden, wenn die Wege kurz sind.",
        "In der Aktionsfondsjury entscheiden ehrenamtliche Mitglieder über kleine Anträge aus der Nachbarschaft.",
        "Für Kinder und Jugendliche wurden eigene Beteiligungsformate mit spielerischen Methoden entwickelt.",
        "Die Protokolle der Quartiersratssitzungen sind im Stadtteilbüro einsehbar.",
        "Dolmetschende unterstützen bei Bedarf die Verständigung in den Veranstaltungen.",
    ],
    "allgemein": [
        "Das Quartiersmanagement versteht sich dabei als Vermittler zwischen den {bew_dat}, der Verwaltung und den Trägern.",
        "{Zeit} hat sich die Zusammenarbeit mit den Wohnungsunternehmen weiter verbessert.",
        "Die Erfahrungen aus anderen Berliner Quartieren zeigen, dass langfristige Strukturen entscheidend sind.",
        "{Partner} beteiligt sich {zeit_kurz} an mehreren Vorhaben im Quartier.",
        "Diese Einschätzung teilen auch viele {akt} aus den Einrichtungen des Gebiets.",
        "{Zeit} ist die Zahl der Kooperationen zwischen den Einrichtungen {veraenderung}.",
        "Die Abstimmung mit den Fachämtern erfolgt regelmäßig in der Steuerungsrunde.",
        "Mit den Mitteln aus dem Programm konnten zahlreiche Vorhaben angestoßen werden, die ohne Förderung nicht zustande gekommen wären.",
        "Wichtig bleibt, die Angebote auch für Menschen zu öffnen, die bisher wenig erreicht werden.",
        "Der Blick von außen, etwa durch Fachgespräche mit anderen Quartiersmanagements, hat neue Impulse gegeben.",
        "Entscheidend für den Erfolg ist die Verlässlichkeit der Angebote über mehrere Jahre.",
        "Viele Ideen entstehen im Alltag, beim Gespräch auf der Straße oder im Treppenhaus.",
        "{Partner} ist dabei ein wichtiger Ankerpunkt im Quartier.",
        "Die Zusammenarbeit mit den Fachämtern ist konstruktiv, braucht aber einen langen Atem.",
        "Kleine, sichtbare Erfolge stärken das Vertrauen in die gemeinsame Arbeit.",
        "Nicht alle Vorhaben ließen sich wie geplant umsetzen; die Gründe wurden offen besprochen.",
        "Das QM-Team ist im Stadtteilbüro persönlich, telefonisch und per E-Mail erreichbar.",
        "Die Projekte ergänzen die Regelangebote des Bezirks, ersetzen sie aber nicht.",
        "Viele {akt} engagieren sich über ihre eigentlichen Aufgaben hinaus für das Quartier.",
        "Die Rückmeldungen aus der Nachbarschaft fließen laufend in die Planung ein.",
        "Dabei spielt die Verbindung zwischen der Helle Mitte und den Wohngebieten eine besondere Rolle.",
    ],
}

# Templates only used from 2021 on (they may mention Klimaanpassung).
GENERIC_LATE: dict[str, list[str]] = {
    "allgemein": [
        "Bei allen Vorhaben wird geprüft, ob sie einen Beitrag zur Klimaanpassung leisten können.",
        "Digitale Beteiligungsformate haben sich seit der Pandemie als sinnvolle Ergänzung etabliert.",
    ],
    "bedarf": [
        "Klimaanpassung und soziale Fragen müssen dabei zusammen gedacht werden.",
    ],
}

SLOT_POOLS: dict[str, list[str]] = {
    "ort": [
        "auf der Hellersdorfer Promenade",
        "rund um die Helle Mitte",
        "im Wohngebiet an der Kastanienallee",
        "am Magdeburger Anger",
        "in den Innenhöfen",
        "im Umfeld der Grundschulen",
        "am Alice-Salomon-Platz",
        "im Stadtteilzentrum",
        "vor dem Stadtteilbüro",
        "an der Stendaler Straße",
        "in der Nähe des U-Bahnhofs Hellersdorf",
        "auf dem Quartiersplatz",
    ],
    "partner": [
        "das Stadtteilzentrum",
        "die Grundschule an der Promenade",
        "das Familienzentrum „Helle Oase“",
        "der Nachbarschaftsverein",
        "die Jugendfreizeiteinrichtung „Lichtblick“",
        "die Stadtteilbibliothek",
        "die kommunale Wohnungsbaugesellschaft",
        "der Mieterbeirat der Kastanienallee",
        "die Begegnungsstätte für Seniorinnen und Senioren",
        "die Kita „Sonnenblume“",
    ],
    "zeit": [
        "im Berichtszeitraum",
        "in den vergangenen Jahren",
        "seit dem Jahr {jahr}",
        "im Frühjahr {jahr}",
        "zuletzt",
        "im Verlauf des Jahres {jahr}",
    ],
    "zeit_kurz": ["im Jahr {jahr}", "im Herbst {jahr}", "im Frühjahr {jahr}", "zuletzt im {monat} {jahr}"],
    "gremium": [
        "im Quartiersrat",
        "in der Aktionsfondsjury",
        "auf der Stadtteilkonferenz",
        "in der Steuerungsrunde mit dem Bezirksamt",
        "im Bildungsnetzwerk",
        "bei einem Runden Tisch",
    ],
    "monat": ["Januar", "Februar", "März", "April", "Mai", "Juni", "September", "Oktober", "November"],
    "anteil": ["knapp ein Drittel", "rund die Hälfte", "etwa ein Viertel", "mehr als die Hälfte", "gut ein Fünftel"],
    "vergleich": [
        "deutlich ungünstiger",
        "leicht über dem Durchschnitt",
        "auf ähnlichem Niveau",
        "spürbar unter dem Durchschnitt",
    ],
    "veraenderung": ["deutlich gestiegen", "stetig gewachsen", "spürbar größer geworden"],
    "methode": [
        "eine aktivierende Befragung",
        "ein Kiezspaziergang",
        "eine Zukunftswerkstatt",
        "ein offenes Stadtteilforum",
        "eine Ideenwerkstatt für Kinder",
        "ein Beteiligungsstand auf dem Wochenmarkt",
    ],
    "zahl": ["mehr als 200", "rund 350", "über 400", "knapp 150", "etwa 250"],
    "thema": ["Zusammenleben", "Nachbarschaft", "Wohnumfeld", "Mitwirkung", "Angebote für Familien"],
}

LEITBILD = (
    "Die Hellersdorfer Promenade ist ein städtisches Wohnquartier im Grünen. Kultur, Bildung und eine gut "
    "erreichbare Infrastruktur machen es attraktiv für alle Generationen. Gute Nachbarschaft und die "
    "Kooperation der Einrichtungen prägen das Zusammenleben. Das Quartier ist zukunftsfähig, tolerant und lebendig."
)

AREA_FACTS = [
    "Das Quartier liegt im Bezirk Marzahn-Hellersdorf und ist Teil der Großsiedlung Hellersdorf, die in den "
    "1980er-Jahren in industrieller Plattenbauweise errichtet wurde.",
    "Seit der Erweiterung im Jahr 2009 umfasst das Gebiet rund 73 Hektar mit etwa 5.500 Wohnungen.",
    "Zum Gebiet gehören das Zentrum Helle Mitte mit dem U-Bahnhof Hellersdorf sowie das Wohngebiet an der "
    "Kastanienallee und am Magdeburger Anger.",
    "Das Stadtteilbüro des Quartiersmanagements befindet sich in der Hellersdorfer Promenade 17.",
    "Die Wohnungen gehören überwiegend kommunalen Wohnungsbaugesellschaften und Genossenschaften.",
]

ABBREVIATIONS = [
    ("AFJ", "Aktionsfondsjury"),
    ("BA", "Bezirksamt"),
    ("BVV", "Bezirksverordnetenversammlung"),
    ("IHEK", "Integriertes Handlungs- und Entwicklungskonzept"),
    ("LOR", "Lebensweltlich orientierte Räume"),
    ("MSS", "Monitoring Soziale Stadtentwicklung"),
    ("QM", "Quartiersmanagement"),
    ("QR", "Quartiersrat"),
    ("U3", "Kinder unter drei Jahren"),
    ("WBS 70", "Wohnungsbauserie 70 (Plattenbautyp)"),
]

FUND_TEXTS = [
    (
        "Aktionsfonds",
        "rund 10.000 Euro im Jahr für kleine, schnell umsetzbare Vorhaben von {bew_dat}; "
        "über die Vergabe entscheidet die Aktionsfondsjury.",
    ),
    ("Projektfonds", "Projekte ab 5.000 Euro, die vom Quartiersrat ausgewählt und von Trägern umgesetzt werden."),
    ("Baufonds", "bauliche Vorhaben ab 50.000 Euro, etwa die Sanierung von Spielplätzen oder Plätzen."),
    ("Netzwerkfonds", "gebietsübergreifende Vorhaben zur Vernetzung von Einrichtungen und Partnern."),
]

# --------------------------------------------------------------------------
# Document-specific paragraphs (intro, foreword, anchor paragraphs).
# Keys of "extra" name the theme after whose project section a paragraph is added.
# --------------------------------------------------------------------------
DOC_TEXTS: dict[str, dict] = {
    "muster-ihek-2010": {
        "vorwort": [
            "Mit dem vorliegenden Konzept schreibt das Quartiersmanagement seine Arbeit für das Jahr 2010 fort. "
            "Nach der Erweiterung des Gebiets im Jahr 2009 galt es, die neu hinzugekommenen Wohnblöcke an der "
            "Kastanienallee in die bestehenden Netzwerke einzubinden.",
            "Allen Bewohnerinnen und Bewohnern, die sich im Quartiersrat, in der Aktionsfondsjury oder bei Festen "
            "engagiert haben, gilt unser herzlicher Dank.",
        ],
        "einleitung": [
            "Das Integrierte Handlungs- und Entwicklungskonzept beschreibt die Ausgangslage im Quartier, benennt "
            "die wichtigsten Handlungsbedarfe und legt fest, welche Ziele mit den Mitteln des Programms Soziale "
            "Stadt verfolgt werden. Es wird jährlich gemeinsam mit dem Quartiersrat fortgeschrieben.",
        ],
        "extra": {
            "nachbarschaft": "In der Kastanienallee hat sich seit dem letzten Herbst eine monatliche "
            "Mieterbeiratssprechstunde etabliert, in "
            "der Anliegen zu Hausordnung, Reparaturen und Hofgestaltung gesammelt und gebündelt an "
            "die Wohnungsbaugesellschaft weitergegeben werden. Ein Hofflohmarkt im Mai brachte "
            "erstmals mehrere Hausgemeinschaften zusammen.",
            "raum": "Für den Bolzplatz am Magdeburger Anger haben Jugendliche gemeinsam mit dem Grünflächenamt eine "
            "Bolzplatzordnung erarbeitet, die Ruhezeiten und die Nutzung am Wochenende regelt.",
        },
    },
    "muster-ihek-2013-2014": {
        "vorwort": [
            "Das Konzept für die Jahre 2013 und 2014 entstand in enger Abstimmung mit dem benachbarten "
            "Quartiersmanagement Mehrower Allee; beide Konzepte wurden dem Bezirksamt gemeinsam vorgelegt.",
            "Erstmals gilt ein Konzept für zwei Jahre. Das gibt den Projekten mehr Planungssicherheit und den "
            "BewohnerInnen mehr Zeit, sich einzubringen.",
        ],
        "einleitung": [
            "Das vorliegende IHEK schreibt die Konzepte der Vorjahre fort und orientiert sich erstmals an den fünf "
            "Handlungsfeldern, die für alle Berliner Quartiersmanagement-Gebiete gelten.",
        ],
        "extra": {
            "arbeit": "Um leerstehende Läden gezielt vermitteln zu können, wird derzeit ein "
            "Ladenleerstandskataster aufgebaut, das "
            "Größe, Zustand und Mietkonditionen der freien Gewerbeflächen an der Promenade erfasst.",
            "bildung": "Ein neues Angebot sind Hausaufgabenpatenschaften, bei denen Studierende der nahen Hochschule "
            "einzelne Kinder über ein Schuljahr begleiten.",
        },
    },
    "muster-ihek-2017-2018": {
        "vorwort": [
            "Die Fortschreibung für die Jahre 2017 und 2018 wurde öffentlich vorgestellt und in mehreren Runden "
            "mit dem Quartiersrat diskutiert. Die Projekte werden aus dem Programm Soziale Stadt finanziert.",
            "Unser Dank gilt allen Bewohner*innen und Akteur*innen, deren Einfluss auf dieses Konzept deutlich "
            "sichtbar ist.",
        ],
        "einleitung": [
            "Das IHEK ist das zentrale Steuerungsinstrument des Quartiersmanagements. Es wird alle zwei Jahre "
            "überprüft und fortgeschrieben; die Maßnahmen werden vom Quartiersrat ausgewählt und aus den Fonds "
            "des Programms finanziert.",
        ],
        "extra": {
            "nachbarschaft": "Eine kleine, von Ehrenamtlichen betriebene und sehr gut besuchte "
            "Fahrradselbsthilfewerkstatt im Keller eines Wohnhauses hat sich zu einem "
            "beliebten Treffpunkt entwickelt. Beim Kiezflohmarkt im Herbst kamen über hundert "
            "Stände zusammen; der Einfluss der Nachbarschaft auf die Planung war groß.",
            "raum": "Die Spielplatzsanierung an der Kastanienallee ist vollständig finanziert und beginnt im "
            "Frühjahr; die öffentliche Vorstellung der Pläne fand im Stadtteilzentrum statt.",
        },
    },
    "muster-ihek-2019-2021": {
        "vorwort": [
            "Mit diesem Konzept gilt erstmals ein Planungszeitraum von drei Jahren. Die Fortschreibung entstand in "
            "Werkstätten mit Bewohner*innen, Akteur*innen aus den Einrichtungen und der Verwaltung.",
            "Wir danken allen, die ihre Zukunftsvisionen für das Quartier mit uns geteilt haben.",
        ],
        "einleitung": [
            "Das IHEK 2019–2021 beschreibt die Ausgangslage, die Handlungsbedarfe und die Ziele für die fünf "
            "Handlungsfelder. Es bildet die Grundlage für die Auswahl der Projekte durch den Quartiersrat.",
        ],
        "extra": {
            "nachbarschaft": "Als im Frühjahr 2020 viele Treffpunkte schließen mussten, richteten Ehrenamtliche ein "
            "Nachbarschaftshilfetelefon ein, über das Einkäufe und Botengänge vermittelt wurden. "
            "Balkonkonzerte in den Innenhöfen sorgten für Abwechslung.",
            "beteiligung": "Die Quartiersratswahl wurde wegen der Kontaktbeschränkungen verschoben und schließlich "
            "mit Briefwahl und einem Wahlstand im Freien durchgeführt.",
        },
    },
    "muster-ihek-2022-2024": {
        "vorwort": [
            "Das IHEK 2022–2024 wurde im Frühjahr 2022 öffentlich vorgestellt. Neu ist der Zuschnitt der "
            "Handlungsfelder und das Querschnittsthema Klimaanpassung, das alle Felder berührt.",
            "Die Fortschreibung entstand mit Bewohner:innen, Akteur:innen und der Verwaltung in digitalen und "
            "analogen Werkstätten.",
        ],
        "einleitung": [
            "Mit dem Programm Sozialer Zusammenhalt haben sich die Schwerpunkte verschoben: Gesundheit und "
            "Bewegung sind ein eigenes Handlungsfeld, und Klimaanpassung wird als Querschnittsthema in allen "
            "Projekten mitgedacht.",
        ],
        "extra": {
            "klima": "Mit den Hitzeschutzpatenschaften erproben Nachbar:innen eine einfache Form gegenseitiger "
            "Unterstützung an heißen Tagen. Seit dem Sommer erleichtert ein Lastenradverleih im "
            "Stadtteilzentrum den Transport von Gießwasser und Pflanzen.",
            "gesundheit": "Der Bewegungsparcours soll so gestaltet werden, dass auch Menschen mit Rollator die "
            "Geräte nutzen können.",
        },
    },
    "muster-abschlussplan-2024": {
        "vorwort": [
            "Das Quartiersverfahren Hellersdorfer Promenade endet am 31.12.2027. Dieser Abschlussplan beschreibt, "
            "wie die erreichten Strukturen bis dahin gesichert und an neue Verantwortliche übergeben werden.",
            "Er wurde von März bis November 2024 gemeinsam mit dem Quartiersrat, den Akteur*innen und dem "
            "Bezirksamt erarbeitet.",
        ],
        "einleitung": [
            "Der Abschlussplan ersetzt für die letzten Jahre des Verfahrens das IHEK. Im Mittelpunkt steht die "
            "Verstetigungsstrategie: Welche Angebote sollen bleiben, wer übernimmt Verantwortung, und welche "
            "Ressourcen stehen nach dem Ende der Förderung zur Verfügung?",
        ],
        "extra": {
            "klima": "Für die Höfe an der Kastanienallee wurde ein gemeinsames Konzept zur "
            "Regenwasserbewirtschaftung "
            "erarbeitet, das die Wohnungsbaugesellschaft nach Ende der Förderung weiterführt.",
            "beteiligung": "Für jede Einrichtung wird eine schriftliche Verantwortungsübergabe vereinbart, die "
            "Ansprechpersonen, Räume und Finanzierung festhält.",
        },
    },
    "muster-broschuere-sozialer-zusammenhalt": {
        "vorwort": [
            "Zusammenleben im Quartier gemeinsam gestalten: Unter diesem Motto fördern Bund und Länder seit 2020 "
            "Stadtteile mit besonderem Entwicklungsbedarf. Diese Broschüre zeigt am Beispiel der Hellersdorfer "
            "Promenade, was das Programm vor Ort bewirkt.",
        ],
        "einleitung": [],
        "extra": {},
    },
}

# Milestones for the Abschlussplan (year, event); invented wording, public facts only.
MILESTONES = [
    ("2005", "Start des Quartiersmanagements Hellersdorfer Promenade"),
    ("2006", "Erster Quartiersrat gewählt; Aktionsfondsjury gegründet"),
    ("2009", "Erweiterung des Gebiets auf rund 73 Hektar"),
    ("2013", "Gemeinsames IHEK mit dem Nachbargebiet Mehrower Allee"),
    ("2014", "Quartiersratswahl mit neuem Wahlverfahren"),
    ("2019", "Erstes IHEK mit dreijähriger Laufzeit"),
    ("2020", "Umbenennung des Programms in „Sozialer Zusammenhalt“"),
    ("2022", "Neue Handlungsfelder und Querschnittsthema Klimaanpassung"),
    ("2024", "Erarbeitung des Abschlussplans"),
    ("2027", "Ende des Quartiersverfahrens am 31.12.2027"),
]

HANDOVER = [
    ("Quartiersrat", "Stadtteilkonferenz und Bewohnerschaft", "2027"),
    ("Aktionsfonds", "Bezirklicher Kiezfonds", "2026"),
    ("Stadtteilzeitung", "Nachbarschaftsverein (ehrenamtlich)", "2026"),
    ("Bildungsnetzwerk", "Jugendamt, Sozialraumkoordination", "2025"),
    ("Gemeinschaftsgarten", "Gartengruppe mit Unterstützung der Wohnungsbaugesellschaft", "2025"),
    ("Stadtteilfest", "Stadtteilzentrum", "2026"),
    ("Hitzeschutzpatenschaften", "Familienzentrum und Nachbarschaftsverein", "2027"),
    ("Stadtteilbüro", "Stadtteilzentrum als Anlaufstelle", "2027"),
]

BROCHURE_SECTIONS: list[tuple[str, list[str]]] = [
    (
        "Was ist Sozialer Zusammenhalt?",
        [
            "Das Programm Sozialer Zusammenhalt ist Teil der Städtebauförderung. Es unterstützt Stadtteile, in denen "
            "sich soziale Probleme bündeln, und verbindet bauliche Investitionen mit Angeboten für die Nachbarschaft.",
            "In Berlin wird das Programm vor allem über das Quartiersmanagement umgesetzt. Vor Ort arbeitet ein Team, "
            "das Nachbar:innen, Einrichtungen und Verwaltung zusammenbringt.",
            "Wichtig ist die Beteiligung: Bewohner:innen entscheiden im Quartiersrat und in der Aktionsfondsjury mit, "
            "welche Projekte gefördert werden.",
        ],
    ),
    (
        "Das Quartier Hellersdorfer Promenade",
        [
            "Rund um die Promenade leben etwa 10.300 Einwohner:innen in rund 5.500 Wohnungen. Das Gebiet ist 73 "
            "Hektar groß und reicht von der Helle Mitte bis zum Magdeburger Anger.",
            "Die Häuser wurden in den 1980er-Jahren gebaut. Viele Menschen wohnen seit Jahrzehnten hier, viele sind "
            "erst in den letzten Jahren zugezogen.",
        ],
    ),
    (
        "Fünf Handlungsfelder und ein Querschnittsthema",
        [
            "Die Arbeit des Quartiersmanagements ist in fünf Handlungsfelder gegliedert: Integration und "
            "Nachbarschaft, Bildung, Öffentlicher Raum, Gesundheit und Bewegung sowie Beteiligung, Vernetzung und "
            "Kooperation von Partnern.",
            "Hinzu kommt das Querschnittsthema Klimaanpassung: Schatten, Wasser und Grün werden bei allen Vorhaben "
            "mitgedacht.",
        ],
    ),
    (
        "Mitmachen: Quartiersrat und Aktionsfonds",
        [
            "Im Quartiersrat beraten Nachbar:innen und Vertreter:innen der Einrichtungen über die Projekte im Gebiet. "
            "Die Sitzungen sind öffentlich.",
            "Mit dem Aktionsfonds können Nachbar:innen eigene kleine Ideen umsetzen – vom Hoffest bis zur "
            "Bastelaktion. Ein kurzer Antrag genügt.",
        ],
    ),
    (
        "Beispiele aus der Praxis",
        [
            "Beim Gemeinschaftsgarten am Magdeburger Anger gärtnern Familien, ältere Menschen und Kita-Gruppen "
            "gemeinsam. Die Hochbeete wurden aus dem Projektfonds finanziert.",
            "Der Leseclub an der Promenade öffnet zweimal in der Woche. Ehrenamtliche lesen vor, Kinder schreiben "
            "eigene Geschichten.",
            "Quartiersgießkannen stehen an heißen Tagen am Stadtteilbüro bereit; wer mag, gießt die Straßenbäume "
            "vor der eigenen Haustür.",
        ],
    ),
    (
        "Kontakt",
        [
            "Quartiersmanagement Hellersdorfer Promenade, Stadtteilbüro, Hellersdorfer Promenade 17, 12627 Berlin. "
            "Telefon und E-Mail-Adresse sind in diesem Muster bewusst nicht angegeben.",
        ],
    ),
]
