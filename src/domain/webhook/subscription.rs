//! Webhook subscriptions: creating, changing, rotating the secret, pinging, deleting, each
//! for its owner only.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::target::TargetRules;
use super::wire::{
    EventType, NewSubscription, Subscription, SubscriptionPatch, SubscriptionStatus,
    SubscriptionWithSecret,
};
use crate::db::schema::{outbox as outbox_table, webhook_subscriptions};
use crate::domain::outbox::Channel;
use crate::domain::page::Keyset;
use crate::domain::policy::{self, ListScope, Party};
use crate::domain::precondition::Precondition;
use crate::domain::validate::Violations;
use crate::error::{AppError, AppResult};

/// The type of the test event of `POST /webhooks/{id}/test`.
pub const PING: &str = "ping";

/// Subscriptions one organisation (or the admins together) may hold: each takes delivery
/// slots, and no partner may crowd out the others.
pub const MAX_SUBSCRIPTIONS: i64 = 25;

/// How long a rotated-out secret keeps signing beside the new one.
pub const ROTATION_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::hours(24);

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub organisation_id: Option<Uuid>,
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub status: SubscriptionStatus,
    pub disabled_reason: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub authority_id: Option<Uuid>,
}

impl SubscriptionRow {
    /// Whose the subscription is.
    pub fn owner(&self) -> policy::Subscriber {
        policy::Subscriber {
            organisation: self.organisation_id,
            authority: self.authority_id,
        }
    }

    pub fn etag(&self) -> String {
        format!("\"{}\"", self.version)
    }

    /// The secrets that sign a delivery now: the current one, and a rotated-out one during
    /// its overlap.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) =
            (&self.previous_secret, self.previous_secret_expires_at)
            && until > now
        {
            secrets.push(previous);
        }
        secrets
    }
}

