//! Community officers' monthly task lists: made from the rules out of the
//! district's places, last month's imported disputes (a hot spot and
//! follow-ups) and the month's notices; an officer reports one with a photo
//! and the phone's position; the chief returns it, then accepts it; the
//! progress by officer (JSON and CSV); who may see and do what.

use chrono::{Datelike, FixedOffset, TimeZone, Utc};
use serde_json::{Value, json};

use domain::access::Role;

use crate::helpers::{TestApp, repo_root, spawn};
use crate::import::import;
use crate::report::{BOUNDARY, contains, jpeg, multipart};

fn east8() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid")
}

/// Where last month's disputes were (inside JSL), and one theft elsewhere in JSL.
const SPOT: (f64, f64) = (25.2566, 110.2101);
const ELSEWHERE: (f64, f64) = (25.2450, 110.2300);

/// Four disputes at one spot and a theft, on the 10th of last month.
fn last_month_csv() -> String {
    let now = Utc::now().with_timezone(&east8());
    let (y, m) = if now.month() == 1 { (now.year() - 1, 12) } else { (now.year(), now.month() - 1) };
    let day = east8().with_ymd_and_hms(y, m, 10, 20, 0, 0).single().expect("a time");
    let mut csv = "external_id,received_at,channel,category,priority,lat,lon,address,description,unit,\
                   dispatched_at,en_route_at,on_scene_at,resolved_at,closed_at,cancelled_at\r\n"
        .to_owned();
    for k in 0..4 {
        let t = (day + chrono::Duration::minutes(k * 30)).to_rfc3339();
        let closed = (day + chrono::Duration::minutes(k * 30 + 60)).to_rfc3339();
        csv.push_str(&format!(
            "d-{k},{t},phone,dispute,2,{},{},金水路 {k} 号,邻里纠纷,,,,,,{closed},\r\n",
            SPOT.0, SPOT.1
        ));
    }
    let t = (day + chrono::Duration::hours(3)).to_rfc3339();
    let closed = (day + chrono::Duration::hours(4)).to_rfc3339();
    csv.push_str(&format!(
        "t-1,{t},phone,theft,2,{},{},金水路 9 号,电瓶被偷,,,,,,{closed},\r\n",
        ELSEWHERE.0, ELSEWHERE.1
    ));
    csv
}

fn this_month() -> String {
    let now = Utc::now().with_timezone(&east8());
    format!("{:04}-{:02}", now.year(), now.month())
}

/// The visits the rules ask for in JSL, computed here from the district file.
fn expected_visits() -> Vec<String> {
    let text = std::fs::read_to_string(repo_root().join("config/district-lingui.toml")).expect("district");
    let d = domain::District::from_toml(&text).expect("valid district");
    let rules = domain::tasks::TaskRules::parse(
        &std::fs::read_to_string(repo_root().join("config/tasks.toml")).expect("rules"),
    )
    .expect("valid rules");
    let mut out = vec![];
    for r in &rules.visit {
        for l in d
            .landmarks
            .iter()
            .filter(|l| l.kind == r.kind && d.locate(l.at).station.map(|s| s.to_string()).as_deref() == Some("JSL"))
        {
            for n in 1..=r.per_month {
                out.push(if r.per_month > 1 {
                    format!("走访 {} ({n}/{})", l.name, r.per_month)
                } else {
                    format!("走访 {}", l.name)
                });
            }
        }
    }
    out
}

async fn tasks_of(who: &crate::helpers::Session) -> Vec<Value> {
    let (s, list) = who.get(&format!("/api/v1/tasks?month={}", this_month())).await;
    assert_eq!(s, 200, "{list}");
    list.as_array().expect("a list").clone()
}

