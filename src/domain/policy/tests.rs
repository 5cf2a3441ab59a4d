//! A test per rule of the policy.

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
    let read = |party| may_read_registration(RegistrationReader::Party(party), Some(ORG), never);
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

fn caller(role: Option<Role>) -> Caller {
    Caller(role.map(|role| crate::base::Principal {
        subject: "someone".into(),
        role,
        organisation_id: (role == Role::Partner).then_some(ORG),
        display_name: None,
    }))
}

#[test]
fn a_registration_is_read_with_a_token_or_its_cancel_token() {
    let staff = caller(Some(Role::Moderator));
    assert!(matches!(
        registration_reader(&staff, Some("t")),
        Ok(RegistrationReader::Party(Party::Moderator))
    ));
    let partner = caller(Some(Role::Partner));
    assert!(matches!(
        registration_reader(&partner, None),
        Ok(RegistrationReader::Party(Party::Partner(ORG)))
    ));
    assert!(matches!(
        registration_reader(&partner, Some("t")),
        Ok(RegistrationReader::Token("t"))
    ));
    let anonymous = caller(None);
    assert!(matches!(
        registration_reader(&anonymous, Some("t")),
        Ok(RegistrationReader::Token("t"))
    ));
    let refused = registration_reader(&anonymous, None).map(|_| ());
    assert_eq!(refused.unwrap_err().code, "unauthorized");
}

#[test]
fn the_domain_is_handed_a_decision_only_for_callers_the_rule_lets_through() {
    let partner = caller(Some(Role::Partner));
    let by = authorize(&partner, Action::Submit).unwrap();
    assert_eq!(by.party(), Party::Partner(ORG));
    assert_eq!(by.actor(), "partner:someone");
    assert_eq!(
        authorize(&partner, Action::Review).unwrap_err().code,
        "forbidden"
    );
    assert_eq!(
        authorize(&caller(None), Action::Submit).unwrap_err().code,
        "unauthorized"
    );
}

#[test]
fn a_partner_subscribes_for_its_own_organisation_and_an_admin_for_any() {
    assert_eq!(
        subscription_owner(Party::Partner(ORG), None).unwrap(),
        Some(ORG)
    );
    assert_eq!(
        subscription_owner(Party::Partner(ORG), Some(ORG)).unwrap(),
        Some(ORG)
    );
    assert!(subscription_owner(Party::Partner(ORG), Some(OTHER)).is_err());
    assert_eq!(
        subscription_owner(Party::Admin, Some(OTHER)).unwrap(),
        Some(OTHER)
    );
    assert_eq!(subscription_owner(Party::Admin, None).unwrap(), None);
    assert_eq!(subscription_list_scope(Party::Admin), ListScope::All);
    assert_eq!(
        subscription_list_scope(Party::Partner(ORG)),
        ListScope::Organisation(Some(ORG))
    );
    assert_eq!(
        subscription_list_scope(Party::Moderator),
        ListScope::Organisation(None)
    );
}

#[test]
fn draft_responses_are_for_staff_and_registrants_see_events_as_anyone() {
    assert_eq!(
        EVERYONE.map(may_see_draft_response),
        [false, false, true, true]
    );
    assert_eq!(RegistrationReader::Token("t").party(), Party::Anonymous);
    assert_eq!(
        RegistrationReader::Party(Party::Partner(ORG)).party(),
        Party::Partner(ORG)
    );
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
