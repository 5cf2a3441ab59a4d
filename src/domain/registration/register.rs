//! Registering a person for a round: the request, its checks and consent, the seat or
//! waitlist place (or, for an anonymous registrant, the confirmation mail), once per
//! idempotency key.

use chrono::{DateTime, Utc};
use diesel::QueryResult;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::model::{RegistrationRow, hash_token, view};
use super::seat::{Window, claim_seat, open_window};
use super::status::announce;
use super::wire::RegistrationStatus;
use super::wire::{CreatedRegistration, NewRegistration};
use crate::base::{Caller, secret};
use crate::db::PreparedByText;
use crate::db::schema::registrations;
use crate::domain::event::{self, Change, Entity};
use crate::domain::idempotency::{
    self, Created, IdempotencyKey, Outcome, PendingWrite, Prepared, StoredResponse,
};
use crate::domain::notification::{self, Addressee, Notice, NoticeKind};
use crate::domain::organisation;
use crate::domain::policy::{self, Action, Party};
use crate::domain::round::model::RoundRow;
use crate::domain::round::read::find_visible;
use crate::domain::validate::{Violations, normalise_email};
use crate::error::{AppError, AppResult};

/// What a registration must meet beyond its own fields.
#[derive(Debug, Clone, Default)]
pub struct RegistrationRules {
    /// How long an anonymous registrant has to confirm by mail.
    pub confirm_within: std::time::Duration,
    /// The privacy notice in force (`PRIVACY_NOTICE_VERSION`), if one is configured.
    pub privacy_notice_version: Option<String>,
}

impl RegistrationRules {
    /// The notice version a registration consents to, checked against the one in force.
    fn consented_version(&self, v: &mut Violations, given: Option<&str>) -> Option<String> {
        v.optional_text(
            "privacy_notice_version",
            given,
            crate::limits!(NewRegistration, "privacy_notice_version"),
        );
        match (&self.privacy_notice_version, given) {
            (Some(current), None) => {
                v.add(
                    "privacy_notice_version",
                    format!("is required: the version of the privacy notice shown ({current})"),
                );
                None
            }
            (Some(current), Some(given)) if given != current => {
                v.add_about_state(
                    "privacy_notice_version",
                    format!("is not the privacy notice in force ({current}); show that one"),
                );
                None
            }
            (_, given) => given.map(str::to_string),
        }
    }
}

impl NewRegistration {
    /// Checks the fields, after `v` holds what was found about the consent.
    fn validate(&self, mut v: Violations) -> AppResult<()> {
        v.text("name", &self.name, crate::limits!(NewRegistration, "name"));
        v.email("email", &self.email);
        v.optional_text(
            "organisation_name",
            self.organisation_name.as_deref(),
            crate::limits!(NewRegistration, "organisation_name"),
        );
        if let Some(needs) = &self.needs {
            v.text("needs", needs, crate::limits!(NewRegistration, "needs"));
        }
        v.check(
            self.privacy_consent,
            "privacy_consent",
            "must be true: registration needs consent to process the personal data",
        );
        v.into_result()
    }
}

fn already_registered(error: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match error {
        Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => AppError::conflict(
            "already_registered",
            "This email address is already registered for this round.",
        ),
        other => other.into(),
    }
}

/// Registers a person for a round, once per idempotency key: confirmed while seats are
/// left and nobody waits, else waitlisted. The window and the seats are checked by the
/// statement that claims the seat, under the round's lock, in the writing transaction.
pub async fn register(
    conn: &mut AsyncPgConnection,
    round_id: Uuid,
    new: NewRegistration,
    caller: &Caller,
    key: Option<&IdempotencyKey>,
    rules: &RegistrationRules,
) -> AppResult<Outcome> {
    let party = Party::of(caller);
    let actor = caller.actor();
    let operation = Register {
        round_id,
        new,
        party,
        actor: &actor,
        rules,
    };
    idempotency::run(conn, key, operation).await
}

