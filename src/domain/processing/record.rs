//! The record of processing activities (Art. 30 DSGVO), from the service's own retention and access rules.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::wire::{Activity, ConsultationRetention, Controller, ProcessingRecord};
use crate::db::schema::{authorities, consultations};
use crate::domain::consultation::{DEFAULT_RETENTION, Retention};
use crate::domain::outbox::KEPT_FOR;
use crate::domain::policy::{self, Action, Party};
use crate::domain::retention::ACCESS_LOG_KEPT_DAYS;
use crate::error::AppResult;

/// The parties of the policy, each with how a recipient list names it.
pub(super) const PARTIES: [(&str, Party); 4] = [
    ("admin", Party::Admin),
    ("authority_admin", Party::AuthorityAdmin(Uuid::nil())),
    ("moderator", Party::Moderator(Uuid::nil())),
    ("partner", Party::Partner(Uuid::nil())),
];

/// The roles that may do `action`; `scoped` says what a partner's permission covers.
pub(super) fn recipients(actions: &[Action], scoped: &str) -> Vec<String> {
    PARTIES
        .iter()
        .filter(|(_, party)| actions.iter().any(|a| policy::permits(*party, *a)))
        .map(|(name, party)| match party {
            Party::Partner(_) => format!("{name} ({scoped})"),
            _ => name.to_string(),
        })
        .collect()
}

pub(super) fn days(default: i32, what: &str) -> String {
    format!(
        "{what}; {default} days unless the consultation sets another period (see `consultations`)"
    )
}

/// The record as `party` may read it: an authority's admin for its own authority.
pub async fn record(conn: &mut AsyncPgConnection, party: Party) -> AppResult<ProcessingRecord> {
    let mut controllers = authorities::table
        .select((
            authorities::id,
            authorities::name,
            authorities::contact_email,
            authorities::privacy_contact,
            authorities::imprint_url,
        ))
        .order(authorities::id)
        .into_boxed();
    if let Some(own) = party.authority() {
        controllers = controllers.filter(authorities::id.eq(own));
    }
    let controllers: Vec<Controller> = controllers.load(conn).await?;
    let configured: Vec<ConsultationRetention> = consultations::table
        .select((
            consultations::id,
            consultations::slug,
            consultations::retention_registrations_days,
            consultations::retention_authors_days,
        ))
        .order(consultations::id)
        .load(conn)
        .await?;
    Ok(ProcessingRecord {
        controllers,
        activities: activities(DEFAULT_RETENTION),
        consultations: configured,
    })
}

/// The activities, in the order of the record; `default` the retention of a consultation
/// that sets none.
pub(super) fn activities(default: Retention) -> Vec<Activity> {
    vec![
        registrations(default),
        submission_authors(default),
        mail_outbox(),
        idempotency_records(),
        access_log(),
        history(),
    ]
}

/// Registrations for rounds.
pub(super) fn registrations(default: Retention) -> Activity {
    Activity {
        key: "registrations",
        name: "Anmeldungen zu Runden (Konferenzen, Workshops)",
        purpose: "Seats, waitlist, confirmation and notification mails, attendance lists of \
                  a round",
        legal_basis: "DSGVO Art. 6(1)(e) (public participation) with the registrant's consent \
                      to the privacy notice (version and time recorded)",
        data_subjects: "registrants",
        data: vec![
            "name",
            "email",
            "organisation_name",
            "needs",
            "privacy_notice_version",
            "consented_at",
        ],
        recipients: recipients(
            &[Action::ReadAnyRegistration, Action::ListRegistrations],
            "the registrations it made",
        ),
        retention: days(
            default.registrations_days_after_round,
            "anonymised after the round ended",
        ),
    }
}

/// The authors named in submissions.
pub(super) fn submission_authors(default: Retention) -> Activity {
    Activity {
        key: "submission_authors",
        name: "Verfasserinnen und Verfasser von Beiträgen",
        purpose: "Queries about a submission and the considered response (Abwägung)",
        legal_basis: "DSGVO Art. 6(1)(e) (public participation)",
        data_subjects: "authors of submissions",
        data: vec!["author_name", "author_email"],
        recipients: recipients(&[Action::Review], "its own organisation's submissions"),
        retention: days(
            default.authors_days_after_archive,
            "anonymised after the consultation was archived",
        ),
    }
}

/// The mails waiting to be sent, or sent.
pub(super) fn mail_outbox() -> Activity {
    let kept_days = KEPT_FOR.as_secs() / 86_400;
    Activity {
        key: "mail_outbox",
        name: "Versand von E-Mails",
        purpose: "Delivering confirmation and notification mails, with retries",
        legal_basis: "DSGVO Art. 6(1)(e), as part of the registration",
        data_subjects: "registrants",
        data: vec!["recipient", "mail content (name, round, links with tokens)"],
        recipients: recipients(&[Action::ReadOutbox], "none"),
        retention: format!(
            "deleted {kept_days} days after delivery or final failure, or with the \
             registration's anonymisation"
        ),
    }
}

/// The responses stored for retried requests.
pub(super) fn idempotency_records() -> Activity {
    Activity {
        key: "idempotency_records",
        name: "Gespeicherte Antworten für Wiederholungen (Idempotency-Key)",
        purpose: "Answering a retried request as the first one was",
        legal_basis: "DSGVO Art. 6(1)(e); Art. 32 (integrity of processing)",
        data_subjects: "registrants and authors named in a stored response",
        data: vec!["the stored response"],
        recipients: vec!["the caller that sent the key".to_string()],
        retention: "24 hours".to_string(),
    }
}

/// The log of bulk reads of personal data.
pub(super) fn access_log() -> Activity {
    Activity {
        key: "access_log",
        name: "Protokoll der Massenabrufe personenbezogener Daten",
        purpose: "Accountability: who read whose data in bulk (DSGVO Art. 5(2))",
        legal_basis: "DSGVO Art. 6(1)(c) with Art. 5(2) and Art. 32",
        data_subjects: "staff and partner systems that read",
        data: vec!["actor", "time", "resource", "number of records"],
        recipients: recipients(&[Action::HandlePrivacyRequests], "none"),
        retention: format!("{ACCESS_LOG_KEPT_DAYS} days"),
    }
}

/// The history of decisions.
pub(super) fn history() -> Activity {
    Activity {
        key: "history",
        name: "Bearbeitungsverlauf (Ereignisse)",
        purpose: "Traceability of every decision on a submission or registration",
        legal_basis: "DSGVO Art. 6(1)(e); documentation duty of the administration",
        data_subjects: "staff who acted (subject and display name from the identity provider)",
        data: vec!["actor", "time", "action", "reason"],
        recipients: recipients(&[Action::ReadActorIdentity], "none"),
        retention: "as long as the consultation's records are kept".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_follow_the_policy() {
        let registrations = &activities(DEFAULT_RETENTION)[0];
        assert_eq!(
            registrations.recipients,
            [
                "admin",
                "authority_admin",
                "moderator",
                "partner (the registrations it made)"
            ]
        );
        let access_log = activities(DEFAULT_RETENTION)
            .into_iter()
            .find(|a| a.key == "access_log")
            .unwrap();
        assert_eq!(access_log.recipients, ["admin", "authority_admin"]);
        assert!(
            registrations
                .retention
                .starts_with("anonymised after the round ended; 90 days")
        );
    }
}
