//! Every route the server answers, with the permission it needs: the pages,
//! the pages' server functions, the REST API, the live stream and the rest.
//! The authorisation layer finds a request's rule here before any handler
//! runs, and refuses what `domain::access::grant` refuses.
//!
//! The REST API is built from its rules ([`ApiRoutes`]): a handler cannot
//! be added without one. Pages and server functions are declared by the
//! `app` crate; [`uncovered`] lists any of them without a rule here, and
//! start-up refuses to serve while that list is not empty.

use std::collections::HashMap;

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;
use domain::access::Permission;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// A principal whose role is granted this permission.
    Needs(Permission),
    /// A principal granted any of these.
    AnyOf(&'static [Permission]),
}

/// A route's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub access: Access,
    /// It changes something: audited on success (unless `quiet`), and
    /// checked against cross-site requests.
    pub change: bool,
    /// Asked for by a page or a device on its own (a live refresh, a
    /// position report, the stream), not by a person: it does not keep a
    /// person's session alive.
    pub background: bool,
    /// A change too frequent to audit one by one (position reports: the
    /// trail itself records them, by token).
    pub quiet: bool,
    /// A page (HTML): an anonymous visitor is sent to the login page.
    pub page: bool,
}

impl Rule {
    pub const fn read(p: Permission) -> Rule {
        Rule { access: Access::Needs(p), change: false, background: false, quiet: false, page: false }
    }
    pub const fn change(p: Permission) -> Rule {
        Rule { access: Access::Needs(p), change: true, background: false, quiet: false, page: false }
    }
    pub const fn page(p: Permission) -> Rule {
        Rule { access: Access::Needs(p), change: false, background: false, quiet: false, page: true }
    }
    pub const fn public() -> Rule {
        Rule { access: Access::Public, change: false, background: false, quiet: false, page: false }
    }
    pub const fn public_page() -> Rule {
        Rule { page: true, ..Rule::public() }
    }
    pub const fn public_change() -> Rule {
        Rule { change: true, ..Rule::public() }
    }
    /// Asked for by a page or device on its own.
    pub const fn background(self) -> Rule {
        Rule { background: true, ..self }
    }
    pub const fn quiet(self) -> Rule {
        Rule { quiet: true, ..self }
    }
    pub const fn any_of(ps: &'static [Permission], change: bool) -> Rule {
        Rule { access: Access::AnyOf(ps), change, background: false, quiet: false, page: false }
    }
    pub const fn any_of_page(ps: &'static [Permission]) -> Rule {
        Rule { page: true, ..Rule::any_of(ps, false) }
    }
}

/// One route and its rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRule {
    pub method: Method,
    /// In axum's syntax: `/api/v1/incidents/{id}`.
    pub path: String,
    pub rule: Rule,
}

use Permission as P;

/// The pages (GET), by the paths the `app` crate's router declares.
pub const PAGES: &[(&str, Rule)] = &[
    ("/", Rule::public_page()),
    ("/login", Rule::public_page()),
    ("/report", Rule::public_page()),
    ("/report/{code}", Rule::public_page()),
    ("/screen", Rule::page(P::ViewLive)),
    ("/dispatch", Rule::page(P::TakeCall)),
    ("/unit/{callsign}", Rule::page(P::OfficerPage)),
    ("/points/{code}/qr", Rule::page(P::EditPoint)),
    ("/points/{code}/edit", Rule::page(P::EditPoint)),
    ("/checkin/{code}", Rule::page(P::CheckIn)),
    ("/review", Rule::page(P::ReviewFigures)),
    ("/review/incidents", Rule::page(P::ReviewIncidents)),
    ("/review/incident/{id}", Rule::page(P::ReviewIncidents)),
    ("/desk", Rule::page(P::ReadDesk)),
    ("/admin", Rule::page(P::Administer)),
];