#[tokio::test]
async fn a_month_s_list_is_made_from_the_rules_then_reported_with_a_photo_returned_and_accepted() {
    let app: TestApp = spawn().await;
    let (s, body) = import(&app, last_month_csv()).await;
    assert_eq!(s, 201, "{body}");
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    let (s, made) = chief.post("/api/v1/tasks/generate", json!({"month": this_month()})).await;
    assert_eq!(s, 201, "{made}");
    // asked again: nothing new
    let (_, again) = chief.post("/api/v1/tasks/generate", json!({"month": this_month()})).await;
    assert_eq!(again["made"], 0);

    let list = tasks_of(&chief).await;
    let titles = |kind: &str| -> Vec<String> {
        list.iter().filter(|t| t["kind"] == kind).map(|t| t["title"].as_str().unwrap_or("").to_owned()).collect()
    };
    let mut visits = titles("visit");
    visits.sort();
    let mut want = expected_visits();
    want.sort();
    assert!(!want.is_empty(), "JSL has places the rules name");
    assert_eq!(visits, want);
    // one hot spot (four incidents at one place; the theft alone is below the minimum of 3)
    let hazards: Vec<&Value> = list.iter().filter(|t| t["kind"] == "hazard_check").collect();
    assert_eq!(hazards.len(), 1, "{list:?}");
    assert_eq!(hazards[0]["reason"], "hot spot: 4 incidents there last month");
    // a follow-up for each dispute, none for the theft
    let mut follow = titles("follow_up");
    follow.sort();
    assert_eq!(follow.len(), 4, "{follow:?}");
    assert!(follow.iter().all(|t| t.contains("金水路") && !t.contains("9 号")), "{follow:?}");
    // publicity for each of the month's notices of JSL (the calendar's drafts)
    let (_, notices) = chief.get("/api/v1/notices").await;
    let month_notices = notices
        .as_array()
        .expect("notices")
        .iter()
        .filter(|n| n["station"] == "JSL" && n["calendar_month"] == this_month().as_str())
        .count();
    assert_eq!(titles("publicity").len(), month_notices);
    // each says why, each belongs to JSL's community officer (police, on foot)
    assert!(list.iter().all(|t| t["reason"].as_str().is_some_and(|r| !r.is_empty())));
    assert!(list.iter().all(|t| t["station"] == "JSL" && t["unit"] == "JS-F1" && t["status"] == "open"), "{list:?}");

    // the officer sees their list, reports one done with a photo and the phone's place
    let officer = app.login("off-f1", Role::Officer, None, Some("JS-F1")).await;
    let mine = tasks_of(&officer).await;
    assert_eq!(mine.len(), list.len());
    let task = hazards[0]["id"].as_i64().expect("an id");
    let photo = jpeg();
    let body = multipart(
        &[("text", "已排查：路灯损坏，已报修。"), ("lat", "25.2567"), ("lon", "110.2102")],
        Some(("IMG_1.jpg", "image/jpeg", &photo)),
    );
    let (s, t) = officer
        .post_raw(&format!("/api/v1/tasks/{task}/report"), &format!("multipart/form-data; boundary={BOUNDARY}"), body)
        .await;
    assert_eq!(s, 200, "{t}");
    assert_eq!((t["status"].as_str(), t["reported_by"].as_str()), (Some("submitted"), Some("off-f1")));
    assert_eq!(t["report_lat"], 25.2567);
    let photos = t["photos"].as_array().expect("photos").clone();
    assert_eq!(photos.len(), 1);
    // the chief sees the photo, re-encoded (no EXIF); another station's chief does not
    let link = photos[0].as_str().expect("a link");
    let r = chief.client.get(chief.url(link)).send().await.expect("photo");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    let bytes = r.bytes().await.expect("bytes");
    assert!(!contains(&bytes, b"GPS-SECRET-MARKER"), "EXIF is gone");
    let rs = app.login("chief-rs", Role::Chief, Some("RS"), None).await;
    assert_eq!(rs.client.get(rs.url(link)).send().await.expect("photo").status(), 404);
    assert_eq!(rs.get(&format!("/api/v1/tasks/{task}")).await.0, 404);

    // returned with a note, reported again (JSON), accepted
    let (s, e) = chief.post(&format!("/api/v1/tasks/{task}/return"), json!({})).await;
    assert_eq!(s, 400, "a return says why: {e}");
    let (s, t) = chief.post(&format!("/api/v1/tasks/{task}/return"), json!({"note": "请附报修单号"})).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!((t["status"].as_str(), t["review_note"].as_str()), (Some("returned"), Some("请附报修单号")));
    let (s, t) = officer.post(&format!("/api/v1/tasks/{task}/report"), json!({"text": "报修单号 2026-118。"})).await;
    assert_eq!(s, 200, "{t}");
    let (s, t) = chief.post(&format!("/api/v1/tasks/{task}/accept"), json!({})).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!((t["status"].as_str(), t["reviewed_by"].as_str()), (Some("accepted"), Some("chief-jsl")));
    // accepted is final
    let (s, _) = officer.post(&format!("/api/v1/tasks/{task}/report"), json!({"text": "again"})).await;
    assert_eq!(s, 409);

    // progress by officer, and its CSV
    let (s, p) = chief.get("/api/v1/review/tasks").await;
    assert_eq!(s, 200, "{p}");
    let row = p.as_array().expect("rows").iter().find(|r| r["unit"] == "JS-F1").cloned().expect("JS-F1's row");
    assert_eq!(
        (row["total"].as_i64(), row["accepted"].as_i64(), row["open"].as_i64(), row["overdue"].as_i64()),
        (Some(list.len() as i64), Some(1), Some(list.len() as i64 - 1), Some(0)),
        "{row}"
    );
    // the same on /review (its community-policing section's server function), the chief's station only
    let today = Utc::now().with_timezone(&east8()).date_naive();
    let first_day = today.with_day(1).expect("the first").to_string();
    let (s, c) = chief.server_fn("community_review", &[("from", first_day.as_str()), ("to", &today.to_string())]).await;
    assert_eq!(s, 200, "{c}");
    let rows = c["tasks"].as_array().expect("task rows");
    assert!(rows.iter().all(|r| r["station"] == "JSL"), "{c}");
    let f1 = rows.iter().find(|r| r["unit"] == "JS-F1").expect("JS-F1");
    assert_eq!((f1["accepted"].as_i64(), f1["overdue"].as_i64()), (Some(1), Some(0)), "{f1}");
    let r = chief.client.get(chief.url("/api/v1/review/tasks.csv")).send().await.expect("csv");
    assert_eq!(r.status(), 200);
    let csv = r.text().await.expect("text");
    assert!(csv.starts_with("month,station,unit,total,open,submitted,accepted,returned,overdue\r\n"), "{csv}");
    assert!(
        csv.contains(&format!("{},JSL,JS-F1,{},{},0,1,0,0\r\n", this_month(), list.len(), list.len() - 1)),
        "{csv}"
    );
}

