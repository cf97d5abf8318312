//! The demo district file is data a deployment replaces, but the demo must
//! hold what the product promises: four stations, zones of every class, about
//! 30 must-patrol points and 40+ units of every kind and force, all inside
//! their station's area.

use domain::{District, Force, ResponseClass, UnitKind};

fn demo() -> District {
    District::from_toml(include_str!("../../config/district-lingui.toml")).expect("the demo district parses")
}

#[test]
fn has_the_four_lingui_stations() {
    let d = demo();
    let names: Vec<&str> = d.stations.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["金水路警务站", "榕山警务站", "人民路警务站", "时代枫林警务站"]);
}

#[test]
fn has_zones_of_every_class_and_the_jinshan_post() {
    let d = demo();
    for class in ResponseClass::ALL {
        assert!(d.zones.iter().any(|z| z.class == *class), "no {class} zone");
    }
    let post = d.units.iter().find(|u| u.kind == UnitKind::Post).expect("a fixed post");
    let at = d.locate(post.at);
    assert_eq!(at.class, Some(ResponseClass::Core));
    assert_eq!(at.zone.as_deref(), Some("jinshan-square"));
}

#[test]
fn has_about_30_patrol_points_and_40_units_of_every_kind_and_force() {
    let d = demo();
    assert!(d.patrol_points.len() >= 30, "{} points", d.patrol_points.len());
    assert!(d.units.len() >= 40, "{} units", d.units.len());
    for kind in UnitKind::ALL {
        assert!(d.units.iter().any(|u| u.kind == *kind), "no {kind}");
    }
    for force in Force::ALL {
        assert!(d.units.iter().any(|u| u.force == *force), "no {force}");
    }
}

#[test]
fn everything_lies_in_its_own_station() {
    let d = demo();
    for p in &d.patrol_points {
        assert_eq!(d.locate(p.at).station.as_ref(), Some(&p.station), "patrol point {} ({})", p.code, p.name);
    }
    for u in &d.units {
        assert_eq!(d.locate(u.at).station.as_ref(), Some(&u.station), "unit {}", u.callsign);
    }
    // the centre is covered and the station areas do not overlap there
    let centre = domain::Coordinates::parse(25.24, 110.20).expect("valid");
    assert_eq!(d.stations.iter().filter(|s| s.area.contains(centre)).count(), 1);
}