/// The pages' server functions (`POST /sf/{endpoint}`).
pub const SERVER_FNS: &[(&str, Rule)] = &[
    // who is logged in (anyone may ask; the answer is about themselves)
    ("session", Rule::public().background()),
    ("touch", Rule::read(P::OwnSession)),
    // the live board and the console
    ("board", Rule::read(P::ViewLive).background()),
    ("incident", Rule::read(P::ReadIncidents).background()),
    ("recommend", Rule::read(P::Recommend).background()),
    ("recommend_at", Rule::read(P::Recommend)),
    // the rings along the streets: positions of the fleet, so live viewers only
    ("street_reach", Rule::read(P::ViewLive).background()),
    ("create", Rule::change(P::TakeCall)),
    ("assign", Rule::change(P::Dispatch)),
    ("reassign", Rule::change(P::Dispatch)),
    ("status", Rule::change(P::IncidentStatus)),
    // the officer's phone
    ("unit_page", Rule::read(P::OfficerPage).background()),
    ("officer_status", Rule::change(P::UnitStatus)),
    ("officer_resolve", Rule::change(P::IncidentStatus)),
    ("officer_check_in", Rule::change(P::CheckIn)),
    // must-patrol points
    ("point_qr", Rule::read(P::EditPoint)),
    ("rotate_point_token", Rule::change(P::EditPoint)),
    ("edit_point", Rule::change(P::EditPoint)),
    ("point_page", Rule::any_of(&[P::CheckIn, P::EditPoint], false)),
    // the review
    ("review", Rule::read(P::ReviewFigures)),
    ("review_incidents", Rule::read(P::ReviewIncidents)),
    ("patrol_report", Rule::read(P::ReviewFigures)),
    ("desk_review", Rule::read(P::ReviewFigures)),
    ("community_review", Rule::read(P::ReviewFigures)),
    // the chat desk
    ("desk", Rule::read(P::ReadDesk)),
    ("desk_message", Rule::read(P::ReadDesk).background()),
    ("desk_answer", Rule::change(P::AnswerChat)),
    ("desk_convert", Rule::change(P::AnswerChat)),
    ("desk_close", Rule::change(P::AnswerChat)),
    // residents (public)
    ("report_form", Rule::public()),
    ("report_track", Rule::public().background()),
    // administration
    ("admin", Rule::read(P::Administer)),
    ("admin_audit", Rule::read(P::Administer)),
    ("admin_add_user", Rule::change(P::Administer)),
    ("admin_user", Rule::change(P::Administer)),
    ("admin_add_token", Rule::change(P::Administer)),
    ("admin_revoke_token", Rule::change(P::Administer)),
];

/// The prefix of the pages' server functions.
pub const SERVER_FN_PREFIX: &str = "/sf";

/// Routes outside the API, the pages and the server functions.
pub fn others() -> Vec<RouteRule> {
    let r = |method: Method, path: &str, rule: Rule| RouteRule { method, path: path.to_owned(), rule };
    vec![
        r(Method::GET, "/healthz", Rule::public().background()),
        r(Method::GET, "/ws", Rule::read(P::Stream).background()),
        r(Method::POST, "/report", Rule::public_change()),
        r(Method::POST, "/login", Rule::public_change()),
        r(Method::POST, "/logout", Rule::change(P::OwnSession)),
        r(Method::GET, "/unit", Rule::page(P::OfficerPage)),
        r(Method::GET, "/dispatch/photo/{id}", Rule::read(P::ReadContact)),
        // safety notices: the residents' page and the CAP 1.2 feed (public)
        r(Method::GET, "/notices", Rule::public_page()),
        r(Method::GET, "/cap/feed.atom", Rule::public()),
        r(Method::GET, "/cap/{file}", Rule::public()),
        // a chief's notices desk on the same page (plain forms)
        r(Method::POST, "/notices/new", Rule::change(P::WriteNotices)),
        r(Method::POST, "/notices/calendar", Rule::change(P::WriteNotices)),
        r(Method::POST, "/notices/{id}/schedule", Rule::change(P::WriteNotices)),
        r(Method::POST, "/notices/{id}/unschedule", Rule::change(P::WriteNotices)),
        r(Method::POST, "/notices/{id}/cancel", Rule::change(P::WriteNotices)),
        r(Method::POST, "/notices/{id}/edit", Rule::change(P::WriteNotices)),
        // the monthly task list: an officer's phone, a chief's desk (plain forms)
        r(Method::GET, "/tasks", Rule::any_of_page(&[P::OwnTasks, P::ManageTasks])),
        r(Method::GET, "/plan", Rule::page(P::PlanDeployment)),
        r(Method::POST, "/tasks/generate", Rule::change(P::ManageTasks)),
        r(Method::POST, "/tasks/{id}/report", Rule::change(P::OwnTasks)),
        r(Method::POST, "/tasks/{id}/accept", Rule::change(P::ManageTasks)),
        r(Method::POST, "/tasks/{id}/return", Rule::change(P::ManageTasks)),
    ]
}

