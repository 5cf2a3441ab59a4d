//! Who may see and do what: every access rule of the service, in one place, each with a
//! test. Handlers and queries ask this module; none matches roles itself.
//!
//! | party | may |
//! |---|---|
//! | anonymous | read public consultations and rounds, accepted submissions (without author names), register for a round |
//! | partner | what anonymous may; hand in, read, change and withdraw its organisation's submissions; register people for its organisation and read those registrations; manage its webhooks |
//! | moderator | read everything, review submissions, read registrations, reports and exports of submissions |
//! | admin | everything |
//! | registrant | with the cancel token: read and cancel that one registration |

use uuid::Uuid;

use crate::base::{Caller, Role};
use crate::error::{AppError, AppResult};

/// Who is asking, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    Anonymous,
    /// An organisation's API client.
    Partner(Uuid),
    Moderator,
    Admin,
}

impl Party {
    pub fn of(caller: &Caller) -> Self {
        match caller.principal() {
            None => Self::Anonymous,
            Some(p) => match (p.role, p.organisation_id) {
                (Role::Admin, _) => Self::Admin,
                (Role::Moderator, _) => Self::Moderator,
                (Role::Partner, Some(org)) => Self::Partner(org),
                // Tokens are checked to carry an organisation for partners; without one a
                // partner has no more rights than anyone.
                (Role::Partner, None) => Self::Anonymous,
            },
        }
    }

    /// Ministry staff: admins and moderators.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Admin | Self::Moderator)
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
        | ManageOrganisations
        | ManageClients
        | ExportAttendance
        | CheckIn
        | CancelAnyRegistration
        | HandlePrivacyRequests
        | ReadOutbox
        | PublishResponses => party == Party::Admin,
        Submit => party != Party::Anonymous,
        RecordForOthers => party.is_staff(),
        ListRegistrations | RegisterWithoutConfirmation => party != Party::Anonymous,
        ManageWebhooks => matches!(party, Party::Partner(_) | Party::Admin),
    }
}

/// 401 for an anonymous caller that needs a token, 403 for a party the rule refuses.
pub fn authorize(caller: &Caller, action: Action) -> AppResult<Party> {
    let party = Party::of(caller);
    require(caller, permits(party, action)).map(|()| party)
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

/// Whether `party` manages a subscription of `owner` (an organisation, or `None` for an
/// admin's subscription to everything): admins all, a partner its organisation's. Others
/// do not learn that it exists.
pub fn may_manage_subscription(party: Party, owner: Option<Uuid>) -> bool {
    party == Party::Admin || (owner.is_some() && party.organisation() == owner)
}

/// Whom an event concerns: the organisation whose submission or registration it is about,
/// and whether anyone may read it (a round of a public consultation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Audience {
    pub organisation: Option<Uuid>,
    pub public: bool,
}