/// Writes registrations as they are (their ids and statuses too, also for rounds long past),
/// for seeding and imports of past data, without the request path's checks, seats, mails or
/// events; one with its id already there is kept. The rounds' seat counters are left as they
/// are: `recount_seats` sets them afterwards. Returns how many were written.
pub async fn seed(conn: &mut AsyncPgConnection, rows: &[RegistrationRow]) -> QueryResult<usize> {
    let mut written = 0;
    for chunk in rows.chunks(200) {
        written += diesel::insert_into(registrations::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(written)
}

/// Registering one person, as an idempotent operation.
struct Register<'a> {
    round_id: Uuid,
    new: NewRegistration,
    party: Party,
    actor: &'a str,
    rules: &'a RegistrationRules,
}

impl idempotency::Operation for Register<'_> {
    type Target = (RoundRow, DateTime<Utc>);
    type Write = NewRow;

    async fn target(&self, conn: &AsyncPgConnection) -> AppResult<Self::Target> {
        let drafts = policy::permits(self.party, Action::ReadDrafts);
        futures_util::try_join!(find_visible(conn, self.round_id, drafts), async {
            Ok(crate::db::transaction_time(conn).await?)
        },)
    }

    fn target_id((round, _): &Self::Target) -> Uuid {
        round.id
    }

    async fn prepare(
        self,
        conn: &mut AsyncPgConnection,
        (round, now): Self::Target,
    ) -> AppResult<Prepared<Self::Write>> {
        prepare(
            conn, &round, self.new, self.party, self.actor, self.rules, now,
        )
        .await
    }
}

/// A registration, checked and given its seat or waitlist place, with its mail, still to be
/// written.
struct NewRow {
    row: RegistrationRow,
    notice: Notice,
    actor: String,
}

impl PendingWrite for NewRow {
    /// The row, its event, its mail and its webhooks, sent together: under the round's lock
    /// (held since the seat was claimed) one round trip before the commit, two when a webhook
    /// subscription hears of it (its messages follow the look-up).
    async fn write(&self, conn: &AsyncPgConnection) -> AppResult<()> {
        let mut inserting = conn;
        let insert = async {
            diesel::insert_into(registrations::table)
                .values(&self.row)
                .by_text()
                .execute(&mut inserting)
                .await
                .map_err(already_registered)
        };
        let registered = Change {
            actor: &self.actor,
            action: "registered",
            to_status: Some(self.row.status.as_str()),
            ..Default::default()
        };
        let record =
            async { Ok(event::record(conn, Entity::Registration, self.row.id, registered).await?) };
        let mail = async { Ok(notification::send(conn, vec![self.notice.clone()]).await?) };
        let hooks = async { Ok(announce(conn, &self.row, self.row.status, None).await?) };
        futures_util::try_join!(insert, record, mail, hooks).map(drop)
    }
}

/// Checks a registration and claims its seat or waitlist place; refusals of the request
/// itself come before any write. `now` is the transaction's start, which the database
/// stamps on the row.
async fn prepare(
    conn: &mut AsyncPgConnection,
    round: &RoundRow,
    mut new: NewRegistration,
    party: Party,
    actor: &str,
    rules: &RegistrationRules,
    now: DateTime<Utc>,
) -> AppResult<Prepared<NewRow>> {
    let mut v = Violations::new();
    let notice_version = rules.consented_version(&mut v, new.privacy_notice_version.as_deref());
    new.validate(v)?;
    new.email = normalise_email(&new.email);
    let partner_org = party.organisation();
    for_organisation(conn, &mut new, partner_org).await?;
    let id = Uuid::now_v7();
    let name = new.name.trim();
    let language = new.language.unwrap_or_default();
    let to = Addressee {
        registration_id: id,
        name,
        email: &new.email,
        language,
    };
    let (status, waitlist_position, tokens, mut notice) =
        admit(conn, round, party, rules, to).await?;
    notice.waitlist_position = waitlist_position;
    let row = RegistrationRow {
        id,
        round_id: round.id,
        name: name.to_string(),
        email: new.email.clone(),
        organisation_id: new.organisation_id,
        organisation_name: new.organisation_name,
        category: new.category,
        needs: new.needs,
        status,
        // Given by the database (not inserted); the waitlist position above says the order.
        waitlist_seq: 0,
        registered_by_org: partner_org,
        cancel_token_hash: tokens.cancel.as_deref().map(hash_token),
        created_at: now,
        updated_at: now,
        confirm_token_hash: tokens.confirm.as_ref().map(|(hash, _)| hash.clone()),
        confirm_expires_at: tokens.confirm.as_ref().map(|(_, at)| *at),
        privacy_notice_version: notice_version,
        consented_at: Some(now),
        language,
    };
    let created = CreatedRegistration {
        registration: view((row.clone(), waitlist_position)),
        cancel_token: tokens.cancel,
    };
    let response =
        StoredResponse::created(Created::Registration(row.id), &created)?.naming(Some(&new.email));
    Ok(Prepared {
        pending: NewRow {
            row,
            notice,
            actor: actor.to_string(),
        },
        response,
    })
}

