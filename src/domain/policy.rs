//! Who may see and do what: every access rule of the service, in one place, each with a
//! test. Handlers and queries ask this module; none matches roles itself.
//!
//! | party | may |
//! |---|---|
//! | anonymous | read public consultations and rounds, accepted submissions (without author names), register for a round |
//! | partner | what anonymous may; hand in, read, change and withdraw its organisation's submissions; register people for its organisation and read those registrations; manage its webhooks |
//! | moderator | within its authority: read everything, review submissions, read registrations, reports and exports of submissions |
//! | authority_admin | within its authority: what a moderator may, and run its consultations: rounds, check-in, exports, webhooks, privacy requests, its outbox and access log |
//! | admin | everything, in every authority; authorities, organisations and API clients |
//! | registrant | with the cancel token: read and cancel that one registration |
//!
//! "Within its authority" is not decided here but by the connection a scoped caller's
//! request gets ([`Party::scope`]): row-level security shows it its authority's rows only,
//! so another authority's resources are 404 and absent from every list.

use uuid::Uuid;

use crate::base::{Caller, Role, Scope};
use crate::error::{AppError, AppResult};

/// Who is asking, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Anonymous,
    /// An organisation's API client.
    Partner(Uuid),
    /// An authority's staff reviewing input.
    Moderator(Uuid),
    /// An authority's staff running its processes.
    AuthorityAdmin(Uuid),
    /// The platform's operator.
    Admin,
}

impl Party {
    pub fn of(caller: &Caller) -> Self {
        match caller.principal() {
            None => Self::Anonymous,
            Some(p) => match (p.role, p.organisation_id, p.authority_id()) {
                (Role::Admin, _, _) => Self::Admin,
                (Role::AuthorityAdmin, _, Some(authority)) => Self::AuthorityAdmin(authority),
                (Role::Moderator, _, Some(authority)) => Self::Moderator(authority),
                (Role::Partner, Some(org), _) => Self::Partner(org),
                // Tokens are checked to carry an organisation for partners and a known
                // authority for an authority's staff; without one, no more rights than
                // anyone.
                (Role::Partner, None, _) | (Role::AuthorityAdmin | Role::Moderator, _, None) => {
                    Self::Anonymous
                }
            },
        }
    }

    /// Staff: the platform's admins and authorities' staff.
    pub fn is_staff(self) -> bool {
        matches!(
            self,
            Self::Admin | Self::AuthorityAdmin(_) | Self::Moderator(_)
        )
    }

    /// Those who run consultations: the platform's admins and an authority's admins.
    pub fn runs_consultations(self) -> bool {
        matches!(self, Self::Admin | Self::AuthorityAdmin(_))
    }

    /// The authority an authority's staff act for.
    pub fn authority(self) -> Option<Uuid> {
        match self {
            Self::Moderator(authority) | Self::AuthorityAdmin(authority) => Some(authority),
            _ => None,
        }
    }

    /// Which authority's rows the party's database work sees: an authority's staff their
    /// own only; everyone else every authority's, as the rules here let them.
    pub fn scope(self) -> Scope {
        self.authority().map_or(Scope::Every, Scope::Authority)
    }

    pub fn organisation(self) -> Option<Uuid> {
        match self {
            Self::Partner(org) => Some(org),
            _ => None,
        }
    }
}

/// What a party may be allowed to do, independent of a particular resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See consultations in `draft` and their rounds.
    ReadDrafts,
    /// Create and change consultations.
    ManageConsultations,
    /// Create and change rounds.
    ManageRounds,
    /// Create and change authorities.
    ManageAuthorities,
    /// Give a consultation to another authority.
    MoveConsultations,
    /// Create and change organisations.
    ManageOrganisations,
    /// Create, list and revoke API clients.
    ManageClients,
    /// Hand in submissions (a partner for its own organisation).
    Submit,
    /// Record submissions for any organisation, e.g. a conference's results.
    RecordForOthers,
    /// Decide on submissions.
    Review,
    /// Read the report and export the submissions of a consultation.
    ReadReports,
    /// List a round's registrations (a partner: those it made).
    ListRegistrations,
    /// Read any registration and its history.
    ReadAnyRegistration,
    /// Export a round's attendance list.
    ExportAttendance,
    /// Check people in at a round.
    CheckIn,
    /// Cancel any registration without its cancel token.
    CancelAnyRegistration,
    /// Answer data-protection requests (export, erasure).
    HandlePrivacyRequests,
    /// Read who exactly acted in a history, and events about personal data.
    ReadActorIdentity,
    /// Register a person without the emailed double opt-in: whoever is known by a token
    /// vouches for the address; anyone else must prove it.
    RegisterWithoutConfirmation,
    /// Read the outbox (where mails stand, without their bodies).
    ReadOutbox,
    /// Subscribe to webhooks (a partner for its own organisation).
    ManageWebhooks,
    /// Publish the considered responses of a consultation.
    PublishResponses,
}

