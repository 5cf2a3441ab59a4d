//! Registrations (Anmeldungen) for rounds: double opt-in, seats, waitlist, cancellation and
//! check-in, each change with the mail that tells the registrant, written to the outbox in
//! the same transaction.
//!
//! An anonymous registration is `pending` and holds no seat until the registrant confirms
//! the emailed link; the seat is then decided by the same rule as for a partner's
//! registration, which is confirmed at once.
//!
//! Seats are counted on the round row (`confirmed_count`, `waitlisted_count`,
//! `attended_count`), guarded by `CHECK (confirmed_count + attended_count <= capacity)`.
//! Every change of a registration's status first takes that round row's lock — by the
//! conditional `UPDATE rounds …` that claims a seat, or by `SELECT … FOR UPDATE` — so the
//! counters and the registrations change together and a round is never overbooked.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::category::Category;
use super::event::{self, Change, Entity};
use super::idempotency::{
    self, Created, IdempotencyKey, Outcome, PendingWrite, Prepared, StoredResponse,
};
use super::notification::{self, Notice, NoticeKind};
use super::organisation;
use super::outbox;
use super::page::Keyset;
use super::policy::{self, Action, Audience, Party, RegistrationReader};
use super::round::{self, RoundRow};
use super::validate::{Violations, normalise_email};
use super::webhook::{self, EventType};
use crate::base::{Caller, secret};
use crate::db::PreparedByText;
use crate::db::schema::{registrations, rounds};
use crate::error::{AppError, AppResult};

crate::text_enum! {
    /// Status of a registration.
    RegistrationStatus {
        Pending = "pending",
        Confirmed = "confirmed",
        Waitlisted = "waitlisted",
        Cancelled = "cancelled",
        Attended = "attended",
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = registrations)]
pub struct RegistrationRow {
    pub id: Uuid,
    pub round_id: Uuid,
    pub name: String,
    pub email: String,
    pub organisation_id: Option<Uuid>,
    pub organisation_name: Option<String>,
    pub category: Option<Category>,
    pub needs: Option<String>,
    pub status: RegistrationStatus,
    #[diesel(skip_insertion)]
    pub waitlist_seq: i64,
    pub registered_by_org: Option<Uuid>,
    pub cancel_token_hash: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub confirm_token_hash: Option<Vec<u8>>,
    pub confirm_expires_at: Option<DateTime<Utc>>,
    pub privacy_notice_version: Option<String>,
    pub consented_at: Option<DateTime<Utc>>,
}

/// A registration for a round. Personal data: shown to staff, to the partner that made it
/// and to the registrant (with the cancel token).
#[derive(Debug, Serialize, ToSchema)]
pub struct Registration {
    pub id: Uuid,
    pub round_id: Uuid,
    #[schema(example = "Aylin Demir", max_length = 200)]
    pub name: String,
    #[schema(example = "a.demir@example.org", max_length = 254)]
    pub email: String,
    pub organisation_id: Option<Uuid>,
    #[schema(max_length = 200)]
    pub organisation_name: Option<String>,
    pub category: Option<Category>,
    /// Accessibility or other needs for the event.
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
    pub status: RegistrationStatus,
    /// 1 for the next to be promoted; only while `waitlisted`.
    pub waitlist_position: Option<i64>,
    /// The version of the privacy notice the person consented to.
    #[schema(example = "2019-08", max_length = 50)]
    pub privacy_notice_version: Option<String>,
    /// When the person consented to the processing of their data (at registration).
    pub consented_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The 201 body: the registration and, for a registration made by a partner, its cancel
/// token, shown this once (a registrant gets theirs by mail).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedRegistration {
    #[serde(flatten)]
    pub registration: Registration,
    /// Send as `X-Cancel-Token` to cancel; stored only as a hash. Absent for a `pending`
    /// registration: the registrant receives it by mail once confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub cancel_token: Option<String>,
}

