//! What the deployment planner reads of past incidents: where they were and
//! how the response went (`Store::plan_rows`, beside the review's queries:
//! the same selection).

/// One past incident: position, priority, zone class and stage times (ms).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub lat: f64,
    pub lon: f64,
    pub priority: i64,
    pub zone_class: Option<String>,
    pub station: Option<String>,
    pub received_at: i64,
    pub dispatched_at: Option<i64>,
    pub on_scene_at: Option<i64>,
    pub resolved_at: Option<i64>,
}

/// At most this many incidents are planned over (a year of a busy district).
pub const MAX_PLAN_ROWS: i64 = 50_000;
