// Diesel table definitions, matching `migrations/`.

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
    }
}

diesel::joinable!(api_clients -> organisations (organisation_id));
diesel::joinable!(rounds -> consultations (consultation_id));
diesel::allow_tables_to_appear_in_same_query!(organisations, api_clients, consultations, rounds);
