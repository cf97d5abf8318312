//! Volunteers and hired security (群防群治): their check-ins count in patrol
//! compliance and are shown separately; their month's hours on duty,
//! check-ins and points per unit, as JSON and CSV, computed here by hand
//! from rows written beside the server.

use chrono::{Datelike, FixedOffset, TimeZone, Utc};
use serde_json::Value;

use domain::access::Role;

use crate::helpers::{TestApp, spawn, sql};

fn east8() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid")
}

/// Last month's (year, month) in local time.
fn last_month() -> (i32, u32) {
    let now = Utc::now().with_timezone(&east8());
    if now.month() == 1 { (now.year() - 1, 12) } else { (now.year(), now.month() - 1) }
}

fn at(day: u32, h: u32, min: u32) -> i64 {
    let (y, m) = last_month();
    east8().with_ymd_and_hms(y, m, day, h, min, 0).single().expect("a time").timestamp_millis()
}

async fn unit_id(app: &TestApp, callsign: &str) -> i64 {
    app.unit_by_callsign(callsign).await["id"].as_i64().expect("an id")
}

#[tokio::test]
async fn volunteers_patrols_count_separately_and_their_month_is_tallied_into_points() {
    let app = spawn().await;
    let (v1, f1) = (unit_id(&app, "JS-V1").await, unit_id(&app, "JS-F1").await);
    let db = app.db().await;
    // JS-V1 on duty on the 10th from 08:00 to 12:30 (4.5 h), and checks in at PP01
    // twice in its 00:00-04:00 window (10th and 11th); JS-F1 (police) on the 12th
    for (t, from, to) in [(at(10, 8, 0), "off_duty", "available"), (at(10, 12, 30), "available", "off_duty")] {
        sqlx::query(&sql("INSERT INTO status_log (at, entity, entity_id, from_status, to_status, actor) VALUES (?, 'unit', ?, ?, ?, 'test')"))
            .bind(t)
            .bind(v1)
            .bind(from)
            .bind(to)
            .execute(&db)
            .await
            .expect("a status row");
    }
    for (unit, t) in [(v1, at(10, 2, 0)), (v1, at(11, 2, 0)), (f1, at(12, 2, 0))] {
        sqlx::query(&sql("INSERT INTO check_ins (point_code, unit_id, at, lat, lon, distance_m, method) VALUES ('PP01', ?, ?, 25.2481, 110.2096, 3.0, 'gps')"))
            .bind(unit)
            .bind(t)
            .execute(&db)
            .await
            .expect("a check-in");
    }
    let (y, m) = last_month();
    let month = format!("{y:04}-{m:02}");
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    let (s, rows) = chief.get(&format!("/api/v1/review/volunteers?month={month}")).await;
    assert_eq!(s, 200, "{rows}");
    let rows = rows.as_array().expect("rows").clone();
    assert!(rows.iter().all(|r| r["station"] == "JSL"), "a chief sees their station's: {rows:?}");
    assert!(rows.iter().all(|r| r["force"] == "volunteer" || r["force"] == "security"));
    let v = rows.iter().find(|r| r["unit"] == "JS-V1").expect("JS-V1's row");
    // by hand: 4.5 h, 2 check-ins; points 2 × 2 + 4 whole hours × 1 = 8
    assert_eq!(
        (v["hours"].as_f64(), v["check_ins"].as_i64(), v["points"].as_u64()),
        (Some(4.5), Some(2), Some(8)),
        "{v}"
    );
    assert!(!rows.iter().any(|r| r["unit"] == "JS-F1"), "police units are not volunteers");
    let r =
        chief.client.get(chief.url(&format!("/api/v1/review/volunteers.csv?month={month}"))).send().await.expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("text");
    assert!(csv.contains(&format!("{month},JSL,JS-V1,volunteer,4.5,2,8\r\n")), "{csv}");
    // another station's chief asking for JSL gets their own
    let rs = app.login("chief-rs", Role::Chief, Some("RS"), None).await;
    let (_, theirs) = rs.get(&format!("/api/v1/review/volunteers?month={month}&station=JSL")).await;
    assert!(theirs.as_array().expect("rows").iter().all(|r| r["station"] == "RS"), "{theirs}");

    // patrol compliance over the 10th-12th: PP01 visited 3 times, of which 2 by a volunteer
    let from = format!("{y:04}-{m:02}-10");
    let to = format!("{y:04}-{m:02}-12");
    let (s, p) = app.get(&format!("/api/v1/review/patrol?from={from}&to={to}&station=JSL")).await;
    assert_eq!(s, 200, "{p}");
    let row = |list: &Value| list.as_array().expect("rows").iter().find(|r| r["key"] == "JSL").cloned().expect("JSL");
    let (all, vol) = (row(&p["stations"]), row(&p["volunteers"]));
    assert_eq!(all["openings"], vol["openings"], "the same openings");
    assert_eq!((all["visited"].as_u64(), vol["visited"].as_u64()), (Some(3), Some(2)), "{p}");
    // bad months are named
    assert_eq!(chief.get("/api/v1/review/volunteers?month=2026-00").await.0, 400);
}
