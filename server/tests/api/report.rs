//! Residents' report pages: the public form at `/report` posted as a browser
//! without JavaScript does (multipart, then a redirect to the tracking
//! page), refused forms that keep what was typed, photos checked by their
//! bytes and stored with the incident for dispatchers only, the rate limit
//! on the form, the tracking page `/report/{code}` that shows the stage and
//! nothing else, and resident text that stays text on every screen.

use serde_json::{Value, json};

use crate::helpers::{JINSHAN, TestApp, spawn, spawn_with, sql, start, test_config};

/// A real 2×2 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a, 0x73, 0x00, 0x00, 0x00, 0x10, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xb8, 0xa3, 0xa1, 0x01, 0x44, 0x0c, 0x10, 0x0a, 0x00, 0x23, 0xae, 0x04, 0xb1,
    0x9f, 0x5e, 0xd7, 0x95, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A real 16×12 JPEG, as a phone would send it: with an EXIF block that
/// carries a position (inserted after the start marker).
pub(crate) fn jpeg() -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 12, |x, y| image::Rgb([(x * 15) as u8, (y * 20) as u8, 128]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut plain), image::ImageFormat::Jpeg)
        .expect("encodes");
    let payload = b"Exif\0\0GPSLatitude 25.2480 GPSLongitude 110.2080 GPS-SECRET-MARKER";
    let mut out = plain[..2].to_vec();
    out.extend([0xFF, 0xE1]);
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out.extend(&plain[2..]);
    out
}

pub(crate) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

pub(crate) const BOUNDARY: &str = "----command-room-test-7d1f0c";

/// A multipart/form-data body as a browser sends it: text fields, then an
/// optional file `(file name, declared type, bytes)` in the `photo` field.
pub(crate) fn multipart(fields: &[(&str, &str)], photo: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes());
        body.extend(value.as_bytes());
        body.extend(b"\r\n");
    }
    if let Some((file_name, content_type, bytes)) = photo {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

type Fields<'a> = Vec<(&'a str, &'a str)>;

struct Posted {
    status: u16,
    location: String,
    retry_after: Option<String>,
    body: String,
}

/// The form token a resident's browser gets with the report page (and the
/// client that keeps its cookie).
async fn form_token(app: &TestApp) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .build()
        .expect("client");
    let html = client.get(app.url("/report")).send().await.expect("the form").text().await.expect("html");
    let marker = "name=\"csrf\" value=\"";
    let at = html.find(marker).expect("the form carries its token") + marker.len();
    let token = html[at..].split('"').next().expect("a value").to_owned();
    (client, token)
}

/// Posts a multipart body to `path` without following redirects, as the
/// report page's form does (with its form token).
async fn post_multipart(app: &TestApp, path: &str, body: Vec<u8>) -> Posted {
    let (client, token) = form_token(app).await;
    let mut with_token =
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n").into_bytes();
    with_token.extend(body);
    post_multipart_raw(&client, app, path, with_token).await
}

async fn post_multipart_raw(client: &reqwest::Client, app: &TestApp, path: &str, body: Vec<u8>) -> Posted {
    let r = client
        .post(app.url(path))
        .header("content-type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .header("accept", "text/html")
        .body(body)
        .send()
        .await
        .expect("request");
    let header = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (location, retry_after) = (header("location").unwrap_or_default(), header("retry-after"));
    Posted { status: r.status().as_u16(), location, retry_after, body: r.text().await.expect("text") }
}

/// The fields of a valid report at Jinshan Square.
fn report_fields<'a>(description: &'a str, contact: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("category", "theft"),
        ("description", description),
        ("lat", "25.248"),
        ("lon", "110.208"),
        ("place", ""),
        ("address", "金山广场 东门"),
        ("contact", contact),
    ]
}

/// Posts a valid report through the form and answers its tracking code.
async fn report_by_form(app: &TestApp, fields: &[(&str, &str)], photo: Option<(&str, &str, &[u8])>) -> String {
    let p = post_multipart(app, "/report", multipart(fields, photo)).await;
    assert_eq!(p.status, 303, "the form redirects: {}", p.body);
    let code = p.location.strip_prefix("/report/").expect("to the tracking page").to_owned();
    assert_eq!(code.len(), 9, "{code}");
    code
}

