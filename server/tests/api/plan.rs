//! The deployment planner (`/plan`): a month of imported incidents in two
//! clusters, one unit to post; the planner posts it where the most weight
//! is reached in time, says how far that is from the enumerated optimum,
//! and replays the month beside the record. Bad input is a 400 that says
//! what is wrong; a chief plans over their own station only; an officer
//! may not plan.

use domain::access::Role;

use crate::helpers::{JINSHAN, spawn};
use crate::import::{HEADER, MARCH_2025, local};

/// A number in the page: `data-{name}="…"`.
fn attr(html: &str, name: &str) -> String {
    let key = format!("data-{name}=\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("{key} in the page")) + key.len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

fn cell(html: &str, figure: &str) -> (String, String) {
    let key = format!("data-figure=\"{figure}\"");
    let at = html.find(&key).unwrap_or_else(|| panic!("{key} in the page"));
    let row = &html[at..html[at..].find("</tr>").map_or(html.len(), |e| at + e)];
    let cells: Vec<String> =
        row.split("<td class=\"num\">").skip(1).map(|c| c.split('<').next().unwrap_or_default().to_owned()).collect();
    (cells[0].clone(), cells[1].clone())
}

#[tokio::test]
async fn the_planner_posts_the_unit_where_the_weight_is_and_replays_the_month() {
    let app = spawn().await;
    // 15 urgent calls on the square, 5 low ones 2 km east; arrivals of 4-8 min
    let east = (JINSHAN.0, JINSHAN.1 + 0.02);
    let mut csv = format!("{HEADER}\n");
    let mut arrivals = vec![];
    for i in 0..20i64 {
        let (at, priority) = if i < 15 { (JINSHAN, 1) } else { (east, 3) };
        let received = MARCH_2025 + i * 86_400_000 + 20 * 3_600_000; // 20:00 local
        let arrival = 240_000 + i * 12_000;
        arrivals.push(arrival as f64 / 1000.0);
        csv.push_str(&format!(
            "p-{i},{},phone,fight,{priority},{},{},test,test,,{},,{},{},{},\n",
            local(received),
            at.0 + i as f64 * 1e-5,
            at.1,
            local(received + 30_000),
            local(received + arrival),
            local(received + arrival + 600_000),
            local(received + arrival + 700_000),
        ));
    }
    let (status, body) = app.post_raw("/api/v1/review/import", "text/csv", csv).await;
    assert_eq!(status, 201, "{body}");

    let candidates = format!("{}, {}\n{}, {}", JINSHAN.0, JINSHAN.1, east.0, east.1);
    let url = format!(
        "/plan?run=1&from=2025-03-01&to=2025-03-31&hours=18-23&units=car%3D1&extra={}",
        form_urlencoded::byte_serialize(candidates.as_bytes()).collect::<String>()
    );
    let (status, html) = app.html(&url).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(attr(&html, "incidents"), "20");
    assert_eq!(attr(&html, "total-weight"), "50", "15 urgent × 3 + 5 low × 1");
    let greedy: f64 = attr(&html, "coverage-greedy").parse().expect("a number");
    let plan: f64 = attr(&html, "coverage-plan").parse().expect("a number");
    let optimum: f64 = attr(&html, "coverage-optimum").parse().expect("enumerated");
    // posted on the square a car reaches the urgent calls; the optimum agrees
    assert_eq!(optimum, 45.0, "{html}");
    assert!(plan >= greedy && plan <= optimum && greedy >= (1.0 - (-1.0f64).exp()) * optimum);
    assert_eq!(plan, optimum);
    let posts = html.split("class=\"notices-table plan-posts\"").nth(1).expect("the posts table");
    assert!(posts.contains("#1 (25.24800, 110.20800)"), "posted on the square: {posts}");
    // the replay: the record's own figures, and a car standing on the square
    // reaches the square's calls in the dispatcher's 30 s plus a few seconds
    arrivals.sort_by(f64::total_cmp);
    let (rec_p50, pred_p50) = cell(&html, "arrival_p50");
    assert_eq!(rec_p50, format!("{}:{:02}", arrivals[9] as i64 / 60, arrivals[9] as i64 % 60), "{html}");
    let (rec_compliance, pred_compliance) = cell(&html, "compliance");
    assert_eq!(rec_compliance, "0.0%", "every recorded arrival was late");
    assert_ne!(pred_compliance, "0.0%");
    assert!(pred_p50.starts_with("0:3"), "30 s + the walk to the car's spot: {pred_p50}");
    assert!(html.contains("class=\"plan-inc covered\""), "the map shows the calls reached in time");
    assert!(html.contains("class=\"plan-inc uncovered\""), "and the late ones");
    // the review's selection: only the low-priority calls east of the square
    let (status, low) =
        app.html("/plan?run=1&from=2025-03-01&to=2025-03-31&priority=3&units=car%3D1&extra=25.248%2C110.228").await;
    assert_eq!(status, 200, "{low}");
    assert_eq!(attr(&low, "incidents"), "5");
    assert_eq!(attr(&low, "total-weight"), "5");
    assert!(low.contains("<option value=\"3\" selected>3</option>"), "the form keeps the filter");
    let (_, fights) = app.html("/plan?run=1&from=2025-03-01&to=2025-03-31&category=fight&units=car%3D1&points=1").await;
    assert_eq!(attr(&fights, "incidents"), "20");
    let (_, thefts) = app.html("/plan?run=1&from=2025-03-01&to=2025-03-31&category=theft&units=car%3D1&points=1").await;
    assert_eq!(attr(&thefts, "incidents"), "0");
    // the hour band leaves the evening's calls out when it is the morning
    let (_, morning) = app.html("/plan?run=1&from=2025-03-01&to=2025-03-31&hours=06-09&units=car%3D1&points=1").await;
    assert_eq!(attr(&morning, "incidents"), "0");

    // no units named: those on duty in these hours on average (the status
    // log; the demo's units have been on duty since the log began)
    let (status, page) = app.html("/plan?run=1&from=2025-03-01&to=2025-03-31&hours=20-02&points=1").await;
    assert_eq!(status, 200, "{page}");
    let on_duty = attr(&page, "on-duty");
    let units = app.units().await;
    for kind in ["car", "motorbike", "ebike", "foot"] {
        let n = units.iter().filter(|u| u["kind"] == kind).count();
        if n > 0 {
            assert!(on_duty.contains(&format!("{kind} {n}.0")), "{kind}: {on_duty}");
            assert!(page.contains(&format!("{kind}={n}")), "the form posts them: {kind}={n}");
        }
    }
    assert!(!on_duty.contains("post"), "fixed posts are not posted: {on_duty}");

    // bad input: a 400 that says what is wrong
    for (q, says) in [
        ("hours=25-03", "hours must be two hours 0-24"),
        ("units=tank%3D1", "units: unknown unit kind"),
        ("units=car%3D1&extra=95%2C110", "posts, line 1: lat must be"),
        ("from=2025-04-01&to=2025-03-01", "to"),
        ("units=car%3D1&category=tank", "category"),
        ("units=car%3D1&priority=7", "priority must be a whole number from 1 to 3"),
    ] {
        let (status, page) = app.html(&format!("/plan?run=1&{q}")).await;
        assert_eq!(status, 400, "{q}: {page}");
        assert!(page.contains(says), "{q}: {page}");
    }

    // a chief of another station plans over their own incidents only
    let chief = app.login("rs-plan-chief", Role::Chief, Some("RS"), None).await;
    let (status, theirs) = chief.html("/plan?run=1&from=2025-03-01&to=2025-03-31&units=car%3D1&points=1").await;
    assert_eq!(status, 200, "{theirs}");
    assert_eq!(attr(&theirs, "incidents"), "0");
    let dispatcher = app.login("plan-dispatcher", Role::Dispatcher, None, None).await;
    let (status, all) = dispatcher.html("/plan?run=1&from=2025-03-01&to=2025-03-31&units=car%3D1&points=1").await;
    assert_eq!(status, 200);
    assert_eq!(attr(&all, "incidents"), "20");
    // an officer may not plan; nobody logged in is sent to log in
    let officer = app.login("plan-officer", Role::Officer, None, Some("JS-C1")).await;
    assert_eq!(officer.html("/plan").await.0, 403);
    let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let r = plain.get(app.url("/plan")).header("accept", "text/html").send().await.expect("request");
    assert_eq!(r.status().as_u16(), 303);
}