/// The REST API under construction: each handler added with its rule.
pub struct ApiRoutes<S> {
    prefix: &'static str,
    router: Router<S>,
    routes: HashMap<String, MethodRouter<S>>,
    order: Vec<String>,
    pub rules: Vec<RouteRule>,
}

impl<S: Clone + Send + Sync + 'static> ApiRoutes<S> {
    pub fn new(prefix: &'static str) -> Self {
        ApiRoutes { prefix, router: Router::new(), routes: HashMap::new(), order: vec![], rules: vec![] }
    }

    fn add(&mut self, method: Method, path: &str, rule: Rule, route: MethodRouter<S>) -> &mut Self {
        self.rules.push(RouteRule { method, path: format!("{}{path}", self.prefix), rule });
        match self.routes.remove(path) {
            Some(existing) => {
                self.routes.insert(path.to_owned(), existing.merge(route));
            }
            None => {
                self.order.push(path.to_owned());
                self.routes.insert(path.to_owned(), route);
            }
        }
        self
    }

    pub fn get<H: Handler<T, S>, T: 'static>(&mut self, path: &str, rule: Rule, h: H) -> &mut Self {
        self.add(Method::GET, path, rule, axum::routing::get(h))
    }
    pub fn post<H: Handler<T, S>, T: 'static>(&mut self, path: &str, rule: Rule, h: H) -> &mut Self {
        self.add(Method::POST, path, rule, axum::routing::post(h))
    }
    pub fn put<H: Handler<T, S>, T: 'static>(&mut self, path: &str, rule: Rule, h: H) -> &mut Self {
        self.add(Method::PUT, path, rule, axum::routing::put(h))
    }
    pub fn delete<H: Handler<T, S>, T: 'static>(&mut self, path: &str, rule: Rule, h: H) -> &mut Self {
        self.add(Method::DELETE, path, rule, axum::routing::delete(h))
    }
    /// A POST whose body may be larger (or must be smaller) than the API's default.
    pub fn post_limited<H: Handler<T, S>, T: 'static>(
        &mut self,
        path: &str,
        rule: Rule,
        limit: usize,
        h: H,
    ) -> &mut Self {
        self.add(Method::POST, path, rule, axum::routing::post(h).layer(axum::extract::DefaultBodyLimit::max(limit)))
    }

    /// The router (to nest under the prefix) and the rules.
    pub fn build(mut self) -> (Router<S>, Vec<RouteRule>) {
        let mut router = std::mem::take(&mut self.router);
        for path in &self.order {
            if let Some(route) = self.routes.remove(path) {
                router = router.route(path, route);
            }
        }
        (router, self.rules)
    }
}

/// Every route's rule, found by method and path.
pub struct RuleTable {
    by_method: HashMap<Method, matchit::Router<Rule>>,
    all: Vec<RouteRule>,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("two rules for {method} {path}")]
    Twice { method: Method, path: String },
    #[error("the route {0} cannot be matched: {1}")]
    Path(String, String),
}