async fn incidents(app: &TestApp) -> Vec<Value> {
    let (_, list) = app.get("/api/v1/incidents").await;
    list.as_array().cloned().expect("a list")
}

async fn only_incident(app: &TestApp) -> Value {
    let list = incidents(app).await;
    assert_eq!(list.len(), 1, "{list:?}");
    let (s, detail) = app.get(&format!("/api/v1/incidents/{}", list[0]["id"])).await;
    assert_eq!(s, 200);
    detail
}

#[tokio::test]
async fn the_form_works_without_javascript_and_redirects_to_the_tracking_page() {
    let app = spawn().await;
    let (_, home) = app.html("/").await;
    assert!(home.contains("href=\"/report\""), "the front page links residents to the form");
    let (status, html) = app.html("/report").await;
    assert_eq!(status, 200);
    assert!(html.contains("method=\"post\"") && html.contains("action=\"/report\""), "a plain form");
    assert!(html.contains("multipart/form-data"), "that can carry a photo");
    for name in ["category", "description", "lat", "lon", "place", "address", "photo", "contact"] {
        assert!(html.contains(&format!("name=\"{name}\"")), "the {name} field");
    }
    assert!(html.contains("value=\"fight\"") && html.contains("打架斗殴"), "categories, localized");
    assert!(html.contains("金山广场"), "known places to choose without JavaScript");
    assert!(html.contains("class=\"map\""), "the district map");
    // the public page shows no unit, incident or must-patrol point
    assert!(!html.contains("data-unit-id") && !html.contains("class=\"unit "), "no units");
    for u in app.units().await {
        let cs = u["callsign"].as_str().expect("callsign");
        assert!(!html.contains(cs), "{cs} must not be on the public page");
    }
    assert!(!html.contains("class=\"patrol-point\"") && !html.contains("data-point="), "no must-patrol points");
    assert!(html.contains("/pkg/command_room.js"), "and then it hydrates");
    let (_, en) = app.html("/report?lang=en").await;
    assert!(en.contains("Report a problem") && en.contains("Send the report") && en.contains("Fight"));
    assert!(en.contains("action=\"/report?lang=en\""), "the English form stays English");

    let code = report_by_form(&app, &report_fields("电动车电瓶被偷", "13800001111"), None).await;
    let incident = only_incident(&app).await;
    assert_eq!(incident["channel"], "web");
    assert_eq!(incident["category"], "theft");
    assert_eq!(incident["description"], "电动车电瓶被偷");
    assert_eq!(incident["address"], "金山广场 东门");
    assert_eq!(incident["reporter_contact"], "13800001111");
    assert!((incident["lat"].as_f64().expect("lat") - 25.248).abs() < 1e-9);
    let (status, page) = app.html(&format!("/report/{code}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("data-stage=\"received\"") && page.contains(&code), "{page}");
    // and links the safety notices of its area (金山广场 is in JSL), nothing of the report
    assert!(page.contains("href=\"/notices?station=JSL\""), "the area's notices: {page}");
    let (_, api) = app.get(&format!("/api/v1/reports/{code}")).await;
    assert!(api.get("station").is_none(), "the API's answer is unchanged: {api}");

    // a known place stands in for coordinates (the no-JavaScript way)
    let p = post_multipart(
        &app,
        "/report?lang=en",
        multipart(&[("category", "noise"), ("lat", ""), ("lon", ""), ("place", "金山广场")], None),
    )
    .await;
    assert_eq!(p.status, 303, "{}", p.body);
    assert!(p.location.starts_with("/report/") && p.location.ends_with("?lang=en"), "{}", p.location);
    let list = incidents(&app).await;
    assert_eq!(list.len(), 2);
    let by_place = list.iter().find(|i| i["category"] == "noise").expect("the second report");
    assert_eq!(by_place["address"], "金山广场", "the place names the address");
}