/// `POST /registrations/confirm`: the token from the confirmation mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    #[schema(min_length = 1, max_length = 100)]
    pub token: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    /// 1–200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub name: String,
    /// At most 254 characters; one active registration per email and round.
    #[schema(
        min_length = 3,
        max_length = 254,
        pattern = r"^\s*[^\s\x00-\x1f\x7f-\x9f]+@[^\s\x00-\x1f\x7f-\x9f@.][^\s\x00-\x1f\x7f-\x9f@]*\.[^\s\x00-\x1f\x7f-\x9f@]*[^\s\x00-\x1f\x7f-\x9f@.]\s*$"
    )]
    pub email: String,
    /// For partners: their own organisation (the default); anyone else may name one.
    pub organisation_id: Option<Uuid>,
    /// Free text when the organisation is not registered here (≤ 200).
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    pub organisation_name: Option<String>,
    /// Defaults to the organisation's category.
    pub category: Option<Category>,
    /// Accessibility or other needs (≤ 2000).
    #[schema(max_length = 2000)]
    pub needs: Option<String>,
    /// Must be `true`: consent to processing the personal data for this event.
    pub privacy_consent: bool,
    /// The version of the privacy notice shown to the person (1–50 characters); required,
    /// and must be the current one, when the service is configured with one.
    #[schema(example = "2019-08", min_length = 1, max_length = 50, pattern = r"\S")]
    pub privacy_notice_version: Option<String>,
}

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
        v.optional_text("privacy_notice_version", given, 50);
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

/// The waitlist position, computed where it is read.
fn waitlist_position() -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    sql::<Nullable<BigInt>>(
        "CASE WHEN registrations.status = 'waitlisted' THEN \
         (SELECT count(*) FROM registrations w WHERE w.round_id = registrations.round_id \
          AND w.status = 'waitlisted' AND w.waitlist_seq <= registrations.waitlist_seq) END",
    )
}

type RowWithPosition = (RegistrationRow, Option<i64>);