impl RuleTable {
    pub fn new(rules: Vec<RouteRule>) -> Result<RuleTable, TableError> {
        let mut by_method: HashMap<Method, matchit::Router<Rule>> = HashMap::new();
        for r in &rules {
            let router = by_method.entry(r.method.clone()).or_default();
            router.insert(r.path.clone(), r.rule).map_err(|e| match e {
                matchit::InsertError::Conflict { .. } => {
                    TableError::Twice { method: r.method.clone(), path: r.path.clone() }
                }
                other => TableError::Path(r.path.clone(), other.to_string()),
            })?;
        }
        Ok(RuleTable { by_method, all: rules })
    }

    /// The table: pages, server functions, others and the API's rules.
    pub fn with_api(api: Vec<RouteRule>) -> Result<RuleTable, TableError> {
        let mut all = vec![];
        for (path, rule) in PAGES {
            all.push(RouteRule { method: Method::GET, path: (*path).to_owned(), rule: *rule });
        }
        for (name, rule) in SERVER_FNS {
            all.push(RouteRule { method: Method::POST, path: format!("{SERVER_FN_PREFIX}/{name}"), rule: *rule });
        }
        all.extend(others());
        all.extend(api);
        RuleTable::new(all)
    }

    /// The rule for a request (a HEAD is a GET).
    pub fn find(&self, method: &Method, path: &str) -> Option<Rule> {
        let method = if method == Method::HEAD { &Method::GET } else { method };
        self.by_method.get(method)?.at(path).ok().map(|m| *m.value)
    }

    pub fn all(&self) -> &[RouteRule] {
        &self.all
    }
}

/// Pages and server functions the `app` crate declares that have no rule
/// here (start-up refuses to serve while there is one).
pub fn uncovered(table: &RuleTable) -> Vec<String> {
    let mut missing = vec![];
    for route in crate::web::page_routes() {
        let path = leptos_path(route.path());
        if table.find(&Method::GET, &path).is_none() {
            missing.push(format!("page GET {path}"));
        }
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        if table.find(&method, path).is_none() {
            missing.push(format!("server function {method} {path}"));
        }
    }
    missing.sort();
    missing
}

/// `/unit/:callsign` (Leptos) → `/unit/{callsign}` (axum, matchit).
pub fn leptos_path(p: &str) -> String {
    p.split('/')
        .map(|seg| match seg.strip_prefix(':') {
            Some(name) => format!("{{{name}}}"),
            None => seg.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_found_by_method_and_path() {
        let t = RuleTable::with_api(vec![RouteRule {
            method: Method::POST,
            path: "/api/v1/incidents/{id}/assign".into(),
            rule: Rule::change(P::Dispatch),
        }])
        .expect("a valid table");
        assert_eq!(t.find(&Method::POST, "/api/v1/incidents/12/assign"), Some(Rule::change(P::Dispatch)));
        assert_eq!(t.find(&Method::GET, "/api/v1/incidents/12/assign"), None);
        assert_eq!(t.find(&Method::GET, "/unit/JS-P1"), Some(Rule::page(P::OfficerPage)));
        assert_eq!(t.find(&Method::HEAD, "/screen"), Some(Rule::page(P::ViewLive)));
        assert_eq!(t.find(&Method::POST, "/sf/assign"), Some(Rule::change(P::Dispatch)));
        assert_eq!(t.find(&Method::GET, "/pkg/command_room.js"), None);
    }

    #[test]
    fn a_route_cannot_have_two_rules() {
        let twice = vec![
            RouteRule { method: Method::GET, path: "/x".into(), rule: Rule::public() },
            RouteRule { method: Method::GET, path: "/x".into(), rule: Rule::read(P::Administer) },
        ];
        assert!(RuleTable::new(twice).is_err());
    }

    #[test]
    fn leptos_paths_become_axum_paths() {
        assert_eq!(leptos_path("/unit/:callsign"), "/unit/{callsign}");
        assert_eq!(leptos_path("/points/:code/qr"), "/points/{code}/qr");
        assert_eq!(leptos_path("/"), "/");
    }
}
