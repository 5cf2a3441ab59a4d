//! Statements prepared once per connection and reused, keyed by their SQL text.
//!
//! diesel caches a prepared statement by the Rust type of its query where it can. A query
//! whose SQL text varies with its values is marked unsafe to cache that way: an `INSERT` of
//! optional columns (a value writes a parameter, `None` writes `DEFAULT`), every `UPDATE`,
//! `ON CONFLICT … DO UPDATE`, raw SQL and SQL fragments. Such a statement is then parsed,
//! planned and described anew on every call: one more round trip to PostgreSQL and its
//! planning work, each time. Keyed by its text (and parameter types), as diesel-async does
//! for boxed queries, it is as safe to reuse as any other statement: the same text is the
//! same statement. [`ByText`] asks for exactly that.
//!
//! Use it where a call site produces few distinct texts: each one becomes a prepared
//! statement of every connection that runs it (not for multi-row inserts of varying length).

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::QueryResult;

/// A query reused as a prepared statement under its SQL text (see the module doc).
#[derive(Debug, Clone, Copy)]
pub struct ByText<Q>(pub Q);

impl<Q: QueryFragment<Pg>> QueryFragment<Pg> for ByText<Q> {
    fn walk_ast<'b>(&'b self, pass: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.walk_ast(pass)
    }

    fn is_safe_to_cache_prepared(&self, _backend: &Pg) -> QueryResult<bool> {
        Ok(true)
    }
}

/// No static id: the statement cache keys it by its SQL text and bind types.
impl<Q> QueryId for ByText<Q> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: Query> Query for ByText<Q> {
    type SqlType = Q::SqlType;
}

/// `.by_text()` on any query.
pub trait PreparedByText: Sized {
    fn by_text(self) -> ByText<Self> {
        ByText(self)
    }
}

impl<Q: QueryFragment<Pg>> PreparedByText for Q {}