fn view((row, waitlist_position): RowWithPosition) -> Registration {
    Registration {
        id: row.id,
        round_id: row.round_id,
        name: row.name,
        email: row.email,
        organisation_id: row.organisation_id,
        organisation_name: row.organisation_name,
        category: row.category,
        needs: row.needs,
        status: row.status,
        waitlist_position,
        privacy_notice_version: row.privacy_notice_version,
        consented_at: row.consented_at,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> AppResult<RowWithPosition> {
    registrations::table
        .find(id)
        .select((RegistrationRow::as_select(), waitlist_position()))
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("registration"))
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

impl NewRegistration {
    /// Checks the fields, after `v` holds what was found about the consent.
    fn validate(&self, mut v: Violations) -> AppResult<()> {
        v.text("name", &self.name, 1, 200);
        v.email("email", &self.email);
        v.optional_text("organisation_name", self.organisation_name.as_deref(), 200);
        if let Some(needs) = &self.needs {
            v.text("needs", needs, 0, 2000);
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

fn registration_closed() -> AppError {
    AppError::conflict(
        "registration_closed",
        "Registration for this round is not open (outside its window, or the round is cancelled).",
    )
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
        futures_util::try_join!(round::find_visible(conn, self.round_id, drafts), async {
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
#[allow(clippy::too_many_lines)] // over 80 lines: to be split into steps
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
        new.organisation_name = new.organisation_name.or(Some(organisation.name));
    }
    let id = Uuid::now_v7();
    let name = new.name.trim();
    // Someone registering themselves proves the address first; a partner or staff member
    // registering a person they know does not.
    let (status, waitlist_position, tokens, mut notice) =
        if !policy::permits(party, Action::RegisterWithoutConfirmation) {
            open_window(conn, round.id).await?;
            let token = secret::generate();
            let expires = Utc::now() + rules.confirm_within;
            let mut notice = Notice::new(NoticeKind::PleaseConfirm, id, name, &new.email, round);
            notice.confirm_token = Some(token.clone());
            notice.confirm_expires_at = Some(expires);
            let tokens = Tokens {
                confirm: Some((hash_token(&token), expires)),
                cancel: None,
            };
            (RegistrationStatus::Pending, None, tokens, notice)
        } else {
            let (status, position) = claim_seat(conn, round.id, Window::Registration).await?;
            let token = secret::generate();
            let mut notice = Notice::new(status.notice(), id, name, &new.email, round);
            notice.cancel_token = Some(token.clone());
            let tokens = Tokens {
                confirm: None,
                cancel: Some(token),
            };
            (status, position, tokens, notice)
        };
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

/// The secrets of a new registration: the confirmation token's hash and expiry (anonymous),
/// or the cancel token (confirmed at once).
struct Tokens {
    confirm: Option<(Vec<u8>, DateTime<Utc>)>,
    cancel: Option<String>,
}

impl RegistrationStatus {
    /// The mail for a registration that has just reached this status.
    fn notice(self) -> NoticeKind {
        match self {
            RegistrationStatus::Waitlisted => NoticeKind::Waitlisted,
            RegistrationStatus::Cancelled => NoticeKind::Cancelled,
            _ => NoticeKind::Confirmed,
        }
    }
}

/// Which window a seat is claimed in.
#[derive(Clone, Copy)]
enum Window {
    /// A new registration: the registration window must be open.
    Registration,
    /// A confirmation of a registration made in the window: the round must still be ahead
    /// and not cancelled.
    Confirmation,
}

type RoundCondition =
    Box<dyn BoxableExpression<rounds::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>>;

/// The condition on the round under which a seat may be claimed in `window`.
fn open_at(window: Window) -> RoundCondition {
    let now = Utc::now();
    let ahead = rounds::cancelled.eq(false).and(rounds::ends_at.gt(now));
    match window {
        Window::Confirmation => Box::new(ahead),
        Window::Registration => Box::new(
            ahead
                .and(
                    rounds::registration_opens_at
                        .is_null()
                        .or(rounds::registration_opens_at.le(now)),
                )
                .and(
                    rounds::registration_closes_at
                        .is_null()
                        .or(rounds::registration_closes_at.gt(now)),
                )
                // Never NULL: each bound is either absent or compared.
                .assume_not_null(),
        ),
    }
}

/// Checks the registration window for a registration that takes no seat yet, under the
/// round's lock (so a concurrent change of the window is seen or waits).
async fn open_window(conn: &mut AsyncPgConnection, round_id: Uuid) -> AppResult<()> {
    let open: Option<Uuid> = rounds::table
        .find(round_id)
        .filter(open_at(Window::Registration))
        .select(rounds::id)
        .for_key_share()
        .first(conn)
        .await
        .optional()?;
    open.map(drop).ok_or_else(registration_closed)
}

/// Takes a seat if one is left and nobody is waiting, else a waitlist place, in one
/// conditional statement each: the round row lock serialises concurrent registrations. The
/// window is checked again here, under the lock. A waitlist place comes with its position:
/// the last, as the round's count of waiting registrations says.
async fn claim_seat(
    conn: &mut AsyncPgConnection,
    round_id: Uuid,
    window: Window,
) -> AppResult<(RegistrationStatus, Option<i64>)> {
    let seat = diesel::update(rounds::table.find(round_id))
        .filter(open_at(window))
        .filter(rounds::waitlisted_count.eq(0))
        .filter((rounds::confirmed_count + rounds::attended_count).lt(rounds::capacity))
        .set(rounds::confirmed_count.eq(rounds::confirmed_count + 1))
        .by_text()
        .execute(conn)
        .await?;
    if seat == 1 {
        return Ok((RegistrationStatus::Confirmed, None));
    }
    let waiting: Option<i32> = diesel::update(rounds::table.find(round_id))
        .filter(open_at(window))
        .set(rounds::waitlisted_count.eq(rounds::waitlisted_count + 1))
        .returning(rounds::waitlisted_count)
        .by_text()
        .get_result(conn)
        .await
        .optional()?;
    match waiting {
        Some(position) => Ok((RegistrationStatus::Waitlisted, Some(position.into()))),
        None => Err(registration_closed()),
    }
}

/// Who cancels: an admin, or the registrant with the cancel token.
pub enum Canceller<'a> {
    Admin(String),
    Token(&'a str),
}

/// Confirms a pending registration with the token from its mail: a seat while seats are
/// left and nobody waits, else a waitlist place, decided under the round's lock; the
/// registrant is mailed the outcome with the cancel link. The token works once.
pub async fn confirm(conn: &mut AsyncPgConnection, token: &str) -> AppResult<Registration> {
    let token_hash = hash_token(token);
    conn.transaction(async |conn| {
        let id: Uuid = registrations::table
            .filter(registrations::confirm_token_hash.eq(&token_hash))
            .select(registrations::id)
            .first(conn)
            .await
            .optional()?
            .ok_or_else(|| {
                AppError::new(
                    crate::error::ErrorKind::NotFound,
                    "confirmation_not_found",
                    "No registration waits for this confirmation token: it is unknown, was \
                     used already, or its registration was deleted when the link expired.",
                )
            })?;
        let (row, round) = lock_for_change(conn, id).await?;
        if row.status != RegistrationStatus::Pending {
            return Err(AppError::invalid_transition(
                row.status.as_str(),
                "confirmed",
            ));
        }
        if row.confirm_expires_at.is_none_or(|at| at <= Utc::now()) {
            return Err(AppError::new(
                crate::error::ErrorKind::Gone,
                "confirmation_expired",
                "The confirmation link has expired; please register again.",
            ));
        }
        let (status, _) = claim_seat(conn, round.id, Window::Confirmation).await?;
        let cancel_token = secret::generate();
        diesel::update(registrations::table.find(id))
            .set((
                registrations::status.eq(status),
                registrations::confirm_expires_at.eq(None::<DateTime<Utc>>),
                // Used once: an old link in a forwarded mail reveals nothing later.
                registrations::confirm_token_hash.eq(None::<Vec<u8>>),
                registrations::cancel_token_hash.eq(Some(hash_token(&cancel_token))),
                // The waitlist is in order of confirmation.
                registrations::waitlist_seq.eq(sql::<BigInt>("nextval('waitlist_seq')")),
            ))
            .execute(conn)
            .await?;
        event::record(
            conn,
            Entity::Registration,
            id,
            Change {
                actor: "registrant",
                action: "confirmed",
                from_status: Some("pending"),
                to_status: Some(status.as_str()),
                ..Default::default()
            },
        )
        .await?;
        announce(conn, &row, status, Some(RegistrationStatus::Pending)).await?;
        let confirmed = load(conn, id).await?;
        let mut notice = Notice::new(status.notice(), id, &row.name, &row.email, &round);
        notice.cancel_token = Some(cancel_token);
        notice.waitlist_position = confirmed.1;
        notification::send(conn, vec![notice]).await?;
        Ok(view(confirmed))
    })
    .await
}

/// Deletes pending registrations whose confirmation link has expired, with their events and
/// waiting mails: nobody confirmed them, so nothing of them is kept. Returns how many.
pub async fn delete_unconfirmed(conn: &mut AsyncPgConnection) -> AppResult<usize> {
    conn.transaction(async |conn| {
        let expired: Vec<Uuid> = diesel::delete(
            registrations::table
                .filter(registrations::status.eq(RegistrationStatus::Pending))
                .filter(registrations::confirm_expires_at.lt(Utc::now())),
        )
        .returning(registrations::id)
        .get_results(conn)
        .await?;
        if !expired.is_empty() {
            event::delete_about(conn, Entity::Registration, &expired).await?;
            outbox::delete_about(conn, &expired).await?;
        }
        Ok(expired.len())
    })
    .await
}

/// Tells webhook subscribers (admins, and the partner that made the registration) that a
/// registration reached `status`, in the transaction of the change. No personal data.
async fn announce(
    conn: &AsyncPgConnection,
    row: &RegistrationRow,
    status: RegistrationStatus,
    previous_status: Option<RegistrationStatus>,
) -> QueryResult<()> {
    #[derive(Serialize)]
    struct Data {
        id: Uuid,
        round_id: Uuid,
        organisation_id: Option<Uuid>,
        status: RegistrationStatus,
        previous_status: Option<RegistrationStatus>,
    }
    webhook::publish(
        conn,
        webhook::Event {
            kind: EventType::RegistrationStatusChanged,
            audience: Audience {
                organisation: row.registered_by_org,
                public: false,
            },
            subject_id: row.id,
            data: webhook::thin(Data {
                id: row.id,
                round_id: row.round_id,
                organisation_id: row.registered_by_org,
                status,
                previous_status,
            }),
        },
    )
    .await
}

/// Locks the round of a registration, then the registration itself (always in this order).
async fn lock_for_change(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> AppResult<(RegistrationRow, RoundRow)> {
    let round_id: Uuid = registrations::table
        .find(id)
        .select(registrations::round_id)
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| AppError::not_found("registration"))?;
    // NO KEY UPDATE: serialises with seat claims (which update the round) without blocking
    // inserts whose foreign keys merely reference it.
    let round = rounds::table
        .find(round_id)
        .select(RoundRow::as_select())
        .for_no_key_update()
        .first(conn)
        .await?;
    let registration = registrations::table
        .find(id)
        .select(RegistrationRow::as_select())
        .for_update()
        .first(conn)
        .await?;
    Ok((registration, round))
}

async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    status: RegistrationStatus,
) -> QueryResult<()> {
    diesel::update(registrations::table.find(id))
        .set(registrations::status.eq(status))
        .execute(conn)
        .await
        .map(drop)
}

/// Cancels a registration; a freed seat goes to the first on the waitlist in the same
/// transaction. Cancelling a cancelled registration changes nothing.
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    canceller: Canceller<'_>,
) -> AppResult<Registration> {
    conn.transaction(async |conn| {
        let (row, round) = lock_for_change(conn, id).await?;
        let actor = match canceller {
            Canceller::Admin(actor) => actor,
            Canceller::Token(token) if Some(hash_token(token)) == row.cancel_token_hash => {
                "registrant".to_string()
            }
            Canceller::Token(_) => {
                return Err(AppError::forbidden("The cancel token does not match."));
            }
        };
        match row.status {
            RegistrationStatus::Cancelled => return Ok(view(load(conn, id).await?)),
            RegistrationStatus::Attended => {
                return Err(AppError::invalid_transition("attended", "cancelled"));
            }
            RegistrationStatus::Pending
            | RegistrationStatus::Confirmed
            | RegistrationStatus::Waitlisted => {}
        }
        diesel::update(registrations::table.find(id))
            .set((
                registrations::status.eq(RegistrationStatus::Cancelled),
                // An unconfirmed registration's link dies with it.
                registrations::confirm_token_hash.eq(None::<Vec<u8>>),
                registrations::confirm_expires_at.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await?;
        event::record(
            conn,
            Entity::Registration,
            id,
            Change {
                actor: &actor,
                action: "cancelled",
                from_status: Some(row.status.as_str()),
                to_status: Some("cancelled"),
                ..Default::default()
            },
        )
        .await?;
        match row.status {
            RegistrationStatus::Confirmed => {
                diesel::update(rounds::table.find(row.round_id))
                    .set(rounds::confirmed_count.eq(rounds::confirmed_count - 1))
                    .execute(conn)
                    .await?;
                promote_next(conn, &round).await?;
            }
            RegistrationStatus::Waitlisted => {
                diesel::update(rounds::table.find(row.round_id))
                    .set(rounds::waitlisted_count.eq(rounds::waitlisted_count - 1))
                    .execute(conn)
                    .await?;
                touch_waitlist(conn, row.round_id).await?;
            }
            _ => {}
        }
        announce(conn, &row, RegistrationStatus::Cancelled, Some(row.status)).await?;
        if row.status == RegistrationStatus::Pending {
            // The address was never confirmed: no further mail to it, not even this one.
            outbox::drop_pending_about(conn, &[id]).await?;
        } else {
            let notice = Notice::new(NoticeKind::Cancelled, id, &row.name, &row.email, &round);
            notification::send(conn, vec![notice]).await?;
        }
        Ok(view(load(conn, id).await?))
    })
    .await
}

/// Writes `kind` (round changed or cancelled) to everyone registered for a round who still
/// expects it: confirmed and waitlisted registrations.
pub async fn notify_round(
    conn: &mut AsyncPgConnection,
    round: &RoundRow,
    kind: NoticeKind,
) -> AppResult<()> {
    if kind == NoticeKind::RoundCancelled {
        // Unconfirmed addresses are not written to again; their link now answers 409.
        let pending: Vec<Uuid> = registrations::table
            .filter(registrations::round_id.eq(round.id))
            .filter(registrations::status.eq(RegistrationStatus::Pending))
            .select(registrations::id)
            .load(conn)
            .await?;
        outbox::drop_pending_about(conn, &pending).await?;
    }
    let told = [
        RegistrationStatus::Confirmed,
        RegistrationStatus::Waitlisted,
    ];
    let registrants: Vec<(Uuid, String, String, Option<i64>)> = registrations::table
        .filter(registrations::round_id.eq(round.id))
        .filter(registrations::status.eq_any(told))
        .order(registrations::id)
        .select((
            registrations::id,
            registrations::name,
            registrations::email,
            waitlist_position(),
        ))
        .load(conn)
        .await?;
    let notices = registrants
        .into_iter()
        .map(|(id, name, email, waitlist_position)| {
            // The position tells the letter that this registrant holds no seat.
            let mut notice = Notice::new(kind, id, &name, &email, round);
            notice.waitlist_position = waitlist_position;
            notice
        })
        .collect();
    Ok(notification::send(conn, notices).await?)
}

/// Moves waitlisted registrations to `confirmed`, first come first served, while seats are
/// free (after a capacity increase). Runs under the round lock.
pub async fn promote_while_free(conn: &mut AsyncPgConnection, round: &RoundRow) -> AppResult<()> {
    while promote_next(conn, round).await? {}
    Ok(())
}

/// Moves the first waitlisted registration of a round to `confirmed`, if a seat is free;
/// says whether it did. Runs under the round lock.
async fn promote_next(conn: &mut AsyncPgConnection, round: &RoundRow) -> AppResult<bool> {
    // Nobody moves up for a round that will not take place.
    if round.cancelled || round.ends_at <= Utc::now() {
        return Ok(false);
    }
    let round_id = round.id;
    let next: Option<RegistrationRow> = registrations::table
        .filter(registrations::round_id.eq(round_id))
        .filter(registrations::status.eq(RegistrationStatus::Waitlisted))
        .order(registrations::waitlist_seq)
        .select(RegistrationRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let Some(next) = next else {
        return Ok(false);
    };
    let seat = diesel::update(rounds::table.find(round_id))
        .filter((rounds::confirmed_count + rounds::attended_count).lt(rounds::capacity))
        .set((
            rounds::confirmed_count.eq(rounds::confirmed_count + 1),
            rounds::waitlisted_count.eq(rounds::waitlisted_count - 1),
        ))
        .execute(conn)
        .await?;
    if seat == 1 {
        set_status(conn, next.id, RegistrationStatus::Confirmed).await?;
        event::record(
            conn,
            Entity::Registration,
            next.id,
            Change {
                actor: "system",
                action: "promoted",
                from_status: Some("waitlisted"),
                to_status: Some("confirmed"),
                reason: Some("a seat became free"),
            },
        )
        .await?;
        touch_waitlist(conn, round_id).await?;
        let notice = Notice::new(
            NoticeKind::Promoted,
            next.id,
            &next.name,
            &next.email,
            round,
        );
        notification::send(conn, vec![notice]).await?;
        let confirmed = RegistrationStatus::Confirmed;
        announce(conn, &next, confirmed, Some(RegistrationStatus::Waitlisted)).await?;
    }
    Ok(seat == 1)
}

/// Marks every waitlisted registration of a round as changed: their positions moved, and a
/// syncing client must see the new ones (the trigger stamps them).
async fn touch_waitlist(conn: &mut AsyncPgConnection, round_id: Uuid) -> QueryResult<()> {
    diesel::update(
        registrations::table
            .filter(registrations::round_id.eq(round_id))
            .filter(registrations::status.eq(RegistrationStatus::Waitlisted)),
    )
    .set(registrations::status.eq(RegistrationStatus::Waitlisted))
    .execute(conn)
    .await
    .map(drop)
}

/// Marks a confirmed registration as attended. Checking in twice changes nothing.
pub async fn check_in(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    actor: &str,
) -> AppResult<Registration> {
    conn.transaction(async |conn| {
        let (row, _) = lock_for_change(conn, id).await?;
        match row.status {
            RegistrationStatus::Attended => return Ok(view(load(conn, id).await?)),
            RegistrationStatus::Pending
            | RegistrationStatus::Waitlisted
            | RegistrationStatus::Cancelled => {
                return Err(AppError::invalid_transition(
                    row.status.as_str(),
                    "attended",
                ));
            }
            RegistrationStatus::Confirmed => {}
        }
        diesel::update(rounds::table.find(row.round_id))
            .set((
                rounds::confirmed_count.eq(rounds::confirmed_count - 1),
                rounds::attended_count.eq(rounds::attended_count + 1),
            ))
            .execute(conn)
            .await?;
        set_status(conn, id, RegistrationStatus::Attended).await?;
        event::record(
            conn,
            Entity::Registration,
            id,
            Change {
                actor,
                action: "checked_in",
                from_status: Some("confirmed"),
                to_status: Some("attended"),
                ..Default::default()
            },
        )
        .await?;
        let attended = RegistrationStatus::Attended;
        announce(conn, &row, attended, Some(RegistrationStatus::Confirmed)).await?;
        Ok(view(load(conn, id).await?))
    })
    .await
}

/// A registration as `reader` may see it; 404 when it may not.
pub async fn find_for(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reader: RegistrationReader<'_>,
) -> AppResult<Registration> {
    let found = load(conn, id).await?;
    let allowed = policy::may_read_registration(reader, found.0.registered_by_org, |token| {
        Some(hash_token(token)) == found.0.cancel_token_hash
    });
    if allowed {
        Ok(view(found))
    } else {
        Err(AppError::not_found("registration"))
    }
}

/// The events of a registration, for whoever may read it.
pub async fn history(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reader: RegistrationReader<'_>,
) -> AppResult<Vec<event::Event>> {
    find_for(conn, id, reader).await?;
    let events = event::history(conn, Entity::Registration, id).await?;
    let party = match reader {
        RegistrationReader::Party(party) => party,
        RegistrationReader::Token(_) => Party::Anonymous,
    };
    Ok(event::as_seen_by(events, party))
}

pub struct RegistrationFilter {
    pub status: Option<RegistrationStatus>,
    pub updated_since: Option<DateTime<Utc>>,
    /// Only those a partner organisation made.
    pub registered_by_org: Option<Uuid>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    round_id: Uuid,
    filter: &RegistrationFilter,
    keyset: Keyset,
) -> AppResult<Vec<Registration>> {
    let mut query = registrations::table
        .filter(registrations::round_id.eq(round_id))
        .select((RegistrationRow::as_select(), waitlist_position()))
        .order(registrations::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(registrations::id.gt(after));
    }
    if let Some(status) = filter.status {
        query = query.filter(registrations::status.eq(status));
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(registrations::updated_at.ge(since));
    }
    if let Some(org) = filter.registered_by_org {
        query = query.filter(registrations::registered_by_org.eq(org));
    }
    let rows: Vec<RowWithPosition> = query.load(conn).await?;
    Ok(rows.into_iter().map(view).collect())
}