/// The rule table.
pub fn permits(party: Party, action: Action) -> bool {
    use Action::*;
    match action {
        ReadDrafts | Review | ReadReports | ReadAnyRegistration | ReadActorIdentity => {
            party.is_staff()
        }
        ManageConsultations
        | ManageRounds
        | ExportAttendance
        | CheckIn
        | CancelAnyRegistration
        | HandlePrivacyRequests
        | ReadOutbox
        | PublishResponses => party.runs_consultations(),
        ManageAuthorities | ManageOrganisations | ManageClients | MoveConsultations => {
            party == Party::Admin
        }
        Submit => party != Party::Anonymous,
        RecordForOthers => party.is_staff(),
        ListRegistrations | RegisterWithoutConfirmation => party != Party::Anonymous,
        ManageWebhooks => matches!(
            party,
            Party::Partner(_) | Party::Admin | Party::AuthorityAdmin(_)
        ),
    }
}

/// A caller the policy allowed an action, as the domain is handed it: its party and how it
/// appears in event logs. Only [`authorize`] makes one, so a domain function that takes it
/// runs for callers the rule let through, without deciding again.
#[derive(Debug, Clone)]
pub struct Authorized {
    party: Party,
    actor: String,
}

impl Authorized {
    pub fn party(&self) -> Party {
        self.party
    }

    /// How the caller appears in event logs.
    pub fn actor(&self) -> &str {
        &self.actor
    }
}

/// 401 for an anonymous caller that needs a token, 403 for a party the rule refuses.
pub fn authorize(caller: &Caller, action: Action) -> AppResult<Authorized> {
    let party = Party::of(caller);
    require(caller, permits(party, action))?;
    Ok(Authorized {
        party,
        actor: caller.actor(),
    })
}

/// Who reads a registration: staff and partners with their token, the registrant with the
/// cancel token (401 for an anonymous caller without one).
pub fn registration_reader<'t>(
    caller: &Caller,
    cancel_token: Option<&'t str>,
) -> AppResult<RegistrationReader<'t>> {
    match (Party::of(caller), cancel_token) {
        (party, _) if permits(party, Action::ReadAnyRegistration) => {
            Ok(RegistrationReader::Party(party))
        }
        (_, Some(token)) => Ok(RegistrationReader::Token(token)),
        (Party::Anonymous, None) => Err(AppError::unauthorized(
            "Send a bearer token or the registration's X-Cancel-Token.",
        )),
        (party, None) => Ok(RegistrationReader::Party(party)),
    }
}

/// The answer to a caller a resource-level rule decided on: 401 without a token, 403 for a
/// refusal.
pub fn require(caller: &Caller, allowed: bool) -> AppResult<()> {
    if allowed {
        Ok(())
    } else if caller.principal().is_none() {
        Err(AppError::unauthorized(
            "This endpoint requires a bearer token.",
        ))
    } else {
        Err(AppError::forbidden(format!(
            "The role {} may not do this here.",
            caller.principal().map_or("anonymous", |p| p.role.as_str())
        )))
    }
}

/// An organisation's record: staff, and the organisation's own partner.
pub fn may_read_organisation(party: Party, organisation: Uuid) -> bool {
    party.is_staff() || party.organisation() == Some(organisation)
}

// ---------------------------------------------------------------------------------------
// Webhooks

/// Whose a webhook subscription is: an organisation's (a partner's), an authority's (its
/// admins'), or, with neither, the platform's (an admin's, hearing of everything).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Subscriber {
    pub organisation: Option<Uuid>,
    pub authority: Option<Uuid>,
}

/// Whether `party` manages the subscription of `owner`: admins all, an authority's admin
/// its authority's, a partner its organisation's. Others do not learn that it exists.
pub fn may_manage_subscription(party: Party, owner: Subscriber) -> bool {
    match party {
        Party::Admin => true,
        Party::AuthorityAdmin(authority) => owner.authority == Some(authority),
        Party::Partner(org) => owner.organisation == Some(org),
        _ => false,
    }
}

/// Whose a new subscription is: a partner's own organisation's (403 for another one), an
/// authority's admin's its authority's (for an organisation of its choice or none), an
/// admin's the organisation it names, or everything.
pub fn subscription_owner(party: Party, named: Option<Uuid>) -> AppResult<Subscriber> {
    match (party, named) {
        (Party::Partner(org), None) => Ok(Subscriber {
            organisation: Some(org),
            authority: None,
        }),
        (Party::Partner(org), Some(named)) if named == org => Ok(Subscriber {
            organisation: Some(org),
            authority: None,
        }),
        (Party::Partner(_), Some(_)) => Err(AppError::forbidden(
            "A partner subscribes for its own organisation only.",
        )),
        (party, named) => Ok(Subscriber {
            organisation: named,
            authority: party.authority(),
        }),
    }
}

