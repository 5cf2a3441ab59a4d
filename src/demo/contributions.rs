//! What the consultation's participants handed in at the Regionalkonferenzen, in their own
//! words (municipalities, chambers, migrant organisations, welfare associations, schools,
//! Kitas …), in every review status, and the ministry's considered response (Abwägung) to
//! those it decided on. Their numbers (ITK-0001 …) follow this list.

use crate::domain::submission::Consideration::{
    Considered, NotConsidered, Noted, PartlyConsidered,
};
use crate::domain::submission::SubmissionKind::{ActionApproach, Need, Statement};
use crate::domain::submission::SubmissionStatus::{
    Accepted, InReview, Merged, Rejected, Submitted, Withdrawn,
};
use crate::domain::submission::{Consideration, SubmissionKind, SubmissionStatus};

/// A submission of the example consultation.
pub(super) struct Contribution {
    /// Index into the rounds.
    pub(super) round: usize,
    /// Index into the organisations.
    pub(super) organisation: usize,
    pub(super) kind: SubmissionKind,
    pub(super) topic: &'static str,
    pub(super) title: &'static str,
    pub(super) body: &'static str,
    pub(super) status: SubmissionStatus,
    /// The need an action approach answers, or the submission a merged one duplicates
    /// (index into this list).
    pub(super) link: Option<usize>,
    /// Why it was rejected.
    pub(super) reason: Option<&'static str>,
    /// The ministry's considered response.
    pub(super) response: Option<(Consideration, &'static str)>,
}

/// What a contribution has until the ministry decides on it: no link, no reason, no
/// response; the other fields are for each to give.
const UNDECIDED: Contribution = Contribution {
    round: 0,
    organisation: 0,
    kind: Need,
    topic: "",
    title: "",
    body: "",
    status: Submitted,
    link: None,
    reason: None,
    response: None,
};

pub(super) const CONTRIBUTIONS: &[Contribution] = &[
    Contribution {
        round: 1,
        organisation: 2,
        kind: Need,
        topic: "sprache",
        title: "Sprachkurse mit Kinderbetreuung",
        body: "Viele Mütter in unseren Mitgliedsvereinen können keinen Integrationskurs besuchen, weil es für ihre Kinder keine Betreuung gibt. Wir brauchen Kurse, bei denen die Kinder im selben Haus betreut werden.",
        status: Accepted,
        response: Some((
            Considered,
            "Aufgenommen in das Handlungsfeld Sprache: Das Land fördert Kurse mit paralleler Kinderbetreuung vorrangig.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 1,
        kind: ActionApproach,
        topic: "sprache",
        title: "Berufsbegleitende Deutschkurse in Betrieben mit Kita-Kooperation",
        body: "Die IHK Halle-Dessau bietet an, mit Mitgliedsbetrieben Deutschkurse in der Arbeitszeit zu organisieren; Kitas in Betriebsnähe übernehmen in dieser Zeit die Betreuung.",
        status: Accepted,
        link: Some(0),
        response: Some((
            PartlyConsidered,
            "Aufgenommen als Modellprojekt in zwei Regionen; eine landesweite Förderung prüfen wir nach der Auswertung.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 4,
        kind: Need,
        topic: "arbeitsmarkt",
        title: "Schnellere Anerkennung ausländischer Abschlüsse",
        body: "Unsere Kundinnen und Kunden warten oft mehr als ein Jahr auf die Anerkennung ihres Abschlusses und arbeiten so lange als Hilfskräfte. Das Verfahren muss kürzer werden.",
        status: Accepted,
        response: Some((
            Considered,
            "Aufgenommen: Das Konzept sieht eine zentrale Anerkennungsstelle des Landes mit festen Bearbeitungsfristen vor.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 6,
        kind: Need,
        topic: "beratung",
        title: "Unbürokratische Beratung in Herkunftssprachen",
        body: "In der Altmark fehlt Beratung in Arabisch, Dari und Russisch. Wer neu ankommt, muss für jede Frage nach Stendal fahren und findet dort oft niemanden, der die eigene Sprache spricht.",
        status: InReview,
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 3,
        kind: Need,
        topic: "wohnen",
        title: "Bezahlbarer Wohnraum für große Familien",
        body: "In Halle finden Familien mit vier und mehr Kindern kaum eine Wohnung, die das Jobcenter als angemessen anerkennt. Viele bleiben deshalb monatelang in der Gemeinschaftsunterkunft.",
        status: Submitted,
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 0,
        kind: ActionApproach,
        topic: "arbeitsmarkt",
        title: "Anerkennungslotsen in den Kommunen",
        body: "Die Landeshauptstadt schlägt Anerkennungslotsinnen und -lotsen in jeder kreisfreien Stadt und jedem Landkreis vor, die Antragstellende vom ersten Gespräch bis zum Bescheid begleiten.",
        status: Submitted,
        link: Some(2),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 9,
        kind: Need,
        topic: "sprache",
        title: "Sprachkurse am Abend für Berufstätige",
        body: "Unsere Mitglieder arbeiten tagsüber, viele im Schichtdienst. Deutschkurse gibt es in Dessau fast nur vormittags.",
        status: Accepted,
        response: Some((
            Considered,
            "Aufgenommen: Kursträger erhalten einen Zuschlag für Kurse ab 17 Uhr und am Wochenende.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 0,
        kind: ActionApproach,
        topic: "sprache",
        title: "Abendkurse an Volkshochschulen mit Landesförderung",
        body: "Die Volkshochschulen der Kommunen können Abendkurse anbieten, wenn das Land die höheren Kosten für kleine Gruppen trägt.",
        status: Accepted,
        link: Some(6),
        response: Some((
            Considered,
            "Aufgenommen zusammen mit dem Bedarf der Abendkurse; die Förderrichtlinie wird angepasst.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 8,
        kind: Need,
        topic: "sprache",
        title: "Sprachmittlung bei Behördengängen",
        body: "Ehrenamtliche unserer Initiative begleiten fast jede Woche Geflüchtete zur Ausländerbehörde, weil dort niemand übersetzt. Das kann nicht dauerhaft am Ehrenamt hängen.",
        status: Accepted,
        response: Some((
            PartlyConsidered,
            "Teilweise aufgenommen: Ein Dolmetschpool per Video für die Ausländerbehörden wird aufgebaut; vor Ort bleibt es bei ehrenamtlicher Begleitung.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 12,
        kind: ActionApproach,
        topic: "sprache",
        title: "Pool ehrenamtlicher Sprachmittlerinnen und Sprachmittler",
        body: "Viele Seniorinnen und Senioren mit Sprachkenntnissen würden sich als Sprachmittler engagieren, wenn es Schulung, Versicherung und eine Vermittlungsstelle gäbe.",
        status: InReview,
        link: Some(8),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 11,
        kind: Need,
        topic: "sprache",
        title: "Mehr Abendsprachkurse",
        body: "Eltern unserer Kita fragen immer wieder nach Deutschkursen nach Feierabend, wenn die Kinder abgeholt sind.",
        status: Merged,
        link: Some(6),
        response: Some((
            Noted,
            "Zusammengeführt mit dem gleichlautenden Bedarf aus Dessau (ITK-0007).",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 4,
        kind: Need,
        topic: "arbeitsmarkt",
        title: "Praktika für Geflüchtete in kleinen Betrieben",
        body: "Kleine Handwerksbetriebe im Landkreis Stendal würden Geflüchtete gern kennenlernen, scheuen aber den Aufwand. Ein Praktikum ist für beide Seiten der beste Einstieg.",
        status: Accepted,
        response: Some((Considered, "Aufgenommen in das Handlungsfeld Arbeitsmarkt.")),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 1,
        kind: ActionApproach,
        topic: "arbeitsmarkt",
        title: "Praktikumsbörse der Kammern",
        body: "Die Kammern führen eine gemeinsame Börse, in der Betriebe Praktikumsplätze melden und Jobcenter passende Bewerberinnen und Bewerber vorschlagen.",
        status: Accepted,
        link: Some(11),
        response: Some((
            Considered,
            "Aufgenommen; die Kammern übernehmen den Aufbau, das Land fördert die ersten zwei Jahre.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 15,
        kind: Need,
        topic: "arbeitsmarkt",
        title: "Arbeitserlaubnis schneller erteilen",
        body: "Wir haben Bewerber für Ausbildungsplätze, die Wochen auf die Beschäftigungserlaubnis warten. In der Zeit ist der Platz oft anders vergeben.",
        status: Rejected,
        reason: Some("Bundesrecht; nicht Gegenstand des Landeskonzepts"),
        response: Some((
            NotConsidered,
            "Nicht berücksichtigt: Die Beschäftigungserlaubnis regelt der Bund. Das Land setzt sich im Bundesrat für kürzere Fristen ein.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 8,
        kind: Need,
        topic: "arbeitsmarkt",
        title: "Mentoring für Berufseinsteigerinnen",
        body: "Junge Frauen, die in Halle-Neustadt eine Ausbildung beginnen, brechen sie oft im ersten Jahr ab. Eine feste Ansprechpartnerin im Beruf würde helfen.",
        status: Submitted,
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 10,
        kind: Need,
        topic: "qualifizierung",
        title: "Teilqualifizierungen anerkennen",
        body: "Viele unserer Schülerinnen und Schüler bringen Berufserfahrung mit, aber keinen Abschluss. Einzelne Module müssen zertifiziert und später zu einem Berufsabschluss zusammengeführt werden können.",
        status: Accepted,
        response: Some((
            PartlyConsidered,
            "Teilweise aufgenommen: Das Land unterstützt zertifizierte Teilqualifizierungen; die Anerkennung als Berufsabschluss liegt bei den Kammern.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 1,
        kind: ActionApproach,
        topic: "qualifizierung",
        title: "Modulare Nachqualifizierung mit Kammerzertifikat",
        body: "Die IHK bietet an, Teilqualifizierungen nach bundeseinheitlichen Standards zu prüfen und mit einem Kammerzertifikat zu bestätigen.",
        status: Submitted,
        link: Some(15),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 10,
        kind: Need,
        topic: "qualifizierung",
        title: "Berufsschulplätze für Jugendliche über 18",
        body: "Wer mit 19 ankommt, ist nicht mehr schulpflichtig und findet bei uns keinen Platz, obwohl er dringend Deutsch und einen Abschluss braucht.",
        status: InReview,
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 3,
        kind: Need,
        topic: "beratung",
        title: "Migrationsberatung im ländlichen Raum",
        body: "Unsere Beratungsstellen sind in den Städten. Wer im Saalekreis auf dem Dorf wohnt, kommt ohne Auto kaum zu uns.",
        status: Accepted,
        response: Some((Considered, "Aufgenommen in das Handlungsfeld Beratung.")),
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 6,
        kind: ActionApproach,
        topic: "beratung",
        title: "Mobile Beratungsteams in den Landkreisen",
        body: "Die Koordinierungsstelle schlägt Beratungsteams vor, die an festen Tagen in Gemeindezentren und Rathäusern der Landkreise sprechen.",
        status: Accepted,
        link: Some(18),
        response: Some((
            Considered,
            "Aufgenommen; zwei mobile Teams starten im Landkreis Stendal und im Saalekreis.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 7,
        kind: Need,
        topic: "beratung",
        title: "Beratung zu Familiennachzug",
        body: "Beim Familiennachzug sind die Betroffenen auf sich gestellt; die Verfahren sind kaum zu verstehen.",
        status: Withdrawn,
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 13,
        kind: Need,
        topic: "beratung",
        title: "Digitale Beratungsangebote in Herkunftssprachen",
        body: "Jüngere Zugewanderte informieren sich fast nur am Smartphone. Wir brauchen Beratung per Chat und Video in den wichtigsten Sprachen.",
        status: Accepted,
        response: Some((
            Considered,
            "Aufgenommen; das Land prüft den Anschluss an bestehende Angebote des Bundes.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 8,
        kind: Need,
        topic: "wohnen",
        title: "Dezentrale Unterbringung statt Sammelunterkünften",
        body: "In den großen Unterkünften gibt es kaum Ruhe zum Lernen und keine Nachbarschaft. Eigene Wohnungen erleichtern das Ankommen.",
        status: Accepted,
        response: Some((
            PartlyConsidered,
            "Teilweise aufgenommen: Die Unterbringung entscheiden die Kommunen; das Land empfiehlt die dezentrale Unterbringung nach drei Monaten.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 0,
        kind: ActionApproach,
        topic: "wohnen",
        title: "Kommunale Wohnraumvermittlung für Geflüchtete",
        body: "Die Landeshauptstadt vermittelt seit zwei Jahren Wohnungen zwischen Wohnungsgesellschaften und Geflüchteten; das Modell lässt sich auf andere Kommunen übertragen.",
        status: InReview,
        link: Some(22),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 14,
        kind: Need,
        topic: "wohnen",
        title: "Begegnungsorte in den Stadtteilen",
        body: "Alteingesessene und Zugezogene begegnen sich kaum. Es fehlen Räume, in denen man sich ohne Anlass treffen kann.",
        status: Accepted,
        response: Some((
            Considered,
            "Aufgenommen in das Handlungsfeld Wohnen und Zusammenleben.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 9,
        kind: ActionApproach,
        topic: "wohnen",
        title: "Stadtteilcafés mit Integrationslotsen",
        body: "Unser Verein betreibt in Dessau-Nord ein Café, in dem an zwei Nachmittagen Integrationslotsinnen Fragen beantworten. Wir schlagen vor, solche Cafés in weiteren Stadtteilen zu fördern.",
        status: Accepted,
        link: Some(24),
        response: Some((
            Considered,
            "Aufgenommen; die Förderung erfolgt über das Landesprogramm für Integrationslotsen.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 12,
        kind: Statement,
        topic: "wohnen",
        title: "Stellungnahme der Seniorenvertretung zum Zusammenleben",
        body: "Die Landesseniorenvertretung begrüßt den Beteiligungsprozess. Ältere Menschen sollen als Patinnen und Paten und in der Nachbarschaftshilfe ausdrücklich angesprochen werden.",
        status: Submitted,
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 11,
        kind: Need,
        topic: "kita-schule",
        title: "Kita-Plätze für Kinder in Integrationskursen",
        body: "Eltern, die einen Integrationskurs besuchen, stehen auf unserer Warteliste hinten, weil sie nicht erwerbstätig sind. Der Kurs sollte wie eine Arbeit zählen.",
        status: Accepted,
        response: Some((
            Considered,
            "Aufgenommen: Der Besuch eines Integrationskurses wird bei der Platzvergabe wie eine Erwerbstätigkeit berücksichtigt.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 3,
        kind: ActionApproach,
        topic: "kita-schule",
        title: "Kinderbetreuung parallel zu Sprachkursen",
        body: "Die Caritas bietet an, in ihren Kursräumen eine Kinderbetreuung durch Fachkräfte einzurichten, wenn die Kosten pro Kursstunde gefördert werden.",
        status: Accepted,
        link: Some(27),
        response: Some((
            PartlyConsidered,
            "Teilweise aufgenommen: Förderung zunächst an den Standorten mit den längsten Wartelisten.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 10,
        kind: Need,
        topic: "kita-schule",
        title: "Sprachförderung in der Schuleingangsphase",
        body: "Kinder, die ohne Deutschkenntnisse eingeschult werden, brauchen in den ersten zwei Schuljahren zusätzliche Stunden Deutsch als Zweitsprache.",
        status: Accepted,
        response: Some((
            Considered,
            "Aufgenommen in das Handlungsfeld Kita und Schule.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 11,
        kind: Need,
        topic: "kita-schule",
        title: "Elternarbeit mit Dolmetschenden",
        body: "Elterngespräche in der Kita scheitern oft an der Sprache. Wir brauchen Dolmetschende, die wir kurzfristig und kostenlos anfragen können.",
        status: InReview,
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 2,
        kind: ActionApproach,
        topic: "kita-schule",
        title: "Elternlotsinnen aus Migrantenorganisationen",
        body: "Das Landesnetzwerk schlägt vor, Frauen aus den Migrantenorganisationen als Elternlotsinnen zu schulen, die Familien zu Elterngesprächen begleiten.",
        status: Submitted,
        link: Some(30),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 15,
        kind: Need,
        topic: "arbeitsmarkt",
        title: "Betriebliche Sprachkurse am Arbeitsplatz",
        body: "Unsere neuen Kollegen aus Syrien und Eritrea lernen Fachsprache am besten im Betrieb. Wir wünschen uns Kurse direkt am Arbeitsplatz.",
        status: Rejected,
        reason: Some("Bereits durch das Programm der Bundesagentur abgedeckt"),
        response: Some((
            NotConsidered,
            "Nicht berücksichtigt: Berufsbezogene Sprachkurse fördert bereits der Bund; wir verweisen auf die Beratung der Agentur für Arbeit.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 5,
        kind: Statement,
        topic: "beratung",
        title: "Stellungnahme des Netzwerks Integration Dessau-Roßlau",
        body: "Das Netzwerk bittet darum, die kommunalen Integrationsnetzwerke im Konzept als feste Partner der Beratung zu nennen und ihre Koordination dauerhaft zu finanzieren.",
        status: Accepted,
        response: Some((
            PartlyConsidered,
            "Teilweise aufgenommen: Die Netzwerke werden als Partner genannt; über die Finanzierung entscheidet der Haushaltsgesetzgeber.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 7,
        kind: Need,
        topic: "qualifizierung",
        title: "Anerkennungsberatung für Pflegekräfte",
        body: "Im Landkreis Harz fehlen Pflegekräfte, während ausgebildete Pflegerinnen aus dem Ausland als Hilfskräfte arbeiten. Sie brauchen Beratung zur Anerkennung und zu Anpassungslehrgängen.",
        status: Accepted,
        response: Some((
            Considered,
            "Aufgenommen in das Handlungsfeld Bildung und Qualifizierung.",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 4,
        kind: ActionApproach,
        topic: "qualifizierung",
        title: "Anpassungslehrgänge Pflege an Landesschulen",
        body: "Anpassungslehrgänge für Pflegekräfte könnten an den Pflegeschulen des Landes angeboten werden.",
        status: Withdrawn,
        link: Some(34),
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 9,
        kind: Need,
        topic: "wohnen",
        title: "Treffpunkte für Frauen",
        body: "Frauen aus unseren Kursen wünschen sich einen geschützten Ort, an dem sie sich austauschen und beraten lassen können.",
        status: Submitted,
        ..UNDECIDED
    },
    Contribution {
        round: 2,
        organisation: 6,
        kind: Need,
        topic: "beratung",
        title: "Migrationsberatung auf dem Land",
        body: "Die Dörfer der Altmark sind von den Beratungsstellen zu weit entfernt.",
        status: Merged,
        link: Some(18),
        response: Some((
            Noted,
            "Zusammengeführt mit dem Bedarf Migrationsberatung im ländlichen Raum (ITK-0019).",
        )),
        ..UNDECIDED
    },
    Contribution {
        round: 1,
        organisation: 13,
        kind: Need,
        topic: "sprache",
        title: "Alphabetisierungskurse",
        body: "Ein Teil der Zugewanderten hat nie lesen und schreiben gelernt. Für sie sind die regulären Kurse zu schnell; es braucht eigene Alphabetisierungskurse mit kleinen Gruppen.",
        status: Accepted,
        response: Some((Considered, "Aufgenommen in das Handlungsfeld Sprache.")),
        ..UNDECIDED
    },
    Contribution {
        round: 3,
        organisation: 12,
        kind: Need,
        topic: "kita-schule",
        title: "Interkulturelle Fortbildung für Lehrkräfte",
        body: "Unter unseren Mitgliedern sind viele ehemalige Lehrkräfte. Sie berichten, dass Schulen auf mehrsprachige Klassen kaum vorbereitet sind, und bieten an, Fortbildungen mitzugestalten.",
        status: Accepted,
        response: Some((
            Considered,
            "Aufgenommen; das Landesinstitut für Schulqualität nimmt interkulturelle Fortbildungen in sein Programm auf.",
        )),
        ..UNDECIDED
    },
];
