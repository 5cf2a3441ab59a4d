//! A test per rule of the policy.

use super::*;

const ORG: Uuid = Uuid::from_u128(1);
const OTHER: Uuid = Uuid::from_u128(2);
const AUTHORITY: Uuid = Uuid::from_u128(10);
const OTHER_AUTHORITY: Uuid = Uuid::from_u128(11);
const MODERATOR: Party = Party::Moderator(AUTHORITY);
const AUTHORITY_ADMIN: Party = Party::AuthorityAdmin(AUTHORITY);
const EVERYONE: [Party; 5] = [
    Party::Anonymous,
    Party::Partner(ORG),
    MODERATOR,
    AUTHORITY_ADMIN,
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
        assert_eq!(who_may(action), [MODERATOR, AUTHORITY_ADMIN, Party::Admin]);
    }
}

#[test]
fn only_the_platforms_admins_run_the_platform() {
    for action in [
        Action::ManageAuthorities,
        Action::MoveConsultations,
        Action::ManageOrganisations,
        Action::ManageClients,
    ] {
        assert_eq!(who_may(action), [Party::Admin], "{action:?}");
    }
}

#[test]
fn admins_and_authorities_admins_run_the_process() {
    for action in [
        Action::ManageConsultations,
        Action::ManageRounds,
        Action::ExportAttendance,
        Action::CheckIn,
        Action::CancelAnyRegistration,
        Action::HandlePrivacyRequests,
        Action::ReadOutbox,
        Action::PublishResponses,
    ] {
        assert_eq!(
            who_may(action),
            [AUTHORITY_ADMIN, Party::Admin],
            "{action:?}"
        );
    }
}

#[test]
fn an_authoritys_staff_work_in_its_rows_only_and_everyone_else_in_all() {
    assert_eq!(MODERATOR.scope(), Scope::Authority(AUTHORITY));
    assert_eq!(AUTHORITY_ADMIN.scope(), Scope::Authority(AUTHORITY));
    for party in [Party::Anonymous, Party::Partner(ORG), Party::Admin] {
        assert_eq!(party.scope(), Scope::Every, "{party:?}");
    }
}

#[test]
fn partners_subscribe_for_their_organisation_admins_for_all() {
    assert_eq!(
        who_may(Action::ManageWebhooks),
        [Party::Partner(ORG), AUTHORITY_ADMIN, Party::Admin]
    );
    let of_org = |org| Subscriber {
        organisation: Some(org),
        authority: None,
    };
    let of_authority = |authority| Subscriber {
        organisation: None,
        authority: Some(authority),
    };
    assert!(may_manage_subscription(Party::Admin, Subscriber::default()));
    assert!(may_manage_subscription(Party::Admin, of_org(ORG)));
    assert!(may_manage_subscription(
        Party::Admin,
        of_authority(AUTHORITY)
    ));
    assert!(may_manage_subscription(Party::Partner(ORG), of_org(ORG)));
    assert!(!may_manage_subscription(Party::Partner(OTHER), of_org(ORG)));
    assert!(!may_manage_subscription(
        Party::Partner(ORG),
        Subscriber::default()
    ));
    assert!(!may_manage_subscription(MODERATOR, of_org(ORG)));
    assert!(may_manage_subscription(
        AUTHORITY_ADMIN,
        of_authority(AUTHORITY)
    ));
    assert!(!may_manage_subscription(
        AUTHORITY_ADMIN,
        of_authority(OTHER_AUTHORITY)
    ));
    assert!(!may_manage_subscription(
        AUTHORITY_ADMIN,
        Subscriber::default()
    ));
    assert_eq!(
        subscription_owner(AUTHORITY_ADMIN, None).unwrap(),
        of_authority(AUTHORITY)
    );
    assert_eq!(
        subscription_list_scope(AUTHORITY_ADMIN),
        ListScope::Authority(AUTHORITY)
    );
}

#[test]
fn an_authoritys_subscription_hears_of_its_authority_only() {
    let public = Audience {
        organisation: None,
        public: true,
    };
    let authoritys = Subscriber {
        organisation: None,
        authority: Some(AUTHORITY),
    };
    assert!(may_receive(authoritys, public, Some(AUTHORITY)));
    assert!(!may_receive(authoritys, public, Some(OTHER_AUTHORITY)));
    assert!(may_receive(
        Subscriber::default(),
        public,
        Some(OTHER_AUTHORITY)
    ));
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
    let partner = Subscriber {
        organisation: Some(ORG),
        authority: None,
    };
    let any = Some(AUTHORITY);
    assert!(may_receive(partner, own, any));
    assert!(!may_receive(partner, foreign, any));
    assert!(may_receive(partner, public_round, any));
    assert!(may_receive(Subscriber::default(), foreign, any));
    assert!(!may_receive(
        partner,
        Audience {
            organisation: None,
            public: false
        },
        any
    ));
}