/// Whether a subscription of `subscriber` (an organisation, or `None` for an admin's)
/// receives an event for `audience`: an organisation only what is its own or public.
pub fn may_receive(subscriber: Option<Uuid>, audience: Audience) -> bool {
    match subscriber {
        None => true,
        Some(org) => audience.public || audience.organisation == Some(org),
    }
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
        Party::Admin | Party::Moderator => SubmissionScope::All,
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
mod tests {
    use super::*;

    const ORG: Uuid = Uuid::from_u128(1);
    const OTHER: Uuid = Uuid::from_u128(2);
    const EVERYONE: [Party; 4] = [
        Party::Anonymous,
        Party::Partner(ORG),
        Party::Moderator,
        Party::Admin,
    ];

    fn who_may(action: Action) -> Vec<Party> {
        EVERYONE
            .into_iter()
            .filter(|p| permits(*p, action))
            .collect()
    }

    #[test]
    fn staff_read_drafts_review_and_read_reports() {
        for action in [Action::ReadDrafts, Action::Review, Action::ReadReports] {
            assert_eq!(who_may(action), [Party::Moderator, Party::Admin]);
        }
    }

    #[test]
    fn only_admins_run_the_process() {
        for action in [
            Action::ManageConsultations,
            Action::ManageRounds,
            Action::ManageOrganisations,
            Action::ManageClients,
            Action::ExportAttendance,
            Action::CheckIn,
            Action::CancelAnyRegistration,
            Action::HandlePrivacyRequests,
            Action::ReadOutbox,
            Action::PublishResponses,
        ] {
            assert_eq!(who_may(action), [Party::Admin], "{action:?}");
        }
    }

    #[test]
    fn partners_subscribe_for_their_organisation_admins_for_all() {
        assert_eq!(
            who_may(Action::ManageWebhooks),
            [Party::Partner(ORG), Party::Admin]
        );
        assert!(may_manage_subscription(Party::Admin, None));
        assert!(may_manage_subscription(Party::Admin, Some(ORG)));
        assert!(may_manage_subscription(Party::Partner(ORG), Some(ORG)));
        assert!(!may_manage_subscription(Party::Partner(OTHER), Some(ORG)));
        assert!(!may_manage_subscription(Party::Partner(ORG), None));
        assert!(!may_manage_subscription(Party::Moderator, Some(ORG)));
    }

    #[test]
    fn a_partner_receives_events_about_its_own_and_public_things_only() {
        let own = Audience {
            organisation: Some(ORG),
            public: false,
        };
        let foreign = Audience {
            organisation: Some(OTHER),
            public: false,
        };
        let public_round = Audience {
            organisation: None,
            public: true,
        };
        assert!(may_receive(Some(ORG), own));
        assert!(!may_receive(Some(ORG), foreign));
        assert!(may_receive(Some(ORG), public_round));
        assert!(may_receive(None, foreign));
        assert!(!may_receive(
            Some(ORG),
            Audience {
                organisation: None,
                public: false
            }
        ));
    }

    #[test]
    fn only_anonymous_registrants_confirm_by_mail() {
        assert_eq!(
            who_may(Action::RegisterWithoutConfirmation),
            [Party::Partner(ORG), Party::Moderator, Party::Admin]
        );
    }

    #[test]
    fn partners_and_staff_submit_but_only_staff_for_others() {
        assert_eq!(
            who_may(Action::Submit),
            [Party::Partner(ORG), Party::Moderator, Party::Admin]
        );
        assert_eq!(
            who_may(Action::RecordForOthers),
            [Party::Moderator, Party::Admin]
        );
    }

    #[test]
    fn an_organisation_is_read_by_staff_and_its_own_partner() {
        assert!(may_read_organisation(Party::Admin, ORG));
        assert!(may_read_organisation(Party::Moderator, ORG));
        assert!(may_read_organisation(Party::Partner(ORG), ORG));
        assert!(!may_read_organisation(Party::Partner(OTHER), ORG));
        assert!(!may_read_organisation(Party::Anonymous, ORG));
    }

    #[test]
    fn submissions_are_visible_by_scope() {
        let partner = submission_scope(Party::Partner(ORG));
        assert!(partner.includes(false, Some(ORG)));
        assert!(partner.includes(true, Some(OTHER)));
        assert!(!partner.includes(false, Some(OTHER)));
        assert!(!partner.includes(false, None));
        let anonymous = submission_scope(Party::Anonymous);
        assert!(anonymous.includes(true, Some(ORG)));
        assert!(!anonymous.includes(false, Some(ORG)));
        assert!(submission_scope(Party::Moderator).includes(false, Some(OTHER)));
    }

    #[test]
    fn author_names_go_to_staff_and_the_submitting_organisation() {
        assert!(may_see_author(Party::Admin, Some(OTHER)));
        assert!(may_see_author(Party::Moderator, None));
        assert!(may_see_author(Party::Partner(ORG), Some(ORG)));
        assert!(!may_see_author(Party::Partner(ORG), Some(OTHER)));
        assert!(!may_see_author(Party::Partner(ORG), None));
        assert!(!may_see_author(Party::Anonymous, Some(ORG)));
    }

    #[test]
    fn only_the_submitting_organisation_changes_a_submission() {
        assert!(may_change_submission(Party::Partner(ORG), Some(ORG)));
        assert!(!may_change_submission(Party::Partner(ORG), Some(OTHER)));
        assert!(!may_change_submission(Party::Admin, Some(ORG)));
        assert!(!may_change_submission(Party::Anonymous, None));
    }

    #[test]
    fn a_registration_is_read_by_staff_its_partner_and_its_registrant() {
        let never = |_: &str| false;
        let read =
            |party| may_read_registration(RegistrationReader::Party(party), Some(ORG), never);
        assert!(read(Party::Admin) && read(Party::Moderator) && read(Party::Partner(ORG)));
        assert!(!read(Party::Partner(OTHER)) && !read(Party::Anonymous));
        assert!(may_read_registration(
            RegistrationReader::Token("t"),
            None,
            |t| t == "t"
        ));
        assert!(!may_read_registration(
            RegistrationReader::Token("x"),
            None,
            |t| t == "t"
        ));
    }

    #[test]
    fn registration_lists_show_a_partner_only_its_own() {
        assert_eq!(registration_list_scope(Party::Admin), None);
        assert_eq!(registration_list_scope(Party::Moderator), None);
        assert_eq!(registration_list_scope(Party::Partner(ORG)), Some(ORG));
        assert_eq!(who_may(Action::ListRegistrations).len(), 3);
    }

    #[test]
    fn erasure_events_are_for_staff_only() {
        assert!(may_see_event(Party::Admin, "personal_data_erased"));
        assert!(may_see_event(Party::Moderator, "personal_data_erased"));
        assert!(!may_see_event(Party::Partner(ORG), "personal_data_erased"));
        assert!(!may_see_event(Party::Anonymous, "personal_data_erased"));
        assert!(may_see_event(Party::Anonymous, "reviewed"));
        assert_eq!(who_may(Action::ReadActorIdentity).len(), 2);
    }
}