impl From<SubscriptionRow> for Subscription {
    fn from(row: SubscriptionRow) -> Self {
        Self {
            id: row.id,
            organisation_id: row.organisation_id,
            authority_id: row.authority_id,
            url: row.url,
            events: row.events.iter().filter_map(|e| e.parse().ok()).collect(),
            description: row.description,
            status: row.status,
            disabled_reason: row.disabled_reason,
            previous_secret_expires_at: row
                .previous_secret_expires_at
                .filter(|until| *until > Utc::now()),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

pub(super) fn check_events(v: &mut Violations, events: &[EventType]) {
    v.check(!events.is_empty(), "events", "must name at least one event");
    let mut unique = events.to_vec();
    unique.sort();
    unique.dedup();
    v.check(
        unique.len() == events.len(),
        "events",
        "must not name an event twice",
    );
}

/// The target URL, checked against the rules (scheme, form, and where it resolves).
pub(super) async fn check_url(v: &mut Violations, rules: TargetRules, url: &str) {
    if url.chars().count() > 2000 {
        v.add("url", "must be at most 2000 characters");
        return;
    }
    match rules.parse(url) {
        Ok(parsed) => {
            if let Err(message) = rules.resolve(&parsed).await {
                v.add("url", message);
            }
        }
        Err(message) => v.add("url", message),
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    party: Party,
    new: NewSubscription,
    rules: TargetRules,
) -> AppResult<SubscriptionWithSecret> {
    let owner = policy::subscription_owner(party, new.organisation_id)?;
    let mut v = Violations::new();
    check_url(&mut v, rules, &new.url).await;
    check_events(&mut v, &new.events);
    v.optional_text(
        "description",
        new.description.as_deref(),
        crate::limits!(NewSubscription, "description"),
    );
    v.into_result()?;
    if let Some(org) = owner.organisation {
        crate::domain::organisation::find(conn, org)
            .await
            .map_err(|e| {
                if e.is_not_found() {
                    AppError::field("organisation_id", "is not a known organisation")
                } else {
                    e
                }
            })?;
    }
    conn.transaction(async |conn| {
        // Creates for one owner are serialised, so that the count below sees every
        // subscription committed before this one: the limit holds under concurrent creates.
        diesel::sql_query(
            "SELECT pg_advisory_xact_lock(hashtextextended('webhook subscriptions of ' || \
                    coalesce($1::text, 'admins') || ' in ' || coalesce($2::text, 'all'), 0))",
        )
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(owner.organisation)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Uuid>, _>(owner.authority)
        .execute(conn)
        .await?;
        let held = webhook_subscriptions::table.count().into_boxed();
        let held = match owner.organisation {
            Some(org) => held.filter(webhook_subscriptions::organisation_id.eq(org)),
            None => held.filter(webhook_subscriptions::organisation_id.is_null()),
        };
        let held: i64 = match owner.authority {
            Some(authority) => held.filter(webhook_subscriptions::authority_id.eq(authority)),
            None => held.filter(webhook_subscriptions::authority_id.is_null()),
        }
        .get_result(conn)
        .await?;
        if held >= MAX_SUBSCRIPTIONS {
            return Err(AppError::conflict(
                "too_many_subscriptions",
                format!("At most {MAX_SUBSCRIPTIONS} subscriptions per organisation."),
            ));
        }
        let secret = super::signature::generate_secret();
        let row: SubscriptionRow = diesel::insert_into(webhook_subscriptions::table)
            .values((
                webhook_subscriptions::id.eq(Uuid::now_v7()),
                webhook_subscriptions::organisation_id.eq(owner.organisation),
                webhook_subscriptions::authority_id.eq(owner.authority),
                webhook_subscriptions::url.eq(&new.url),
                webhook_subscriptions::events.eq(event_names(&new.events)),
                webhook_subscriptions::description.eq(&new.description),
                webhook_subscriptions::secret.eq(&secret),
            ))
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)
            .await?;
        Ok(SubscriptionWithSecret {
            subscription: row.into(),
            secret,
        })
    })
    .await
}

pub(super) fn event_names(events: &[EventType]) -> Vec<String> {
    events.iter().map(|e| e.as_str().to_string()).collect()
}

/// A subscription `party` manages; 404 for one it does not (its existence is not disclosed).
pub async fn find_for(
    conn: &mut AsyncPgConnection,
    party: Party,
    id: Uuid,
) -> AppResult<SubscriptionRow> {
    let row: Option<SubscriptionRow> = webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .await
        .optional()?;
    row.filter(|row| policy::may_manage_subscription(party, row.owner()))
        .ok_or_else(|| AppError::not_found("webhook subscription"))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    party: Party,
    keyset: Keyset,
) -> AppResult<Vec<SubscriptionRow>> {
    let mut query = webhook_subscriptions::table
        .select(SubscriptionRow::as_select())
        .order(webhook_subscriptions::id)
        .limit(keyset.fetch())
        .into_boxed();
    if let Some(after) = keyset.after {
        query = query.filter(webhook_subscriptions::id.gt(after));
    }
    match policy::subscription_list_scope(party) {
        ListScope::All => {}
        ListScope::Authority(authority) => {
            query = query.filter(webhook_subscriptions::authority_id.eq(authority));
        }
        ListScope::Organisation(org) => {
            query = query.filter(webhook_subscriptions::organisation_id.eq(org));
        }
    }
    Ok(query.load(conn).await?)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    party: Party,
    id: Uuid,
    precondition: Precondition,
    patch: SubscriptionPatch,
    rules: TargetRules,
) -> AppResult<SubscriptionRow> {
    let mut v = Violations::new();
    if let Some(url) = &patch.url {
        check_url(&mut v, rules, url).await;
    }
    if let Some(events) = &patch.events {
        check_events(&mut v, events);
    }
    if let Some(Some(description)) = &patch.description {
        v.text(
            "description",
            description,
            crate::limits!(SubscriptionPatch, "description"),
        );
    }
    v.into_result()?;
    conn.transaction(async |conn| {
        let current = find_for(conn, party, id).await?;
        let locked: SubscriptionRow = webhook_subscriptions::table
            .find(current.id)
            .select(SubscriptionRow::as_select())
            .for_update()
            .first(conn)
            .await?;
        precondition.check(&locked.etag())?;
        let status = patch.status.unwrap_or(locked.status);
        let reason = match status {
            SubscriptionStatus::Active => None,
            SubscriptionStatus::Disabled if locked.status == SubscriptionStatus::Disabled => {
                locked.disabled_reason.clone()
            }
            SubscriptionStatus::Disabled => Some("disabled by its owner".to_string()),
        };
        Ok(diesel::update(webhook_subscriptions::table.find(id))
            .set((
                webhook_subscriptions::url.eq(patch.url.unwrap_or(locked.url)),
                webhook_subscriptions::events.eq(patch
                    .events
                    .map(|e| event_names(&e))
                    .unwrap_or(locked.events)),
                webhook_subscriptions::description
                    .eq(patch.description.unwrap_or(locked.description)),
                webhook_subscriptions::status.eq(status),
                webhook_subscriptions::disabled_reason.eq(reason),
                webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
                webhook_subscriptions::updated_at.eq(Utc::now()),
            ))
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)
            .await?)
    })
    .await
}

/// Deletes a subscription with its delivery log: every delivery, waiting (never sent then),
/// sent or failed, and with them their attempts (`ON DELETE CASCADE`). Nothing could read
/// the log any more: it is listed only through its subscription.
pub async fn delete(conn: &mut AsyncPgConnection, party: Party, id: Uuid) -> AppResult<()> {
    conn.transaction(async |conn| {
        let row = find_for(conn, party, id).await?;
        diesel::delete(
            outbox_table::table
                .filter(outbox_table::channel.eq(Channel::Webhook))
                .filter(outbox_table::recipient.eq(row.id.to_string())),
        )
        .execute(conn)
        .await?;
        diesel::delete(webhook_subscriptions::table.find(row.id))
            .execute(conn)
            .await?;
        Ok(())
    })
    .await
}

/// A new secret; the current one keeps signing beside it for 24 hours.
pub async fn rotate_secret(
    conn: &mut AsyncPgConnection,
    party: Party,
    id: Uuid,
) -> AppResult<SubscriptionWithSecret> {
    conn.transaction(async |conn| {
        let row = find_for(conn, party, id).await?;
        let secret = super::signature::generate_secret();
        let row: SubscriptionRow = diesel::update(webhook_subscriptions::table.find(row.id))
            .set((
                webhook_subscriptions::previous_secret.eq(Some(&row.secret)),
                webhook_subscriptions::previous_secret_expires_at
                    .eq(Some(Utc::now() + ROTATION_OVERLAP)),
                webhook_subscriptions::secret.eq(&secret),
                webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
                webhook_subscriptions::updated_at.eq(Utc::now()),
            ))
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)
            .await?;
        Ok(SubscriptionWithSecret {
            subscription: row.into(),
            secret,
        })
    })
    .await
}

/// An event as a receiver gets it: `{"type", "timestamp", "data"}`.
pub(super) fn envelope(kind: &str, data: serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "type": kind,
        "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
}

/// Queues a `ping` to one subscription.
pub async fn ping(conn: &mut AsyncPgConnection, party: Party, id: Uuid) -> AppResult<Uuid> {
    let row = find_for(conn, party, id).await?;
    if row.status == SubscriptionStatus::Disabled {
        return Err(disabled());
    }
    let message = Uuid::now_v7();
    diesel::insert_into(outbox_table::table)
        .values((
            outbox_table::id.eq(message),
            outbox_table::channel.eq(Channel::Webhook),
            outbox_table::topic.eq(PING),
            outbox_table::recipient.eq(row.id.to_string()),
            outbox_table::subject_id.eq(Some(row.id)),
            outbox_table::payload.eq(Some(envelope(
                PING,
                serde_json::json!({ "subscription_id": row.id }),
            ))),
            outbox_table::traceparent.eq(crate::telemetry::context::current_traceparent()),
        ))
        .execute(conn)
        .await?;
    Ok(message)
}

pub(super) fn disabled() -> AppError {
    AppError::conflict(
        "subscription_disabled",
        "The subscription is disabled; re-enable it with PATCH {\"status\": \"active\"}.",
    )
}

/// The subscription a delivery goes to, if it still exists.
pub async fn subscription(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<SubscriptionRow>> {
    webhook_subscriptions::table
        .find(id)
        .select(SubscriptionRow::as_select())
        .first(conn)
        .await
        .optional()
}
