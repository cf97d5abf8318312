//! What was acknowledged survives a restart: incidents, assignments, stage
//! times and the status log come back from the database.

use serde_json::json;

use crate::helpers::{JINSHAN, spawn, start, test_config};

#[tokio::test]
async fn acknowledged_writes_survive_a_restart() {
    let app = spawn().await;
    let i = app.incident("fight", JINSHAN.0, JINSHAN.1).await;
    let unit = app.unit_by_callsign("JS-P1").await;
    let (s, assigned) =
        app.post(&format!("/api/v1/incidents/{}/assign", i["id"]), json!({"unit_id": unit["id"]})).await;
    assert_eq!(s, 200);
    let (_, before) = app.get(&format!("/api/v1/incidents/{}", i["id"])).await;
    let dir = app.stop().await;

    let again = start(test_config(dir.path()), dir).await;
    let (s, after) = again.get(&format!("/api/v1/incidents/{}", i["id"])).await;
    assert_eq!(s, 200);
    assert_eq!(after, before, "the same incident, timers and timeline");
    assert_eq!(after["units"], assigned["units"]);
    assert_eq!(again.unit_by_callsign("JS-P1").await["status"], "dispatched");
    assert_eq!(again.units().await.len(), 45, "the district is not loaded twice");
    // the live state is back too: the open incident is on the stream's snapshot
    let mut ws = again.ws("").await;
    let snap = ws.next_within(std::time::Duration::from_secs(5)).await.expect("snapshot");
    assert!(snap["incidents"].as_array().expect("incidents").iter().any(|x| x["id"] == i["id"]));
}
