//! Community officers' monthly task lists (社区民警任务清单): rules in data
//! (`config/tasks.toml`) turn a station's places, last month's hot spots
//! and disputes and this month's notices into tasks, each saying why it was
//! generated, shared out among the station's community officers. A task is
//! reported done (text, photos, the phone's position), then a chief accepts
//! it or returns it.

use serde::Deserialize;

use crate::coords::Coordinates;
use crate::district::LandmarkKind;
use crate::named_enum;
use crate::unit::{Force, UnitKind};

named_enum! {
    pub enum TaskKind ("task kind") {
        /// A visit to a school, hospital, market… of the area.
        Visit = "visit",
        /// A hazard check where last month's incidents gathered.
        HazardCheck = "hazard_check",
        /// A follow-up visit after last month's dispute.
        FollowUp = "follow_up",
        /// Publicity matching a notice of the month.
        Publicity = "publicity",
    }
}

named_enum! {
    pub enum TaskStatus ("task status") {
        /// To do (or being done).
        Open = "open",
        /// Reported done, waiting for a chief.
        Submitted = "submitted",
        /// A chief accepted the report.
        Accepted = "accepted",
        /// A chief sent it back: to do again, with the chief's note.
        Returned = "returned",
    }
}

/// What is done to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskAction {
    Submit,
    Accept,
    Return,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    #[error("a {from} task cannot be {action}")]
    Move { from: TaskStatus, action: &'static str },
    #[error("the report is empty: say what was done")]
    EmptyReport,
    #[error("the report is {0} characters long; at most {max}", max = REPORT_MAX)]
    ReportTooLong(usize),
    #[error("the rules are not valid: {0}")]
    Rules(String),
}

pub const REPORT_MAX: usize = 2000;

impl TaskStatus {
    pub fn after(self, action: TaskAction) -> Result<TaskStatus, TaskError> {
        use TaskAction as A;
        use TaskStatus as S;
        match (self, action) {
            (S::Open | S::Returned, A::Submit) => Ok(S::Submitted),
            (S::Submitted, A::Accept) => Ok(S::Accepted),
            (S::Submitted, A::Return) => Ok(S::Returned),
            (from, action) => Err(TaskError::Move {
                from,
                action: match action {
                    A::Submit => "reported done",
                    A::Accept => "accepted",
                    A::Return => "returned",
                },
            }),
        }
    }
}

/// A report's text, checked.
pub fn check_report(text: &str) -> Result<String, TaskError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(TaskError::EmptyReport);
    }
    let n = t.chars().count();
    if n > REPORT_MAX {
        return Err(TaskError::ReportTooLong(n));
    }
    Ok(t.to_owned())
}

/// So many visits a month to each place of a kind in the officer's area.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitRule {
    pub kind: LandmarkKind,
    /// Visits to each such place in the month.
    pub per_month: u32,
}

/// The rules (`config/tasks.toml`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskRules {
    /// Who gets tasks: a station's units of these forces and kinds (its
    /// community officers).
    pub forces: Vec<Force>,
    pub kinds: Vec<UnitKind>,
    #[serde(default)]
    pub visit: Vec<VisitRule>,
    /// Hazard checks at the top N hot spots of last month (squares with at
    /// least `hot_spot_min` incidents).
    pub hot_spots: u32,
    pub hot_spot_min: u64,
    /// Categories of last month's incidents followed up with a visit.
    pub follow_up: Vec<crate::Category>,
    /// At most this many follow-ups a month per station.
    pub follow_up_max: u32,
    /// One publicity task for each notice of the month.
    pub publicity: bool,
}

impl TaskRules {
    pub fn parse(text: &str) -> Result<TaskRules, TaskError> {
        let r: TaskRules = toml::from_str(text).map_err(|e| TaskError::Rules(e.to_string()))?;
        if r.forces.is_empty() || r.kinds.is_empty() {
            return Err(TaskError::Rules("forces and kinds must name at least one each".into()));
        }
        if r.visit.iter().any(|v| v.per_month > 10) || r.hot_spots > 20 || r.follow_up_max > 100 {
            return Err(TaskError::Rules("at most 10 visits per place, 20 hot spots, 100 follow-ups".into()));
        }
        Ok(r)
    }
}

/// A place of the officer's area.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub name: String,
    pub kind: LandmarkKind,
    pub at: Coordinates,
}

/// A hot spot of last month: a square and its incidents.
#[derive(Debug, Clone, PartialEq)]
pub struct HotSpot {
    pub center: Coordinates,
    pub incidents: u64,
}

