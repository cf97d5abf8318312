//! The road network routed ETAs use: written whole by `roads import`, read
//! whole at start-up.

use chrono::{DateTime, Utc};
use domain::Coordinates;
use domain::roads::{RoadEdge, RoadNetwork};
use sqlx::Row;

use super::rows::millis;
use super::{Store, StoreError};
use crate::{on_db, on_tx};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// What is stored: where it came from, when, and its size.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkSummary {
    pub source: String,
    pub imported_at: i64,
    pub nodes: i64,
    pub edges: i64,
}

impl Store {
    /// Replaces the stored network with `net`, in one transaction: a
    /// failed import leaves the old network as it was.
    pub async fn save_road_network(
        &self,
        net: &RoadNetwork,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        for table in ["DELETE FROM road_edges", "DELETE FROM road_nodes", "DELETE FROM road_network"] {
            on_tx!(&mut tx, table, |c, q| sqlx::query(q).execute(c).await.map(|r| r.rows_affected()))?;
        }
        let nodes: Vec<(i64, Coordinates)> = net.nodes().iter().enumerate().map(|(i, c)| (i as i64, *c)).collect();
        for chunk in nodes.chunks(8000) {
            on_tx!(&mut tx, |c| {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO road_nodes (id, lat, lon) ");
                q.push_values(chunk, |mut b, (id, at)| {
                    b.push_bind(*id).push_bind(at.lat()).push_bind(at.lon());
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        let edges: Vec<(i64, &RoadEdge)> = net.edges().iter().enumerate().map(|(i, e)| (i as i64, e)).collect();
        for chunk in edges.chunks(5000) {
            on_tx!(&mut tx, |c| {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO road_edges (id, a, b, class, oneway, length_m) ");
                q.push_values(chunk, |mut b, (id, e)| {
                    b.push_bind(*id)
                        .push_bind(i64::from(e.a))
                        .push_bind(i64::from(e.b))
                        .push_bind(e.class.as_str())
                        .push_bind(i16::from(e.oneway))
                        .push_bind(e.length_m);
                });
                q.build().execute(c).await.map(|r| r.rows_affected())
            })?;
        }
        on_tx!(
            &mut tx,
            "INSERT INTO road_network (id, source, imported_at, nodes, edges) VALUES (1, ?, ?, ?, ?)",
            |c, q| sqlx::query(q)
                .bind(source)
                .bind(millis(now))
                .bind(net.nodes().len() as i64)
                .bind(net.edges().len() as i64)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        )?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn road_network_summary(&self) -> Result<Option<NetworkSummary>, StoreError> {
        Ok(on_db!(self.db(), "SELECT source, imported_at, nodes, edges FROM road_network WHERE id = 1", |c, q| {
            sqlx::query(q).fetch_optional(c).await.map(|row| {
                row.map(|row| NetworkSummary {
                    source: row.get("source"),
                    imported_at: row.get("imported_at"),
                    nodes: row.get("nodes"),
                    edges: row.get("edges"),
                })
            })
        })?)
    }

    /// The stored network, if one was imported.
    pub async fn load_road_network(&self) -> Result<Option<RoadNetwork>, StoreError> {
        if self.road_network_summary().await?.is_none() {
            return Ok(None);
        }
        let mut nodes = vec![];
        on_db!(self.db(), "SELECT id, lat, lon FROM road_nodes ORDER BY id", |c, q| {
            for (i, row) in sqlx::query(q).fetch_all(c).await?.into_iter().enumerate() {
                let id: i64 = row.get("id");
                if id != i as i64 {
                    return Err(corrupt("road node", format!("ids are not 0..n: {id} at {i}")));
                }
                nodes.push(Coordinates::parse(row.get("lat"), row.get("lon")).map_err(|e| corrupt("road node", e))?);
            }
        });
        let mut edges = vec![];
        on_db!(self.db(), "SELECT a, b, class, oneway, length_m FROM road_edges ORDER BY id", |c, q| {
            for row in sqlx::query(q).fetch_all(c).await? {
                let class: String = row.get("class");
                let (a, b): (i64, i64) = (row.get("a"), row.get("b"));
                let oneway: i16 = row.get("oneway");
                edges.push(RoadEdge {
                    a: u32::try_from(a).map_err(|e| corrupt("road edge", e))?,
                    b: u32::try_from(b).map_err(|e| corrupt("road edge", e))?,
                    class: class.parse().map_err(|e| corrupt("road class", e))?,
                    oneway: oneway != 0,
                    length_m: row.get("length_m"),
                });
            }
        });
        RoadNetwork::new(nodes, edges).map(Some).map_err(|e| corrupt("road network", e))
    }
}