/// Takes a partner's registration for its own organisation, and fills in the organisation's
/// name and category, refusing an organisation that is not known.
async fn for_organisation(
    conn: &mut AsyncPgConnection,
    new: &mut NewRegistration,
    partner_org: Option<Uuid>,
) -> AppResult<()> {
    if let Some(org) = partner_org {
        match new.organisation_id {
            Some(other) if other != org => {
                return Err(AppError::forbidden(
                    "A partner registers people for its own organisation only.",
                ));
            }
            _ => new.organisation_id = Some(org),
        }
    }
    if let Some(org) = new.organisation_id {
        let organisation = organisation::find(conn, org).await.map_err(|e| {
            if e.is_not_found() {
                AppError {
                    depends_on_state: true,
                    ..AppError::field("organisation_id", "is not a known organisation")
                }
            } else {
                e
            }
        })?;
        new.category = new.category.or(Some(organisation.category));
        new.organisation_name = new.organisation_name.take().or(Some(organisation.name));
    }
    Ok(())
}

/// A seat, a waitlist place, or (for someone registering themselves) the mail asking to
/// confirm, with the registration's secrets and its notice.
type Admission = (RegistrationStatus, Option<i64>, Tokens, Notice);

/// Decides how a registration is admitted: someone registering themselves proves the
/// address first (the window is checked, no seat taken); a partner or staff member
/// registering a person they know does not, and the seat or waitlist place is claimed.
async fn admit(
    conn: &mut AsyncPgConnection,
    round: &RoundRow,
    party: Party,
    rules: &RegistrationRules,
    to: Addressee<'_>,
) -> AppResult<Admission> {
    if !policy::permits(party, Action::RegisterWithoutConfirmation) {
        open_window(conn, round.id).await?;
        let token = secret::generate();
        let expires = Utc::now() + rules.confirm_within;
        let mut notice = Notice::new(NoticeKind::PleaseConfirm, to, round);
        notice.confirm_token = Some(token.clone());
        notice.confirm_expires_at = Some(expires);
        let tokens = Tokens {
            confirm: Some((hash_token(&token), expires)),
            cancel: None,
        };
        Ok((RegistrationStatus::Pending, None, tokens, notice))
    } else {
        let (status, position) = claim_seat(conn, round.id, Window::Registration).await?;
        let token = secret::generate();
        let mut notice = Notice::new(status.notice(), to, round);
        notice.cancel_token = Some(token.clone());
        let tokens = Tokens {
            confirm: None,
            cancel: Some(token),
        };
        Ok((status, position, tokens, notice))
    }
}

/// The secrets of a new registration: the confirmation token's hash and expiry (anonymous),
/// or the cancel token (confirmed at once).
struct Tokens {
    confirm: Option<(Vec<u8>, DateTime<Utc>)>,
    cancel: Option<String>,
}