/// Which subscriptions a party's list shows: an admin all, an authority's admin its
/// authority's, anyone else those of its organisation (none without one).
pub fn subscription_list_scope(party: Party) -> ListScope {
    match party {
        Party::Admin => ListScope::All,
        Party::AuthorityAdmin(authority) => ListScope::Authority(authority),
        other => ListScope::Organisation(other.organisation()),
    }
}

/// The rows a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListScope {
    All,
    /// Those of this authority.
    Authority(Uuid),
    /// Those of this organisation; `None`: no rows.
    Organisation(Option<Uuid>),
}

/// A considered response still in draft is for staff; a published one for whoever sees its
/// submission.
pub fn may_see_draft_response(party: Party) -> bool {
    party.is_staff()
}

/// Whom an event concerns: the organisation whose submission or registration it is about,
/// and whether anyone may read it (a round of a public consultation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    pub organisation: Option<Uuid>,
    pub public: bool,
}

/// Whether `subscriber` receives an event for `audience` about a resource of `authority`:
/// an authority's subscription only what is of that authority; an organisation's only
/// what is its own or public.
pub fn may_receive(subscriber: Subscriber, audience: Audience, authority: Option<Uuid>) -> bool {
    let of_its_authority = subscriber.authority.is_none() || subscriber.authority == authority;
    let for_its_organisation = match subscriber.organisation {
        None => true,
        Some(org) => audience.public || audience.organisation == Some(org),
    };
    of_its_authority && for_its_organisation
}

// ---------------------------------------------------------------------------------------
// Submissions

/// Which submissions a party may see: staff all, a partner its own organisation's in every
/// status and others' accepted ones, anyone else accepted ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionScope {
    All,
    AcceptedOrOwn(Uuid),
    Accepted,
}

pub fn submission_scope(party: Party) -> SubmissionScope {
    match party {
        Party::Admin | Party::AuthorityAdmin(_) | Party::Moderator(_) => SubmissionScope::All,
        Party::Partner(org) => SubmissionScope::AcceptedOrOwn(org),
        Party::Anonymous => SubmissionScope::Accepted,
    }
}

impl SubmissionScope {
    /// Whether a submission of `organisation` that is `accepted` (or not) is in scope.
    pub fn includes(self, accepted: bool, organisation: Option<Uuid>) -> bool {
        match self {
            Self::All => true,
            Self::AcceptedOrOwn(org) => accepted || organisation == Some(org),
            Self::Accepted => accepted,
        }
    }
}

/// Author names and emails are personal data: for staff and the submitting organisation.
pub fn may_see_author(party: Party, organisation: Option<Uuid>) -> bool {
    party.is_staff() || (party.organisation().is_some() && party.organisation() == organisation)
}

/// Only the submitting organisation changes or withdraws a submission.
pub fn may_change_submission(party: Party, organisation: Option<Uuid>) -> bool {
    party.organisation().is_some() && party.organisation() == organisation
}

// ---------------------------------------------------------------------------------------
// Registrations

/// Who reads a registration: `Token` is the registrant, holding a cancel token.
#[derive(Debug, Clone, Copy)]
pub enum RegistrationReader<'a> {
    Party(Party),
    Token(&'a str),
}

impl RegistrationReader<'_> {
    /// The party whose view of events the reader gets: the registrant's is anyone's.
    pub fn party(self) -> Party {
        match self {
            Self::Party(party) => party,
            Self::Token(_) => Party::Anonymous,
        }
    }
}

/// A registration's personal data: staff, the partner that made it, the registrant.
pub fn may_read_registration(
    reader: RegistrationReader<'_>,
    registered_by: Option<Uuid>,
    token_matches: impl FnOnce(&str) -> bool,
) -> bool {
    match reader {
        RegistrationReader::Party(party) => {
            permits(party, Action::ReadAnyRegistration)
                || (party.organisation().is_some() && party.organisation() == registered_by)
        }
        RegistrationReader::Token(token) => token_matches(token),
    }
}

/// Which registrations of a round a party's list shows: `None` all, `Some(org)` those the
/// organisation made.
pub fn registration_list_scope(party: Party) -> Option<Uuid> {
    if permits(party, Action::ReadAnyRegistration) {
        None
    } else {
        party.organisation()
    }
}

// ---------------------------------------------------------------------------------------
// Histories

/// Events about personal data (an erasure) are for staff only.
pub fn may_see_event(party: Party, action: &str) -> bool {
    permits(party, Action::ReadActorIdentity) || !PRIVATE_EVENTS.contains(&action)
}

/// Actions whose events only staff see.
pub const PRIVATE_EVENTS: &[&str] = &["personal_data_erased"];

#[cfg(test)]
mod tests;
