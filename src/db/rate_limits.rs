//! The strict rate limits' counters in PostgreSQL, so that every replica counts against one
//! quota (table `rate_limit_arrivals`, function `take_rate_limit`: GCRA, one statement).

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Double, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::PreparedByText;
use crate::config::Rate;

/// What taking one request from a quota gave.
#[derive(Debug, Clone, Copy, PartialEq, QueryableByName)]
pub struct Taken {
    /// Whether the request may pass.
    #[diesel(sql_type = Bool)]
    pub allowed: bool,
    /// Requests left in the quota after this one.
    #[diesel(sql_type = Integer)]
    pub remaining: i32,
    /// When allowed: seconds until the quota is full again; else until the next request
    /// may pass.
    #[diesel(sql_type = Double)]
    pub seconds: f64,
}

/// Takes one request from the quota of `key` under `policy`, shared by every replica.
pub async fn take(
    mut conn: &mut AsyncPgConnection,
    policy: &str,
    key: &str,
    rate: Rate,
) -> diesel::QueryResult<Taken> {
    diesel::sql_query("SELECT * FROM take_rate_limit($1, $2, $3, $4)")
        .bind::<Text, _>(policy)
        .bind::<Text, _>(key)
        .bind::<Integer, _>(i32::try_from(rate.requests).unwrap_or(i32::MAX))
        .bind::<Double, _>(rate.per.as_secs_f64())
        .by_text()
        .get_result(&mut conn)
        .await
}

/// Forgets the keys whose quota is full again (their arrival time has passed).
pub async fn forget_refilled(mut conn: &mut AsyncPgConnection) -> diesel::QueryResult<usize> {
    diesel::sql_query("DELETE FROM rate_limit_arrivals WHERE theoretical_arrival < now()")
        .execute(&mut conn)
        .await
}
