# Texte der Mails und Seiten für Angemeldete, auf Deutsch (Standardsprache).
# Jede Nachricht steht in jeder Sprache, mit denselben Platzhaltern (ein Test prüft das).

## Sprache und Formate

language-name = Deutsch
# Datum und Uhrzeit in Europe/Berlin, mit den Mustern von chrono (strftime).
date-format = %A, %-d. %B %Y
time-format = %H:%M
when-same-day = { $date }, { $start } bis { $end } Uhr
when-several-days = { $start-date }, { $start } Uhr, bis { $end-date }, { $end } Uhr

## Mails

greeting = Guten Tag { $name },
closing = Mit freundlichen Grüßen
signature = Ihr Team der Beteiligung
please-confirm-subject = Bitte bestätigen Sie Ihre Anmeldung: { $title }
please-confirm-thanks = vielen Dank für Ihre Anmeldung zu „{ $title }“ ({ $when }).
please-confirm-ask = Bitte bestätigen Sie Ihre Anmeldung über diesen Link. Erst mit der Bestätigung erhalten Sie einen Platz, oder einen Platz auf der Warteliste, wenn alle Plätze vergeben sind.
please-confirm-deadline = Der Link gilt bis { $deadline } Uhr ({ $hours ->
        [one] noch eine Stunde
       *[other] noch { $hours } Stunden
    }). Ohne Bestätigung löschen wir die Anmeldung mit Ihren Angaben.
please-confirm-link = Anmeldung bestätigen
please-confirm-not-you = Wenn Sie sich nicht angemeldet haben, brauchen Sie nichts zu tun.
confirmed-subject = Ihre Anmeldung ist bestätigt: { $title }
confirmed-seat = Ihre Anmeldung zu „{ $title }“ ist bestätigt: Ein Platz ist für Sie reserviert ({ $when }).
confirmed-calendar = Den Termin für Ihren Kalender finden Sie im Anhang. Wenn Sie nicht teilnehmen können, melden Sie sich bitte ab, damit Ihr Platz an die Warteliste geht.
cancel-link = Anmeldung stornieren
waitlisted-subject = Sie stehen auf der Warteliste: { $title }
waitlisted-position = alle Plätze für „{ $title }“ ({ $when }) sind vergeben. Sie stehen auf der Warteliste an Position { $position }.
waitlisted-promise = Sobald ein Platz frei wird, rücken Sie automatisch nach, und wir schreiben Ihnen.
waitlist-leave-link = Von der Warteliste abmelden
promoted-subject = Ein Platz ist frei geworden: { $title }
promoted-seat = gute Nachricht: Für „{ $title }“ ({ $when }) ist ein Platz frei geworden, und Sie sind von der Warteliste nachgerückt. Ihre Teilnahme ist bestätigt.
promoted-calendar = Den Termin für Ihren Kalender finden Sie im Anhang. Zum Abmelden nutzen Sie bitte den Link aus unserer ersten E-Mail.
cancelled-subject = Ihre Anmeldung ist storniert: { $title }
cancelled-body = Ihre Anmeldung zu „{ $title }“ ({ $when }) ist storniert. Sie können sich jederzeit neu anmelden, solange die Anmeldung offen ist.
round-changed-subject = Geänderter Termin: { $title }
round-changed-body = die Veranstaltung „{ $title }“, zu der Sie angemeldet sind, hat sich geändert. Sie findet jetzt so statt: { $when }.
round-changed-waitlist = Sie stehen weiterhin auf der Warteliste an Position { $position }. Den Termin für Ihren Kalender senden wir Ihnen, sobald ein Platz für Sie frei wird.
round-changed-calendar = Der Termin im Anhang ersetzt den bisherigen in Ihrem Kalender. Ihre Anmeldung bleibt bestehen.
round-cancelled-subject = Abgesagt: { $title }
round-cancelled-body = die Veranstaltung „{ $title }“ ({ $when }) ist leider abgesagt. Ihre Anmeldung ist damit hinfällig; wir informieren Sie, wenn es einen neuen Termin gibt.
calendar-description = Ihre Anmeldung zu „{ $title }“. Wenn Sie nicht teilnehmen können, melden Sie sich bitte ab, damit Ihr Platz an die Warteliste geht.