#[tokio::test]
async fn refused_forms_say_what_is_wrong_and_keep_every_field() {
    let app = spawn().await;
    // (fields, what the page says, the field it marks); each is a 400
    let cases: Vec<(Fields, &str, &str)> = vec![
        (
            vec![
                ("description", "门口有人吵架 & 摔东西"),
                ("lat", "25.248"),
                ("lon", "110.208"),
                ("contact", "13912345678"),
            ],
            "请选择类别",
            "data-field=\"category\"",
        ),
        (vec![("category", "arson"), ("lat", "25.248"), ("lon", "110.208")], "未知的类别", "data-field=\"category\""),
        (vec![("category", "noise"), ("description", "太吵了")], "请提供位置", "data-field=\"location\""),
        (
            vec![("category", "noise"), ("lat", "95"), ("lon", "110.2")],
            "纬度必须在 -90 到 90 之间",
            "data-field=\"location\"",
        ),
        (vec![("category", "noise"), ("lat", "north"), ("lon", "110.2")], "纬度必须是数字", "data-field=\"location\""),
        (vec![("category", "noise"), ("lat", "25.2"), ("lon", "")], "请同时填写纬度和经度", "data-field=\"location\""),
        (vec![("category", "noise"), ("place", "火星基地")], "没有这个地点", "data-field=\"location\""),
    ];
    for (fields, message, marked) in cases {
        let p = post_multipart(&app, "/report", multipart(&fields, None)).await;
        assert_eq!(p.status, 400, "{fields:?}");
        assert!(p.body.contains(message), "{fields:?} should say {message:?}");
        assert!(p.body.contains(marked), "{fields:?}: the problem names its field");
        assert!(p.body.contains("role=\"alert\""));
        // what was typed comes back in the form (escaped)
        for (name, value) in &fields {
            if value.is_empty() || *name == "category" {
                continue;
            }
            let escaped = value.replace('&', "&amp;");
            assert!(p.body.contains(&escaped), "{name} = {value:?} is kept");
        }
    }
    // text that would end the description's field comes back as text
    let p = post_multipart(
        &app,
        "/report",
        multipart(&[("description", "</textarea><script>alert(1)</script>"), ("lat", "25.2"), ("lon", "110.2")], None),
    )
    .await;
    assert_eq!(p.status, 400);
    assert!(
        !p.body.contains("<script>alert(1)") && !p.body.contains("</textarea><script"),
        "the field is not broken out of"
    );
    assert!(p.body.contains("&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    // the description over its limit, in English
    let long = "x".repeat(2001);
    let p = post_multipart(
        &app,
        "/report?lang=en",
        multipart(&[("category", "noise"), ("lat", "25.2"), ("lon", "110.2"), ("description", &long)], None),
    )
    .await;
    assert_eq!(p.status, 400);
    assert!(p.body.contains("description is too long: 2001 characters, at most 2000"), "precise, in English");
    // a body that is not a multipart form
    let r = reqwest::Client::new()
        .post(app.url("/report"))
        .form(&[("category", "noise"), ("lat", "25.2"), ("lon", "110.2")])
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
    assert!(r.text().await.expect("text").contains("表单无法读取"));
    assert!(incidents(&app).await.is_empty(), "nothing refused was stored");
}

#[tokio::test]
async fn a_photo_is_checked_by_its_bytes_stored_with_the_incident_and_served_to_dispatchers() {
    let app = spawn().await;
    let code = report_by_form(&app, &report_fields("车门被拉开", ""), Some(("IMG_0001.HEIC", "image/heic", PNG))).await;
    let incident = only_incident(&app).await;
    let photos = incident["photos"].as_array().cloned().expect("photos in the dispatcher's detail");
    assert_eq!(photos.len(), 1, "{incident}");
    assert_eq!(photos[0]["content_type"], "image/png", "the type comes from the bytes, not the name or header");
    let id = photos[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(id.len(), 32, "a random id, not the file name");
    assert!(!id.contains("IMG"));

    // the row is on disk, in the same database as the incident
    let pool = app.db().await;
    let (stored_incident, data): (i64, Vec<u8>) =
        sqlx::query_as(&sql("SELECT incident_id, data FROM photos WHERE id = ?"))
            .bind(&id)
            .fetch_one(&pool)
            .await
            .expect("row");
    pool.close().await;
    assert_eq!(stored_incident, incident["id"].as_i64().expect("id"));
    // written again from its pixels: the same picture
    let (sent, kept) = (image::load_from_memory(PNG).expect("png"), image::load_from_memory(&data).expect("png"));
    assert_eq!(sent.to_rgba8(), kept.to_rgba8(), "the same pixels");
    assert_eq!(photos[0]["bytes"], data.len());

    // dispatchers get it, on the console and by its address
    let r = app.client.get(app.url(&format!("/dispatch/photo/{id}"))).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), data.as_slice());
    let (_, console) = app.html(&format!("/dispatch?incident={}", incident["id"])).await;
    assert!(console.contains(&format!("/dispatch/photo/{id}")), "the incident detail shows the photo");
    // not from the tracking page, not by guessing, not as a list
    let (_, track) = app.html(&format!("/report/{code}")).await;
    assert!(!track.contains("/dispatch/photo") && !track.contains(&id));
    assert_eq!(app.html(&format!("/dispatch/photo/{}", "0".repeat(32))).await.0, 404);
    assert_eq!(app.html("/dispatch/photo/../../test.db").await.0, 404);
    assert_eq!(app.html("/dispatch/photo/").await.0, 404);

    // the JSON API takes a photo as multipart too (a JPEG here)
    let p = post_multipart(
        &app,
        "/api/v1/reports",
        multipart(&[("category", "fraud"), ("lat", "25.25"), ("lon", "110.21")], Some(("x.png", "image/png", &jpeg()))),
    )
    .await;
    assert_eq!(p.status, 201, "{}", p.body);
    let answer: Value = serde_json::from_str(&p.body).expect("json");
    assert!(answer["tracking_code"].is_string() && answer["status_url"].is_string());
    let list = incidents(&app).await;
    let fraud = list.iter().find(|i| i["category"] == "fraud").expect("stored");
    let (_, detail) = app.get(&format!("/api/v1/incidents/{}", fraud["id"])).await;
    assert_eq!(detail["photos"][0]["content_type"], "image/jpeg");
    // and nothing of its EXIF block (the phone's position) is kept
    assert!(contains(&jpeg(), b"GPS-SECRET-MARKER"), "the sent photo had one");
    let jpeg_id = detail["photos"][0]["id"].as_str().expect("id").to_owned();
    let r = app.client.get(app.url(&format!("/dispatch/photo/{jpeg_id}"))).send().await.expect("request");
    let served = r.bytes().await.expect("bytes");
    assert!(!contains(&served, b"GPS-SECRET-MARKER") && !contains(&served, b"Exif"), "EXIF stripped");
    assert_eq!(image::load_from_memory(&served).expect("a picture").width(), 16);

    // it survives a restart
    let dir = app.stop().await;
    let app = start(test_config(dir.path()), dir).await;
    let r = app.client.get(app.url(&format!("/dispatch/photo/{id}"))).send().await.expect("request");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.bytes().await.expect("bytes").as_ref(), data.as_slice());
}

