//! `DATABASE_READ_URL`: the heavy reads (report, exports, Abwägungstabelle) come from the
//! replica, single resources and lists from the primary. The "replica" here is a database
//! of its own holding the demo consultation, which the primary lacks: what an answer shows
//! tells where it was read.

use diesel_async::AsyncConnection;
use serde_json::Value;

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const SLUG: &str = "integrationskonzept-sachsen-anhalt";

async fn consideration_table(app: &TestApp) -> (u16, String) {
    let response = app
        .get(
            &format!("/api/v1/consultations/{SLUG}/consideration-table?format=csv"),
            Some(&app.admin()),
        )
        .await;
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn reports_and_tables_come_from_the_replica_even_while_the_primary_is_locked() {
    let replica = spawn_app().await;
    let mut conn = diesel_async::AsyncPgConnection::establish(&replica.database_url())
        .await
        .unwrap();
    beteiligung::demo::load(&mut conn).await.unwrap();
    drop(conn);
    let read_url = replica.database_url();
    let app = spawn_app_with(&[("DATABASE_READ_URL", read_url.as_str())]).await;
    let (status, expected) = consideration_table(&replica).await;
    assert_eq!(status, 200);
    assert!(expected.lines().count() > 10, "{expected}");

    // Someone holds the primary's consultations and submissions exclusively.
    let mut primary = app.db().await;
    let lock = primary.transaction().await.unwrap();
    lock.batch_execute("LOCK TABLE consultations, submissions IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    assert_eq!(consideration_table(&app).await, (200, expected));
    let report = app
        .get(
            &format!("/api/v1/consultations/{SLUG}/report"),
            Some(&app.admin()),
        )
        .await;
    assert_eq!(report.status(), 200);
    let report: Value = report.json().await.unwrap();
    assert!(
        report["totals"]["submissions"].as_i64().unwrap_or(0) > 0,
        "{report}"
    );
    lock.rollback().await.unwrap();

    // A single resource is the primary's, which has no such consultation.
    let single = app
        .get(&format!("/api/v1/consultations/{SLUG}"), Some(&app.admin()))
        .await;
    assert_eq!(single.status(), 404);
}