#[tokio::test]
async fn tasks_are_held_to_their_officer_and_station_and_bad_reports_are_refused() {
    let app = spawn().await;
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    let (s, _) = chief.post("/api/v1/tasks/generate", json!({"month": this_month()})).await;
    assert_eq!(s, 201);
    let list = tasks_of(&chief).await;
    let task = list.first().expect("a task")["id"].as_i64().expect("an id");
    // another unit's officer neither sees nor reports it
    let other = app.login("off-p1", Role::Officer, None, Some("JS-P1")).await;
    assert!(tasks_of(&other).await.is_empty());
    assert_eq!(other.get(&format!("/api/v1/tasks/{task}")).await.0, 404);
    assert_eq!(other.post(&format!("/api/v1/tasks/{task}/report"), json!({"text": "done"})).await.0, 404);
    // the officer may not accept, nor make lists
    let officer = app.login("off-f1", Role::Officer, None, Some("JS-F1")).await;
    assert_eq!(officer.post(&format!("/api/v1/tasks/{task}/accept"), json!({})).await.0, 403);
    assert_eq!(officer.post("/api/v1/tasks/generate", json!({"month": this_month()})).await.0, 403);
    // bad reports: named, nothing changes
    for (body, names) in [
        (json!({"text": "  "}), "empty"),
        (json!({"text": "x".repeat(2001)}), "at most"),
        (json!({"text": "ok", "lat": 25.0}), "lat and lon"),
        (json!({"text": "ok", "lat": 95.0, "lon": 110.0}), "lat"),
        (json!({"text": "ok", "extra": 1}), "extra"),
    ] {
        let (s, e) = officer.post(&format!("/api/v1/tasks/{task}/report"), body.clone()).await;
        assert_eq!(s, 400, "{body}: {e}");
        assert!(e.to_string().contains(names), "{body}: {e}");
    }
    let not_an_image = multipart(&[("text", "done")], Some(("x.jpg", "image/jpeg", b"not an image at all")));
    let (s, e) = officer
        .post_raw(
            &format!("/api/v1/tasks/{task}/report"),
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            not_an_image,
        )
        .await;
    assert_eq!(s, 415, "{e}");
    let (_, t) = officer.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(t["status"], "open", "nothing refused changed it");
    // moves the machine refuses
    assert_eq!(chief.post(&format!("/api/v1/tasks/{task}/accept"), json!({})).await.0, 409);
    // months and ids that are not
    assert_eq!(chief.post("/api/v1/tasks/generate", json!({"month": "2026-13"})).await.0, 400);
    assert_eq!(chief.get("/api/v1/tasks?month=26-1").await.0, 400);
    assert_eq!(chief.get("/api/v1/tasks/x").await.0, 404);
    assert_eq!(chief.client.get(chief.url("/api/v1/tasks/photos/nothing")).send().await.expect("r").status(), 404);
}