#[tokio::test]
async fn photos_that_are_not_images_or_too_large_are_refused_and_nothing_is_stored() {
    let app = spawn().await;
    let fields = report_fields("有人在小区发传单", "13700000000");
    // a text file renamed .jpg, sent as image/jpeg
    let p = post_multipart(
        &app,
        "/report",
        multipart(&fields, Some(("photo.jpg", "image/jpeg", b"this is not a picture, only text\n"))),
    )
    .await;
    assert_eq!(p.status, 415, "{}", p.body);
    assert!(p.body.contains("照片必须是 JPEG、PNG 或 WebP 图片"), "a clear message");
    assert!(p.body.contains("照片需要重新选择"), "and that the photo must be chosen again");
    assert!(p.body.contains("有人在小区发传单") && p.body.contains("13700000000"), "the rest is kept");
    // an SVG (script inside) is not a photo either
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let p = post_multipart(&app, "/report?lang=en", multipart(&fields, Some(("a.png", "image/png", svg)))).await;
    assert_eq!(p.status, 415);
    assert!(p.body.contains("the photo must be a JPEG, PNG or WebP image"));

    // over 5 MB: 413 with the limit, the form kept
    let mut big = PNG.to_vec();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let p = post_multipart(&app, "/report", multipart(&fields, Some(("big.png", "image/png", &big)))).await;
    assert_eq!(p.status, 413);
    assert!(p.body.contains("照片太大：最大 5 MB") && p.body.contains("有人在小区发传单"));
    // the API says the same in JSON
    let p = post_multipart(&app, "/api/v1/reports", multipart(&fields, Some(("big.png", "image/png", &big)))).await;
    assert_eq!(p.status, 413);
    let answer: Value = serde_json::from_str(&p.body).expect("json");
    assert_eq!(answer["error"]["code"], "too_large");
    assert!(answer["error"]["message"].as_str().unwrap_or_default().contains("at most 5 MB"), "{answer}");
    let p =
        post_multipart(&app, "/api/v1/reports", multipart(&fields, Some(("photo.jpg", "image/jpeg", b"plain text"))))
            .await;
    assert_eq!(p.status, 415);
    let answer: Value = serde_json::from_str(&p.body).expect("json");
    assert_eq!(answer["error"]["code"], "unsupported_photo");
    // a whole body beyond the form's limit is cut off, still with a clear answer
    big.resize(13 * 1024 * 1024, 0);
    let p = post_multipart(&app, "/report", multipart(&fields, Some(("huge.png", "image/png", &big)))).await;
    assert_eq!(p.status, 413);
    assert!(p.body.contains("提交的内容太大"), "{}", &p.body[..p.body.len().min(300)]);

    assert!(incidents(&app).await.is_empty(), "no refused report became an incident");
    let pool = app.db().await;
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM photos").fetch_one(&pool).await.expect("count");
    pool.close().await;
    assert_eq!(n, 0, "and no photo was kept");
}