## Seiten

page-service = Beteiligung
page-language = Sprache
page-round = Veranstaltung
page-date = Datum und Uhrzeit
page-venue = Ort
page-venue-none = wird noch bekannt gegeben
page-confirm-title = Anmeldung bestätigen
page-confirm-lead = Bitte bestätigen Sie Ihre Anmeldung zu dieser Veranstaltung. Erst mit der Bestätigung erhalten Sie einen Platz.
page-confirm-button = Anmeldung jetzt bestätigen
page-cancel-title = Anmeldung stornieren
page-cancel-lead = Möchten Sie Ihre Anmeldung zu dieser Veranstaltung stornieren? Ihr Platz geht dann an die Warteliste.
page-cancel-button = Anmeldung jetzt stornieren
page-confirmed-title = Ihre Anmeldung ist bestätigt
page-confirmed-body = Ein Platz ist für Sie reserviert. Wir senden Ihnen eine E-Mail mit dem Termin für Ihren Kalender und einem Link zum Stornieren.
page-waitlisted-title = Sie stehen auf der Warteliste
page-waitlisted-body = Alle Plätze sind vergeben. Sie stehen auf der Warteliste an Position { $position }. Sobald ein Platz frei wird, rücken Sie automatisch nach, und wir schreiben Ihnen.
page-already-confirmed-title = Ihre Anmeldung ist bereits bestätigt
page-already-confirmed-body = Sie haben diese Anmeldung schon bestätigt; Sie müssen nichts weiter tun. Die E-Mail mit dem Link zum Stornieren haben wir Ihnen geschickt.
page-already-waitlisted-body = Sie haben diese Anmeldung schon bestätigt und stehen auf der Warteliste an Position { $position }. Sie müssen nichts weiter tun.
page-cancelled-title = Ihre Anmeldung ist storniert
page-cancelled-body = Wir haben Ihre Anmeldung storniert und schicken Ihnen eine Bestätigung per E-Mail. Solange die Anmeldung offen ist, können Sie sich jederzeit neu anmelden.
page-already-cancelled-title = Diese Anmeldung ist bereits storniert
page-already-cancelled-body = Sie müssen nichts weiter tun. Solange die Anmeldung offen ist, können Sie sich neu anmelden.
page-not-cancellable-title = Diese Anmeldung kann nicht mehr storniert werden
page-not-cancellable-body = Die Teilnahme ist bereits erfasst. Bei Fragen schreiben Sie uns bitte.
page-expired-title = Dieser Link ist abgelaufen
page-expired-body = Die Frist für die Bestätigung ist abgelaufen, und wir haben die Anmeldung mit Ihren Angaben gelöscht. Bitte melden Sie sich erneut an, solange die Anmeldung offen ist.
page-unknown-title = Dieser Link ist ungültig oder abgelaufen
page-unknown-body = Zu diesem Link gibt es keine offene Anmeldung: Er ist unvollständig, wurde schon benutzt, oder die Frist für die Bestätigung ist abgelaufen und die Anmeldung wurde gelöscht. Bitte prüfen Sie, ob Sie den ganzen Link aus der E-Mail geöffnet haben, oder melden Sie sich erneut an.
page-closed-title = Die Anmeldung ist geschlossen
page-closed-body = Für diese Veranstaltung nehmen wir keine Anmeldungen mehr an.
page-bad-request-title = Das Formular war unvollständig
page-bad-request-body = Bitte öffnen Sie den Link aus der E-Mail noch einmal und senden Sie das Formular von dort ab.
page-busy-title = Zu viele Anfragen
page-busy-body = Bitte versuchen Sie es in einer Minute noch einmal.
page-contact = Fragen? Schreiben Sie an { $contact }.
page-contact-none = Bei Fragen wenden Sie sich bitte an das Team, das Sie eingeladen hat.