/// A past incident to follow up.
#[derive(Debug, Clone, PartialEq)]
pub struct PastIncident {
    pub id: i64,
    pub category: crate::Category,
    pub at: Coordinates,
    pub address: String,
}

/// What a station's list is made from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TaskInputs {
    pub places: Vec<Place>,
    pub hot_spots: Vec<HotSpot>,
    pub incidents: Vec<PastIncident>,
    /// This month's notices: (id, title).
    pub notices: Vec<(i64, String)>,
}

/// One generated task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    pub kind: TaskKind,
    pub title: String,
    /// Why it was generated (shown to the officer and the chief).
    pub reason: String,
    pub at: Option<Coordinates>,
    /// Unique within the station and month: generating twice makes it once.
    pub key: String,
}

/// A station's tasks for a month, in order: visits (by rule, then place),
/// hazard checks (most incidents first), follow-ups (oldest first as given),
/// publicity.
pub fn generate(rules: &TaskRules, inputs: &TaskInputs) -> Vec<TaskSpec> {
    let mut out = vec![];
    for rule in &rules.visit {
        for place in inputs.places.iter().filter(|p| p.kind == rule.kind) {
            for n in 1..=rule.per_month {
                out.push(TaskSpec {
                    kind: TaskKind::Visit,
                    title: if rule.per_month > 1 {
                        format!("走访 {} ({n}/{})", place.name, rule.per_month)
                    } else {
                        format!("走访 {}", place.name)
                    },
                    reason: format!("rule: visit each {} {} time(s) a month", rule.kind.as_str(), rule.per_month),
                    at: Some(place.at),
                    key: format!("visit:{}:{}", place.name, n),
                });
            }
        }
    }
    let mut spots: Vec<&HotSpot> = inputs.hot_spots.iter().filter(|h| h.incidents >= rules.hot_spot_min).collect();
    // most incidents first; ties by place, so the order never depends on the input's
    spots.sort_by(|a, b| {
        b.incidents
            .cmp(&a.incidents)
            .then(a.center.lat().total_cmp(&b.center.lat()))
            .then(a.center.lon().total_cmp(&b.center.lon()))
    });
    for (i, h) in spots.iter().take(rules.hot_spots as usize).enumerate() {
        out.push(TaskSpec {
            kind: TaskKind::HazardCheck,
            title: format!("隐患排查 热点 #{} ({:.5}, {:.5})", i + 1, h.center.lat(), h.center.lon()),
            reason: format!("hot spot: {} incidents there last month", h.incidents),
            at: Some(h.center),
            key: format!("hazard:{:.5},{:.5}", h.center.lat(), h.center.lon()),
        });
    }
    for inc in
        inputs.incidents.iter().filter(|i| rules.follow_up.contains(&i.category)).take(rules.follow_up_max as usize)
    {
        out.push(TaskSpec {
            kind: TaskKind::FollowUp,
            title: format!("回访 #{} {}", inc.id, inc.address),
            reason: format!("follow-up: {} incident #{} last month", inc.category.as_str(), inc.id),
            at: Some(inc.at),
            key: format!("follow_up:{}", inc.id),
        });
    }
    if rules.publicity {
        for (id, title) in &inputs.notices {
            out.push(TaskSpec {
                kind: TaskKind::Publicity,
                title: format!("宣传 {title}"),
                reason: format!("publicity: notice #{id} of the month"),
                at: None,
                key: format!("publicity:{id}"),
            });
        }
    }
    out
}