#[tokio::test]
async fn the_form_shares_the_apis_rate_limit_with_a_clear_message() {
    let app = spawn_with(|c| c.reports_per_window = 2).await;
    let fields = report_fields("路口有人打架", "");
    report_by_form(&app, &fields, None).await;
    let (status, _) = app.post("/api/v1/reports", json!({"category": "noise", "lat": 25.24, "lon": 110.2})).await;
    assert_eq!(status, 201, "the API counts against the same allowance");
    // an invalid form does not use up anything, and is refused as invalid
    let p = post_multipart(&app, "/report", multipart(&[("category", "noise")], None)).await;
    assert_eq!(p.status, 400);
    let p = post_multipart(&app, "/report", multipart(&fields, None)).await;
    assert_eq!(p.status, 429);
    let wait: u64 = p.retry_after.as_deref().and_then(|s| s.parse().ok()).expect("Retry-After in seconds");
    assert!((1..=600).contains(&wait), "{wait}");
    assert!(p.body.contains("此网络提交的报告太多") && p.body.contains("拨打110"), "a human message");
    assert!(p.body.contains("路口有人打架"), "the form is kept to send later");
    let p = post_multipart(&app, "/report?lang=en", multipart(&fields, None)).await;
    assert_eq!(p.status, 429);
    assert!(p.body.contains("too many reports from this address"));
    assert_eq!(incidents(&app).await.len(), 2, "nothing beyond the limit was stored");
}

/// Assigns `callsign` to the incident and answers the unit's id.
async fn assign(app: &TestApp, incident: i64, callsign: &str) -> i64 {
    let unit = app.unit_by_callsign(callsign).await;
    let (s, body) = app.post(&format!("/api/v1/incidents/{incident}/assign"), json!({"unit_id": unit["id"]})).await;
    assert_eq!(s, 200, "{body}");
    unit["id"].as_i64().expect("id")
}

