// Diesel table definitions, matching `migrations/`.

diesel::table! {
    authorities (id) {
        id -> Uuid,
        slug -> Text,
        name -> Text,
        kind -> Text,
        contact_email -> Nullable<Text>,
        privacy_contact -> Nullable<Text>,
        imprint_url -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    organisations (id) {
        id -> Uuid,
        name -> Text,
        category -> Text,
        region -> Nullable<Text>,
        website -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Uuid,
        name -> Text,
        role -> Text,
        organisation_id -> Nullable<Uuid>,
        secret_hash -> Text,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        authority_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    consultations (id) {
        id -> Uuid,
        slug -> Text,
        title -> Text,
        summary -> Text,
        status -> Text,
        topics -> Jsonb,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        number_prefix -> Text,
        retention_registrations_days -> Int4,
        retention_authors_days -> Int4,
        archived_at -> Nullable<Timestamptz>,
        authority_id -> Uuid,
        translations -> Jsonb,
    }
}

diesel::table! {
    submission_counters (consultation_id) {
        consultation_id -> Uuid,
        last_number -> Int4,
        authority_id -> Uuid,
    }
}

diesel::table! {
    rounds (id) {
        id -> Uuid,
        consultation_id -> Uuid,
        kind -> Text,
        title -> Text,
        venue_name -> Nullable<Text>,
        venue_street -> Nullable<Text>,
        venue_postal_code -> Nullable<Text>,
        venue_city -> Nullable<Text>,
        region -> Nullable<Text>,
        starts_at -> Timestamptz,
        ends_at -> Timestamptz,
        capacity -> Int4,
        registration_opens_at -> Nullable<Timestamptz>,
        registration_closes_at -> Nullable<Timestamptz>,
        submissions_open_at -> Nullable<Timestamptz>,
        submissions_close_at -> Nullable<Timestamptz>,
        cancelled -> Bool,
        confirmed_count -> Int4,
        waitlisted_count -> Int4,
        attended_count -> Int4,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        authority_id -> Uuid,
        translations -> Jsonb,
    }
}

diesel::joinable!(api_clients -> organisations (organisation_id));
diesel::joinable!(api_clients -> authorities (authority_id));
diesel::joinable!(rounds -> consultations (consultation_id));
diesel::joinable!(consultations -> authorities (authority_id));

diesel::table! {
    registrations (id) {
        id -> Uuid,
        round_id -> Uuid,
        name -> Text,
        email -> Text,
        organisation_id -> Nullable<Uuid>,
        organisation_name -> Nullable<Text>,
        category -> Nullable<Text>,
        needs -> Nullable<Text>,
        status -> Text,
        waitlist_seq -> Int8,
        registered_by_org -> Nullable<Uuid>,
        cancel_token_hash -> Nullable<Bytea>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        confirm_token_hash -> Nullable<Bytea>,
        confirm_expires_at -> Nullable<Timestamptz>,
        privacy_notice_version -> Nullable<Text>,
        consented_at -> Nullable<Timestamptz>,
        anonymised_at -> Nullable<Timestamptz>,
        authority_id -> Uuid,
        language -> Text,
    }
}

diesel::table! {
    access_log (id) {
        id -> Uuid,
        at -> Timestamptz,
        actor -> Text,
        action -> Text,
        resource -> Text,
        records -> Int4,
        request_id -> Nullable<Text>,
        authority_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Uuid,
        channel -> Text,
        topic -> Text,
        recipient -> Text,
        subject_id -> Nullable<Uuid>,
        payload -> Nullable<Jsonb>,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        claimed_until -> Nullable<Timestamptz>,
        authority_id -> Nullable<Uuid>,
        traceparent -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> Int8,
        entity -> Text,
        entity_id -> Uuid,
        at -> Timestamptz,
        actor -> Text,
        action -> Text,
        from_status -> Nullable<Text>,
        to_status -> Nullable<Text>,
        reason -> Nullable<Text>,
        authority_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    idempotency_keys (scope, key) {
        scope -> Text,
        key -> Text,
        request_hash -> Bytea,
        location -> Nullable<Text>,
        response_body -> Jsonb,
        created_at -> Timestamptz,
        error_kind -> Nullable<Text>,
        personal_email -> Nullable<Text>,
        authority_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    use diesel::sql_types::*;

    submissions (id) {
        id -> Uuid,
        consultation_id -> Uuid,
        round_id -> Nullable<Uuid>,
        organisation_id -> Nullable<Uuid>,
        author_name -> Nullable<Text>,
        author_email -> Nullable<Text>,
        kind -> Text,
        topic -> Text,
        title -> Text,
        body -> Text,
        status -> Text,
        decision_reason -> Nullable<Text>,
        duplicate_of -> Nullable<Uuid>,
        external_ref -> Nullable<Text>,
        source -> Text,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        number -> Text,
        response_consideration -> Nullable<Text>,
        response_text -> Nullable<Text>,
        response_published_at -> Nullable<Timestamptz>,
        authority_id -> Uuid,
    }
}

diesel::table! {
    submission_addresses (action_approach_id, need_id) {
        action_approach_id -> Uuid,
        need_id -> Uuid,
        authority_id -> Uuid,
    }
}

diesel::table! {
    webhook_subscriptions (id) {
        id -> Uuid,
        organisation_id -> Nullable<Uuid>,
        url -> Text,
        events -> Array<Text>,
        description -> Nullable<Text>,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<Timestamptz>,
        status -> Text,
        disabled_reason -> Nullable<Text>,
        version -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        authority_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Int8,
        message_id -> Uuid,
        at -> Timestamptz,
        status_code -> Nullable<Int2>,
        duration_ms -> Int4,
        error -> Nullable<Text>,
        authority_id -> Nullable<Uuid>,
    }
}

diesel::joinable!(webhook_attempts -> outbox (message_id));
diesel::joinable!(registrations -> rounds (round_id));
diesel::joinable!(submissions -> organisations (organisation_id));
diesel::allow_tables_to_appear_in_same_query!(
    authorities,
    access_log,
    organisations,
    api_clients,
    consultations,
    rounds,
    registrations,
    outbox,
    webhook_subscriptions,
    webhook_attempts,
    events,
    idempotency_keys,
    submissions,
    submission_addresses,
    submission_counters,
);
