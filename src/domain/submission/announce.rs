//! Telling webhook subscribers about a change of a submission.

use diesel::prelude::*;
use diesel_async::AsyncPgConnection;
use serde::Serialize;
use uuid::Uuid;

use super::model::SubmissionRow;
use super::wire::{SubmissionKind, SubmissionStatus};
use crate::domain::policy::Audience;
use crate::domain::webhook::{self, EventType};

/// Tells webhook subscribers (admins, and the submitting organisation) about a change of
/// a submission, in the transaction of the change.
pub(super) async fn announce(
    conn: &AsyncPgConnection,
    kind: EventType,
    row: &SubmissionRow,
    status: SubmissionStatus,
    previous_status: Option<SubmissionStatus>,
) -> QueryResult<()> {
    webhook::publish(conn, webhook_event(kind, row, status, previous_status)).await
}

/// The webhook event about a change of a submission: who may receive it, and the thin
/// payload (ids and statuses; the receiver fetches the rest with its own rights).
pub(in crate::domain) fn webhook_event(
    kind: EventType,
    row: &SubmissionRow,
    status: SubmissionStatus,
    previous_status: Option<SubmissionStatus>,
) -> webhook::Event {
    #[derive(Serialize)]
    struct Data<'a> {
        id: Uuid,
        consultation_id: Uuid,
        organisation_id: Option<Uuid>,
        kind: SubmissionKind,
        status: SubmissionStatus,
        #[serde(skip_serializing_if = "Option::is_none")]
        previous_status: Option<SubmissionStatus>,
        external_ref: Option<&'a str>,
    }
    webhook::Event {
        kind,
        audience: Audience {
            organisation: row.organisation_id,
            public: false,
        },
        subject_id: row.id,
        belongs_to: row.consultation_id,
        data: webhook::thin(Data {
            id: row.id,
            consultation_id: row.consultation_id,
            organisation_id: row.organisation_id,
            kind: row.kind,
            status,
            previous_status,
            external_ref: row.external_ref.as_deref(),
        }),
    }
}