#[test]
fn only_anonymous_registrants_confirm_by_mail() {
    assert_eq!(
        who_may(Action::RegisterWithoutConfirmation),
        [
            Party::Partner(ORG),
            MODERATOR,
            AUTHORITY_ADMIN,
            Party::Admin
        ]
    );
}

#[test]
fn partners_and_staff_submit_but_only_staff_for_others() {
    assert_eq!(
        who_may(Action::Submit),
        [
            Party::Partner(ORG),
            MODERATOR,
            AUTHORITY_ADMIN,
            Party::Admin
        ]
    );
    assert_eq!(
        who_may(Action::RecordForOthers),
        [MODERATOR, AUTHORITY_ADMIN, Party::Admin]
    );
}

#[test]
fn an_organisation_is_read_by_staff_and_its_own_partner() {
    assert!(may_read_organisation(Party::Admin, ORG));
    assert!(may_read_organisation(MODERATOR, ORG));
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
    assert!(submission_scope(MODERATOR).includes(false, Some(OTHER)));
}

#[test]
fn author_names_go_to_staff_and_the_submitting_organisation() {
    assert!(may_see_author(Party::Admin, Some(OTHER)));
    assert!(may_see_author(MODERATOR, None));
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
    assert!(read(Party::Admin) && read(MODERATOR) && read(Party::Partner(ORG)));
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
    Caller(role.map(|role| {
        crate::base::Principal {
            subject: "someone".into(),
            role,
            organisation_id: (role == Role::Partner).then_some(ORG),
            display_name: None,
            authority: role
                .acts_for_an_authority()
                .then(|| crate::base::AuthorityOfCaller {
                    slug: "kreis-mettmann".into(),
                    id: Some(AUTHORITY),
                }),
        }
    }))
}

#[test]
fn a_registration_is_read_with_a_token_or_its_cancel_token() {
    let staff = caller(Some(Role::Moderator));
    assert_eq!(
        staff.principal().unwrap().actor(),
        "moderator@kreis-mettmann:someone"
    );
    assert!(matches!(
        registration_reader(&staff, Some("t")),
        Ok(RegistrationReader::Party(MODERATOR))
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
    let of_org = |org| Subscriber {
        organisation: Some(org),
        authority: None,
    };
    assert_eq!(
        subscription_owner(Party::Partner(ORG), None).unwrap(),
        of_org(ORG)
    );
    assert_eq!(
        subscription_owner(Party::Partner(ORG), Some(ORG)).unwrap(),
        of_org(ORG)
    );
    assert!(subscription_owner(Party::Partner(ORG), Some(OTHER)).is_err());
    assert_eq!(
        subscription_owner(Party::Admin, Some(OTHER)).unwrap(),
        of_org(OTHER)
    );
    assert_eq!(
        subscription_owner(Party::Admin, None).unwrap(),
        Subscriber::default()
    );
    assert_eq!(subscription_list_scope(Party::Admin), ListScope::All);
    assert_eq!(
        subscription_list_scope(Party::Partner(ORG)),
        ListScope::Organisation(Some(ORG))
    );
    assert_eq!(
        subscription_list_scope(MODERATOR),
        ListScope::Organisation(None)
    );
}

#[test]
fn draft_responses_are_for_staff_and_registrants_see_events_as_anyone() {
    assert_eq!(
        EVERYONE.map(may_see_draft_response),
        [false, false, true, true, true]
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
    assert_eq!(registration_list_scope(MODERATOR), None);
    assert_eq!(registration_list_scope(Party::Partner(ORG)), Some(ORG));
    assert_eq!(who_may(Action::ListRegistrations).len(), 4);
}

#[test]
fn erasure_events_are_for_staff_only() {
    assert!(may_see_event(Party::Admin, "personal_data_erased"));
    assert!(may_see_event(MODERATOR, "personal_data_erased"));
    assert!(!may_see_event(Party::Partner(ORG), "personal_data_erased"));
    assert!(!may_see_event(Party::Anonymous, "personal_data_erased"));
    assert!(may_see_event(Party::Anonymous, "reviewed"));
    assert_eq!(who_may(Action::ReadActorIdentity).len(), 3);
}