async fn stage_on_page(app: &TestApp, code: &str) -> String {
    let (status, html) = app.html(&format!("/report/{code}")).await;
    assert_eq!(status, 200);
    let at = html.find("data-stage=\"").expect("a stage") + "data-stage=\"".len();
    html[at..].split('"').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_tracking_page_shows_the_stage_and_nothing_else_as_the_incident_moves() {
    let app = spawn().await;
    let secret_contact = "13912345678";
    let secret_text = "楼下有人撬电动车电瓶";
    let code = report_by_form(&app, &report_fields(secret_text, secret_contact), None).await;
    let id = incidents(&app).await[0]["id"].as_i64().expect("id");
    assert_eq!(stage_on_page(&app, &code).await, "received");

    let unit = assign(&app, id, "JS-P1").await;
    let (_, html) = app.html(&format!("/report/{code}")).await;
    assert!(html.contains("data-stage=\"on_the_way\"") && html.contains("民警正在赶来"));
    for secret in ["JS-P1", secret_contact, secret_text, "金山广场 东门", "110.208", "/ws"] {
        assert!(!html.contains(secret), "{secret:?} must not be on the public tracking page");
    }
    for u in app.units().await {
        let cs = u["callsign"].as_str().expect("callsign");
        assert!(!html.contains(cs), "no callsign ({cs})");
    }
    assert!(html.contains("受理时间"), "when it was received");
    assert!(html.contains("http-equiv=\"refresh\""), "it refreshes itself without JavaScript");

    for to in ["en_route", "on_scene"] {
        let (s, body) = app.post(&format!("/api/v1/units/{unit}/status"), json!({"status": to})).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(stage_on_page(&app, &code).await, "on_the_way", "{to}");
    }
    let (s, body) = app.post(&format!("/api/v1/incidents/{id}/status"), json!({"status": "resolved"})).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(stage_on_page(&app, &code).await, "handled");
    let (_, en) = app.html(&format!("/report/{code}?lang=en")).await;
    assert!(en.contains("Handled") && en.contains("Tracking code") && !en.contains("已处置"));

    // a cancelled report says closed
    let code2 = report_by_form(&app, &report_fields("重复报告", ""), None).await;
    let list = incidents(&app).await;
    let id2 = list.iter().find(|i| i["description"] == "重复报告").and_then(|i| i["id"].as_i64()).expect("id");
    let (s, _) = app
        .post(&format!("/api/v1/incidents/{id2}/status"), json!({"status": "cancelled", "reason": "duplicate"}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(stage_on_page(&app, &code2).await, "closed");
    // lower case works too
    assert_eq!(stage_on_page(&app, &code2.to_lowercase()).await, "closed");

    let (status, html) = app.html("/report/ZZZZ-ZZZZ").await;
    assert_eq!(status, 404);
    assert!(html.contains("没有这个查询码的报告"), "a clear message");
    let (status, html) = app.html("/report/not-a-code").await;
    assert_eq!(status, 400);
    assert!(html.contains("这不是有效的查询码"));
    let (status, html) = app.html("/report/%3Cscript%3E").await;
    assert_eq!(status, 400);
    assert!(!html.contains("<script>alert") && !html.contains("<script>\""));
}

#[tokio::test]
async fn resident_text_stays_text_on_every_screen() {
    let app = spawn().await;
    let description = "<script>alert(1)</script> 有人闹事";
    let address = "\"><img src=x onerror=alert(1)> 金山广场";
    let fields = vec![
        ("category", "fight"),
        ("description", description),
        ("lat", "25.248"),
        ("lon", "110.208"),
        ("address", address),
        ("contact", "<b>13800000000</b>"),
    ];
    let code = report_by_form(&app, &fields, None).await;
    let incident = only_incident(&app).await;
    assert_eq!(incident["description"], description, "stored as typed");
    assert_eq!(incident["address"], address);
    let id = incident["id"].as_i64().expect("id");
    assert!((JINSHAN.0 - 25.248).abs() < 1e-9);
    assign(&app, id, "JS-P1").await;

    // the review counts whole local days ending yesterday unless told
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).format("%Y-%m-%d").to_string();
    // (page, whether it shows the resident's text: the review's list shows
    // neither the address nor the description, the tracking page nothing)
    let pages = [
        ("/screen".to_owned(), true),
        ("/dispatch".to_owned(), true),
        (format!("/dispatch?incident={id}"), true),
        (format!("/review/incidents?from={today}&to={today}"), false),
        (format!("/review/incident/{id}"), true),
        ("/unit/JS-P1".to_owned(), true),
        (format!("/report/{code}"), false),
    ];
    for (path, shows_text) in pages {
        let (status, html) = app.html(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("<script>alert(1)"), "{path}: a raw script tag from the description");
        assert!(!html.contains("<img src=x"), "{path}: a raw img tag from the address");
        assert!(!html.contains("<b>13800000000"), "{path}");
        if path.starts_with("/report/") {
            assert!(!html.contains("alert(1)"), "the tracking page shows none of it");
        }
        if !shows_text {
            continue;
        }
        let shown = html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            || html.contains("&lt;img src=x onerror=alert(1)&gt;");
        assert!(shown, "{path}: the resident's text is on the page, escaped");
    }
}
