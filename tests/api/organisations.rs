use serde_json::{Value, json};

use crate::helpers::{assert_problem, id, spawn_app};

#[tokio::test]
async fn categories_carry_german_and_english_labels() {
    let app = spawn_app().await;
    let categories: Vec<Value> = app
        .get("/api/v1/categories", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(categories.len(), 16);
    let daycare = categories.iter().find(|c| c["key"] == "daycare").unwrap();
    assert_eq!(daycare["label_de"], "Kita");
    assert_eq!(daycare["label_en"], "Daycare centre");
    assert!(
        categories
            .iter()
            .all(|c| c["label_de"].is_string() && c["label_en"].is_string())
    );
}

#[tokio::test]
async fn organisations_are_filtered_by_category_region_and_name() {
    let app = spawn_app().await;
    let stendal = app
        .organisation(
            "Jobcenter Landkreis Stendal",
            "employment_agency",
            "Altmark",
        )
        .await;
    let caritas = app
        .organisation(
            "Caritasverband 100%_Magdeburg",
            "welfare_association",
            "Magdeburg",
        )
        .await;
    app.organisation("Landkreis Stendal", "municipality", "Altmark")
        .await;

    let ids = |v: Value| -> Vec<Value> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].clone())
            .collect()
    };
    let by_category: Value = app
        .get("/api/v1/organisations?category=employment_agency", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(by_category), [stendal["id"].clone()]);
    let by_region: Value = app
        .get("/api/v1/organisations?region=Altmark", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(by_region).len(), 2);
    let by_name: Value = app
        .get("/api/v1/organisations?q=jobcenter", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(by_name), [stendal["id"].clone()]);
    let wildcard: Value = app
        .get("/api/v1/organisations?q=100%25_", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(wildcard), [caritas["id"].clone()]);
    let none: Value = app
        .get("/api/v1/organisations?q=%25", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        ids(none).len(),
        1,
        "a literal % matches only names containing %"
    );
}

#[tokio::test]
async fn a_partner_reads_only_its_own_organisation_and_admins_edit() {
    let app = spawn_app().await;
    let own = app
        .organisation(
            "Netzwerk Integration Dessau-Roßlau",
            "integration_network",
            "Anhalt",
        )
        .await;
    let other = app
        .organisation(
            "IHK Halle-Dessau",
            "chamber_or_business_association",
            "Halle",
        )
        .await;
    let partner = app.partner(id(&own).parse().unwrap());

    let response = app
        .get(
            &format!("/api/v1/organisations/{}", id(&own)),
            Some(&partner),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_problem(
        app.get(
            &format!("/api/v1/organisations/{}", id(&other)),
            Some(&partner),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/organisations/{}", id(&other)), None)
            .await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.get(
            &format!("/api/v1/organisations/{}", id(&other)),
            Some(&app.moderator())
        )
        .await
        .status(),
        200
    );
    assert_problem(
        app.get(
            &format!("/api/v1/organisations/{}", uuid::Uuid::now_v7()),
            Some(&app.admin()),
        )
        .await,
        404,
        "not_found",
    )
    .await;

    let path = format!("/api/v1/organisations/{}", id(&own));
    assert_problem(
        app.patch(&path, Some(&partner), &json!({"name": "X"}))
            .await,
        403,
        "forbidden",
    )
    .await;
    let patched = app
        .patch_if_match(
            &path,
            &app.admin(),
            "\"1\"",
            &json!({"website": "https://integration-dessau.de", "region": null}),
        )
        .await;
    assert_eq!(patched.status(), 200);
    assert_eq!(patched.headers()["etag"], "\"2\"");
    let body: Value = patched.json().await.unwrap();
    assert_eq!(body["website"], "https://integration-dessau.de");
    assert_eq!(body["region"], Value::Null);
    let stale = app
        .patch_if_match(&path, &app.admin(), "\"1\"", &json!({"name": "Y"}))
        .await;
    assert_problem(stale, 412, "precondition_failed").await;
    let invalid = app
        .patch(&path, Some(&app.admin()), &json!({"name": " "}))
        .await;
    assert_problem(invalid, 422, "validation_failed").await;
    // Text that only starts like a URL is no website.
    let no_url = app
        .patch(
            &path,
            Some(&app.admin()),
            &json!({"website": "http://[Halle"}),
        )
        .await;
    assert_problem(no_url, 422, "validation_failed").await;
    let stored: String = app
        .db()
        .await
        .query_one(
            "SELECT name FROM organisations WHERE id = $1::text::uuid",
            &[&id(&own)],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, "Netzwerk Integration Dessau-Roßlau");
}