#[tokio::test]
async fn the_tasks_page_lets_an_officer_report_with_a_photo_and_a_chief_accept_without_javascript() {
    let app = spawn().await;
    let chief = app.login("chief-jsl", Role::Chief, Some("JSL"), None).await;
    let (s, page) = chief.html("/tasks").await;
    assert_eq!(s, 200);
    assert!(page.contains("/tasks/generate") && page.contains("name=\"csrf\""), "the chief's desk");
    let (s, to) = chief.post_form("/tasks/generate", &[], "/tasks").await;
    assert_eq!(s, 303, "{to}");
    assert!(to.starts_with("/tasks?done="), "{to}");
    let list = tasks_of(&chief).await;
    assert!(!list.is_empty());
    let task = list[0]["id"].as_i64().expect("an id");

    // the officer's phone page lists the task with its report form
    let officer = app.login("off-f1", Role::Officer, None, Some("JS-F1")).await;
    let (s, page) = officer.html("/tasks").await;
    assert_eq!(s, 200);
    assert!(page.contains(&format!("action=\"/tasks/{task}/report\"")), "a report form");
    assert!(!page.contains("/tasks/generate"), "no chief's desk for an officer");
    // reported through the page's multipart form (with the form token), a photo attached
    let photo = jpeg();
    let csrf = officer.session_csrf().await;
    let body = multipart(
        &[("csrf", csrf.as_str()), ("text", "已走访，学校门口秩序良好。"), ("lat", "25.2501"), ("lon", "110.2102")],
        Some(("IMG_2.jpg", "image/jpeg", &photo)),
    );
    let r = officer
        .cookie_client()
        .post(officer.url(&format!("/tasks/{task}/report")))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .header("accept", "text/html")
        .header("origin", officer.url(""))
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().expect("a location").to_owned();
    assert!(to.starts_with("/tasks?done="), "{to}");
    let (_, t) = officer.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!((t["status"].as_str(), t["photos"].as_array().map(Vec::len)), (Some("submitted"), Some(1)), "{t}");
    // the chief sees the report and its photo, and accepts it
    let (_, page) = chief.html("/tasks").await;
    assert!(page.contains("学校门口秩序良好") && page.contains("/api/v1/tasks/photos/"), "the report on the desk");
    let (s, to) = chief.post_form(&format!("/tasks/{task}/accept"), &[], "/tasks").await;
    assert_eq!(s, 303, "{to}");
    let (_, t) = chief.get(&format!("/api/v1/tasks/{task}")).await;
    assert_eq!(t["status"], "accepted");
    // a return without a reason comes back with the reason asked for
    let (s, to) = chief.post_form(&format!("/tasks/{}/return", list[1]["id"]), &[("note", " ")], "/tasks").await;
    assert_eq!(s, 303);
    assert!(to.starts_with("/tasks?error="), "{to}");
    // anyone else: the dispatcher is refused the page
    let dispatcher = app.login("disp-1", Role::Dispatcher, None, None).await;
    assert_eq!(dispatcher.html("/tasks").await.0, 403);
}
