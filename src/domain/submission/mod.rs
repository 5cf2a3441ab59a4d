//! Submissions (Beiträge): needs (Bedarfe), action approaches (Handlungsansätze) that answer
//! them, and statements; who may see them, hand them in, change them, how moderators decide
//! on them and how the ministry answers them. One file per capability; `wire` holds what
//! the API sends and receives.

mod announce;
mod change;
mod create;
mod history;
mod model;
mod response;
mod review;
mod search;
mod wire;

pub(in crate::domain) use announce::webhook_event;
pub use change::{update, withdraw};
pub use create::{MAX_ADDRESSES, continue_numbers_after, create, seed};
pub(in crate::domain) use create::{
    check_fields, check_open, duplicate_external_ref, next_numbers,
};
pub use history::history;
pub use model::{SubmissionRow, find_visible};
pub use response::{draft, publish};
pub use review::review;
pub(in crate::domain) use search::as_number;
pub use search::{
    ANONYMOUS_SEARCH_BUDGET, MAX_SEARCH_CHARS, MAX_SEARCH_TERMS, MIN_SEARCH_TERM_CHARS, Search,
    SubmissionFilter, list, search_terms,
};
pub use wire::{
    Consideration, ConsideredResponse, NewSubmission, PublishRequest, Published, ResponseDraft,
    Review, Submission, SubmissionKind, SubmissionPatch, SubmissionSource, SubmissionStatus,
};