/// Shares tasks among officers in turn (the first task to the first
/// officer); none without officers.
pub fn share<T: Clone>(tasks: &[TaskSpec], officers: &[T]) -> Vec<(T, TaskSpec)> {
    if officers.is_empty() {
        return vec![];
    }
    tasks.iter().enumerate().map(|(i, t)| (officers[i % officers.len()].clone(), t.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Category;

    fn c(lat: f64, lon: f64) -> Coordinates {
        Coordinates::parse(lat, lon).expect("valid")
    }

    const RULES: &str = r#"
        forces = ["police"]
        kinds = ["foot"]
        hot_spots = 2
        hot_spot_min = 3
        follow_up = ["dispute"]
        follow_up_max = 2
        publicity = true
        [[visit]]
        kind = "school"
        per_month = 2
        [[visit]]
        kind = "hospital"
        per_month = 1
    "#;

    #[test]
    fn a_month_s_list_follows_the_rules_case_by_case() {
        let rules = TaskRules::parse(RULES).expect("valid rules");
        let inputs = TaskInputs {
            places: vec![
                Place { name: "金山小学".into(), kind: LandmarkKind::School, at: c(25.25, 110.20) },
                Place { name: "人民医院".into(), kind: LandmarkKind::Hospital, at: c(25.26, 110.21) },
                Place { name: "夜市".into(), kind: LandmarkKind::Market, at: c(25.27, 110.22) },
            ],
            hot_spots: vec![
                HotSpot { center: c(25.1, 110.1), incidents: 3 },
                HotSpot { center: c(25.2, 110.2), incidents: 9 },
                HotSpot { center: c(25.3, 110.3), incidents: 2 },
                HotSpot { center: c(25.0, 110.0), incidents: 3 },
            ],
            incidents: vec![
                PastIncident {
                    id: 7, category: Category::Dispute, at: c(25.25, 110.2), address: "金水路 1 号".into()
                },
                PastIncident { id: 8, category: Category::Theft, at: c(25.25, 110.2), address: "x".into() },
                PastIncident {
                    id: 9, category: Category::Dispute, at: c(25.25, 110.2), address: "金水路 3 号".into()
                },
                PastIncident {
                    id: 10,
                    category: Category::Dispute,
                    at: c(25.25, 110.2),
                    address: "金水路 5 号".into(),
                },
            ],
            notices: vec![(4, "冬季防火".into())],
        };
        let tasks = generate(&rules, &inputs);
        let keys: Vec<&str> = tasks.iter().map(|t| t.key.as_str()).collect();
        // by hand: the school twice, the hospital once, the market not at all;
        // hot spots with >= 3 incidents, the two biggest (9, then the 3 with the
        // lower latitude); the first two disputes; one notice
        assert_eq!(
            keys,
            [
                "visit:金山小学:1",
                "visit:金山小学:2",
                "visit:人民医院:1",
                "hazard:25.20000,110.20000",
                "hazard:25.00000,110.00000",
                "follow_up:7",
                "follow_up:9",
                "publicity:4",
            ]
        );
        assert_eq!(tasks[0].title, "走访 金山小学 (1/2)");
        assert_eq!(tasks[2].title, "走访 人民医院");
        assert_eq!(tasks[3].reason, "hot spot: 9 incidents there last month");
        assert_eq!(tasks[5].reason, "follow-up: dispute incident #7 last month");
        assert_eq!(tasks[7].at, None);
        // shared in turn among two officers
        let shared = share(&tasks, &["A", "B"]);
        assert_eq!(shared.iter().filter(|(o, _)| *o == "A").count(), 4);
        assert_eq!(shared[1].0, "B");
        assert!(share(&tasks, &Vec::<&str>::new()).is_empty());
        // nothing to go on: nothing generated
        assert!(generate(&rules, &TaskInputs::default()).is_empty());
    }

    #[test]
    fn a_task_moves_from_open_to_accepted_or_back() {
        use TaskAction as A;
        use TaskStatus as S;
        assert_eq!(S::Open.after(A::Submit), Ok(S::Submitted));
        assert_eq!(S::Submitted.after(A::Return), Ok(S::Returned));
        assert_eq!(S::Returned.after(A::Submit), Ok(S::Submitted));
        assert_eq!(S::Submitted.after(A::Accept), Ok(S::Accepted));
        assert_eq!(S::Open.after(A::Accept), Err(TaskError::Move { from: S::Open, action: "accepted" }));
        assert!(S::Accepted.after(A::Submit).is_err());
        assert!(S::Accepted.after(A::Return).is_err());
        assert_eq!(check_report("  "), Err(TaskError::EmptyReport));
        assert_eq!(check_report(" 已走访 "), Ok("已走访".into()));
        assert_eq!(check_report(&"x".repeat(REPORT_MAX + 1)), Err(TaskError::ReportTooLong(REPORT_MAX + 1)));
    }

    #[test]
    fn rules_are_checked_and_the_shipped_ones_read() {
        assert!(TaskRules::parse("forces = []\nkinds = [\"foot\"]\nhot_spots = 1\nhot_spot_min = 1\nfollow_up = []\nfollow_up_max = 0\npublicity = false").is_err());
        assert!(TaskRules::parse(&RULES.replace("per_month = 2", "per_month = 50")).is_err());
        assert!(TaskRules::parse(&RULES.replace("\"school\"", "\"castle\"")).is_err());
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../config/tasks.toml"))
            .expect("config/tasks.toml");
        let r = TaskRules::parse(&text).expect("the shipped rules");
        assert!(r.visit.iter().any(|v| v.kind == LandmarkKind::School));
        assert!(r.follow_up.contains(&Category::Dispute));
    }
}
