//! The district in the database: imported once from the district file,
//! read back at every start.

use domain::district::{Area, Landmark, PatrolPoint, Road, Station, TimeWindow, UnitSeed, Zone};
use domain::{Coordinates, District, StationCode};
use sqlx::Row;

use super::{Store, StoreError, millis, on_db, on_tx};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn ring_json(ring: &[Coordinates]) -> String {
    let pairs: Vec<[f64; 2]> = ring.iter().map(|c| [c.lat(), c.lon()]).collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".to_owned())
}

fn parse_ring(what: &str, text: &str) -> Result<Vec<Coordinates>, StoreError> {
    let pairs: Vec<[f64; 2]> = serde_json::from_str(text).map_err(|e| corrupt(what, e))?;
    pairs.into_iter().map(|[lat, lon]| Coordinates::parse(lat, lon).map_err(|e| corrupt(what, e))).collect()
}

impl Store {
    /// Whether a district has been loaded.
    pub async fn has_district(&self) -> Result<bool, StoreError> {
        let n: i64 =
            on_db!(self.db(), "SELECT COUNT(*) FROM district_meta WHERE key = 'name'", |c, q| sqlx::query_scalar(q)
                .fetch_one(c)
                .await)?;
        Ok(n > 0)
    }

    /// Loads a district (and its starting units) into an empty database, in
    /// one transaction.
    pub async fn import_district(
        &self,
        d: &District,
        source: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for (k, v) in [("name", d.name.as_str()), ("source", source)] {
            on_tx!(&mut tx, "INSERT INTO district_meta (key, value) VALUES (?, ?)", |c, q| sqlx::query(q)
                .bind(k)
                .bind(v)
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        on_tx!(&mut tx, "INSERT INTO district_meta (key, value) VALUES ('loaded_at', ?)", |c, q| sqlx::query(q)
            .bind(now.to_rfc3339())
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?;
        for s in &d.stations {
            on_tx!(&mut tx, "INSERT INTO stations (code, name, name_en, area) VALUES (?, ?, ?, ?)", |c, q| {
                sqlx::query(q)
                    .bind(s.code.as_str())
                    .bind(&s.name)
                    .bind(&s.name_en)
                    .bind(ring_json(s.area.ring()))
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        for z in &d.zones {
            on_tx!(&mut tx, "INSERT INTO zones (code, name, name_en, class, area) VALUES (?, ?, ?, ?, ?)", |c, q| {
                sqlx::query(q)
                    .bind(&z.code)
                    .bind(&z.name)
                    .bind(&z.name_en)
                    .bind(z.class.as_str())
                    .bind(ring_json(z.area.ring()))
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            })?;
        }
        for p in &d.patrol_points {
            let windows: Vec<String> = p.windows.iter().map(|w| String::from(*w)).collect();
            on_tx!(
                &mut tx,
                "INSERT INTO patrol_points (code, name, station, lat, lon, radius_m, windows) VALUES (?, ?, ?, ?, ?, ?, ?)",
                |c, q| sqlx::query(q)
                    .bind(p.code.as_str())
                    .bind(&p.name)
                    .bind(p.station.as_str())
                    .bind(p.at.lat())
                    .bind(p.at.lon())
                    .bind(p.radius_m)
                    .bind(serde_json::to_string(&windows).unwrap_or_else(|_| "[]".into()))
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            )?;
        }
        for l in &d.landmarks {
            on_tx!(
                &mut tx,
                "INSERT INTO landmarks (name, name_en, initials, kind, lat, lon) VALUES (?, ?, ?, ?, ?, ?)",
                |c, q| sqlx::query(q)
                    .bind(&l.name)
                    .bind(&l.name_en)
                    .bind(&l.initials)
                    .bind(l.kind.as_str())
                    .bind(l.at.lat())
                    .bind(l.at.lon())
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
            )?;
        }
        for r in &d.roads {
            on_tx!(&mut tx, "INSERT INTO roads (name, class, line) VALUES (?, ?, ?)", |c, q| sqlx::query(q)
                .bind(&r.name)
                .bind(r.class.as_str())
                .bind(ring_json(&r.line))
                .execute(c)
                .await
                .map(|r| r.rows_affected()))?;
        }
        for u in &d.units {
            insert_seed_unit(&mut tx, u, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Reads the district back (without units: those are live state).
    pub async fn load_district(&self) -> Result<District, StoreError> {
        let mut d = District {
            name: on_db!(self.db(), "SELECT value FROM district_meta WHERE key = 'name'", |c, q| {
                sqlx::query_scalar(q).fetch_optional(c).await
            })?
            .unwrap_or_default(),
            ..District::default()
        };
        on_db!(self.db(), "SELECT code, name, name_en, area FROM stations ORDER BY rowid", |c, q| {
            for row in sqlx::query(q).fetch_all(c).await? {
                let code: String = row.get("code");
                d.stations.push(Station {
                    code: StationCode::parse(&code).map_err(|e| corrupt("station code", e))?,
                    name: row.get("name"),
                    name_en: row.get("name_en"),
                    area: Area::new(parse_ring("station area", row.get("area"))?)
                        .map_err(|e| corrupt("station area", e))?,
                });
            }
        });
        on_db!(self.db(), "SELECT code, name, name_en, class, area FROM zones ORDER BY rowid", |c, q| {
            for row in sqlx::query(q).fetch_all(c).await? {
                let class: String = row.get("class");
                d.zones.push(Zone {
                    code: row.get("code"),
                    name: row.get("name"),
                    name_en: row.get("name_en"),
                    class: class.parse().map_err(|e| corrupt("zone class", e))?,
                    area: Area::new(parse_ring("zone area", row.get("area"))?).map_err(|e| corrupt("zone area", e))?,
                });
            }
        });
        on_db!(
            self.db(),
            "SELECT code, name, station, lat, lon, radius_m, windows FROM patrol_points ORDER BY rowid",
            |c, q| {
                for row in sqlx::query(q).fetch_all(c).await? {
                    let station: String = row.get("station");
                    let code: String = row.get("code");
                    let windows: Vec<String> =
                        serde_json::from_str(row.get("windows")).map_err(|e| corrupt("patrol windows", e))?;
                    d.patrol_points.push(PatrolPoint {
                        code: domain::PointCode::parse(&code).map_err(|e| corrupt("patrol point code", e))?,
                        name: row.get("name"),
                        station: StationCode::parse(&station).map_err(|e| corrupt("patrol station", e))?,
                        at: Coordinates::parse(row.get("lat"), row.get("lon"))
                            .map_err(|e| corrupt("patrol point", e))?,
                        radius_m: row.get("radius_m"),
                        windows: windows
                            .iter()
                            .map(|w| TimeWindow::parse(w))
                            .collect::<Result<_, _>>()
                            .map_err(|e| corrupt("patrol window", e))?,
                    });
                }
            }
        );
        on_db!(self.db(), "SELECT name, name_en, initials, kind, lat, lon FROM landmarks ORDER BY id", |c, q| {
            for row in sqlx::query(q).fetch_all(c).await? {
                let kind: String = row.get("kind");
                d.landmarks.push(Landmark {
                    name: row.get("name"),
                    name_en: row.get("name_en"),
                    initials: row.get("initials"),
                    kind: kind.parse().map_err(|e| corrupt("landmark kind", e))?,
                    at: Coordinates::parse(row.get("lat"), row.get("lon")).map_err(|e| corrupt("landmark", e))?,
                });
            }
        });
        on_db!(self.db(), "SELECT name, class, line FROM roads ORDER BY id", |c, q| {
            for row in sqlx::query(q).fetch_all(c).await? {
                let class: String = row.get("class");
                d.roads.push(Road {
                    name: row.get("name"),
                    class: class.parse().map_err(|e| corrupt("road class", e))?,
                    line: parse_ring("road", row.get("line"))?,
                });
            }
        });
        Ok(d)
    }
}

async fn insert_seed_unit(
    tx: &mut super::Tx<'_>,
    u: &UnitSeed,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    // Seeded units start where the file puts them, seen "now": a fresh demo
    // has units to recommend before the first tracker reports.
    on_tx!(
        tx,
        "INSERT INTO units (callsign, kind, force, station, status, lat, lon, seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        |c, q| sqlx::query(q)
            .bind(&u.callsign)
            .bind(u.kind.as_str())
            .bind(u.force.as_str())
            .bind(u.station.as_str())
            .bind(u.status.as_str())
            .bind(u.at.lat())
            .bind(u.at.lon())
            .bind(millis(now))
            .bind(millis(now))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    )?;
    Ok(())
}
