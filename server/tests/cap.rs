//! CAP 1.2 documents as the server writes them (`domain::notice`), checked
//! against the OASIS schema with an independent validator (xmllint, from
//! Debian's libxml2-utils; `scripts/test.sh` installs it): an Alert, an
//! Update and a Cancel with their references, both languages, a polygon,
//! and text that needs escaping. A document with a `Z` time is refused, so
//! the validator is known to be looking.

mod common;

use chrono::FixedOffset;
use common::validate_cap as validate;
use domain::notice::{
    CapAlert, Certainty, MsgType, NoticeArea, NoticeCategory, NoticeDraft, SentMessage, Severity, Urgency,
};
use domain::{Coordinates, StationCode};

fn notice(area: NoticeArea) -> NoticeDraft {
    NoticeDraft {
        title_zh: "冬季防一氧化碳中毒提示".into(),
        body_zh: "使用炭火取暖请保持通风 <务必> & 不在密闭房间内烧炭".into(),
        title_en: Some("Carbon monoxide in winter".into()),
        body_en: Some("Ventilate \"always\" & never burn charcoal indoors".into()),
        category: NoticeCategory::CarbonMonoxide,
        area,
        effective_ms: 1_796_400_000_000,
        expires_ms: 1_796_400_000_000 + 31 * 86_400_000,
        urgency: Urgency::Expected,
        severity: Severity::Moderate,
        certainty: Certainty::Likely,
    }
    .check()
    .expect("a valid notice")
}

#[test]
fn alerts_updates_and_cancels_are_valid_cap_1_2() {
    let east8 = FixedOffset::east_opt(8 * 3600).expect("valid");
    let c = |lat, lon| Coordinates::parse(lat, lon).expect("valid");
    let ring = vec![c(25.20, 110.20), c(25.22, 110.20), c(25.22, 110.23), c(25.20, 110.20)];
    let by_station = notice(NoticeArea::Stations(vec![StationCode::parse("JSL").expect("valid")]));
    let drawn = notice(NoticeArea::Polygon(ring.clone()));
    let sent = [
        SentMessage { identifier: "lingui.notice.3.1".into(), sent_ms: 1_796_400_000_000 },
        SentMessage { identifier: "lingui.notice.3.2".into(), sent_ms: 1_796_403_600_000 },
    ];
    let alert = CapAlert {
        identifier: "lingui.notice.3.1",
        sender: "command-room@lingui.example",
        sent_ms: 1_796_400_000_000,
        msg_type: MsgType::Alert,
        references: &[],
        sender_name: "临桂公安 金水路警务站",
        notice: &by_station,
        area_desc: "金水路警务站辖区",
        polygons: &[],
        web: Some("http://127.0.0.1:3000/notices?station=JSL"),
        offset: east8,
    };
    let polygons = [ring];
    let cases = [
        ("alert", alert.clone()),
        ("alert with a polygon", CapAlert { notice: &drawn, polygons: &polygons, web: None, ..alert.clone() }),
        (
            "update",
            CapAlert {
                identifier: "lingui.notice.3.2",
                msg_type: MsgType::Update,
                references: &sent[..1],
                ..alert.clone()
            },
        ),
        (
            "cancel",
            CapAlert { identifier: "lingui.notice.3.3", msg_type: MsgType::Cancel, references: &sent, ..alert.clone() },
        ),
    ];
    for (what, doc) in &cases {
        let xml = doc.to_xml();
        if let Err(e) = validate(&xml) {
            panic!("{what} is not valid CAP 1.2:\n{e}\n{xml}");
        }
    }
    // the validator is looking: a Z time, a CAP 1.1 namespace, a wrong msgType
    let xml = alert.to_xml();
    for (what, broken) in [
        ("a Z time", xml.replace("2026-12-05T00:00:00+08:00</sent>", "2026-12-04T16:00:00Z</sent>")),
        ("CAP 1.1", xml.replace("cap:1.2", "cap:1.1")),
        ("a wrong msgType", xml.replace("<msgType>Alert", "<msgType>Notice")),
    ] {
        assert_ne!(broken, xml, "{what}: the test changed nothing");
        assert!(validate(&broken).is_err(), "{what} passed the schema");
    }
}
