//! Every string a page shows goes through here: Chinese (zh-CN) by default,
//! English when the URL says `?lang=en`.

use domain::{Category, Channel, Force, IncidentStatus, ResponseClass, UnitKind, UnitStatus};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn from_query(q: Option<&str>) -> Lang {
        match q {
            Some("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn html_lang(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// A message in both languages.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub &'static str, pub &'static str);

impl Tr {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.0,
            Lang::En => self.1,
        }
    }
}

/// The page's language, from context (Chinese when none is set).
pub fn lang() -> Lang {
    use_context::<Lang>().unwrap_or_default()
}

/// The label of a must-patrol point's state; none for an idle one.
pub fn point_state_label(state: domain::patrol::PointState) -> Option<&'static str> {
    use domain::patrol::PointState;
    match state {
        PointState::Due => Some(t(msg::POINT_DUE)),
        PointState::Visited => Some(t(msg::POINT_VISITED)),
        PointState::Missed => Some(t(msg::POINT_MISSED)),
        PointState::Idle => None,
    }
}

/// A role, as people call it.
pub fn role_label(role: domain::access::Role) -> &'static str {
    use domain::access::Role;
    t(match role {
        Role::Admin => msg::ROLE_ADMIN,
        Role::Chief => msg::ROLE_CHIEF,
        Role::Dispatcher => msg::ROLE_DISPATCHER,
        Role::Steward => msg::ROLE_STEWARD,
        Role::Officer => msg::ROLE_OFFICER,
        Role::Kiosk => msg::ROLE_KIOSK,
        Role::Tracker => msg::ROLE_TRACKER,
        Role::Bridge => msg::ROLE_BRIDGE,
    })
}

/// A message in the page's language.
pub fn t(m: Tr) -> &'static str {
    m.get(lang())
}

pub mod msg {
    use super::Tr;
    pub const APP: Tr = Tr("指挥室", "Command Room");
    // ── accounts and sessions ──
    pub const LOGIN: Tr = Tr("登录", "Log in");
    pub const LOGOUT: Tr = Tr("退出登录", "Log out");
    pub const LOGIN_NAME: Tr = Tr("用户名", "Name");
    pub const PASSWORD: Tr = Tr("密码", "Password");
    pub const LOGGED_IN_AS: Tr = Tr("当前登录", "Logged in as");
    pub const LOGIN_WRONG: Tr = Tr("用户名或密码错误。", "Wrong name or password.");
    pub const LOGIN_LOCKED: Tr = Tr(
        "连续登录失败次数过多，账号已锁定，需管理员解锁。正确的密码在锁定期间也无法登录。",
        "Too many failed logins: the account is locked until an administrator unlocks it. The right password does not open it meanwhile.",
    );
    /// `{}` is the local time the lock ends.
    pub const LOGIN_LOCKED_UNTIL: Tr = Tr(
        "连续登录失败次数过多，账号已锁定至 {}。正确的密码在锁定期间也无法登录。",
        "Too many failed logins: the account is locked until {}. The right password does not open it meanwhile.",
    );
    pub const LOGIN_DISABLED: Tr = Tr(
        "账号已停用（长期未使用或被管理员停用），请联系管理员。",
        "The account is disabled (unused for a long time, or by an administrator); ask an administrator.",
    );
    pub const LOGIN_UNAVAILABLE: Tr =
        Tr("服务暂不可用，请稍后再试。", "The service is not available; try again in a moment.");
    pub const SESSION_IDLE: Tr =
        Tr("长时间无操作，已自动退出，请重新登录。", "You were logged out after a time without input; log in again.");
    pub const SESSION_EXPIRED: Tr =
        Tr("登录已超过最长时限，请重新登录。", "Your login reached its longest allowed time; log in again.");
    pub const SESSION_ENDED: Tr = Tr("登录已失效，请重新登录。", "Your session ended; log in again.");
    pub const LOGGED_OUT: Tr = Tr("已退出登录。", "You are logged out.");
    pub const LOGIN_FIRST: Tr = Tr("请先登录", "Log in first");
    pub const SIGNED_OUT_LIVE: Tr =
        Tr("登录已失效，实时数据已停止。请重新登录。", "Your session ended; live updates stopped. Log in again.");
    pub const ROLE_ADMIN: Tr = Tr("管理员", "administrator");
    pub const ROLE_CHIEF: Tr = Tr("所长", "station chief");
    pub const ROLE_DISPATCHER: Tr = Tr("调度员", "dispatcher");
    pub const ROLE_STEWARD: Tr = Tr("群管家", "chat steward");
    pub const ROLE_OFFICER: Tr = Tr("巡逻民警", "patrol officer");
    pub const ROLE_KIOSK: Tr = Tr("大屏终端", "wall screen");
    pub const ROLE_TRACKER: Tr = Tr("定位终端", "tracker");
    pub const ROLE_BRIDGE: Tr = Tr("群消息网关", "chat bridge");
    pub const ADMIN: Tr = Tr("系统管理", "Administration");
    pub const WALL_SCREEN: Tr = Tr("指挥大屏", "Wall screen");
    pub const DISPATCH: Tr = Tr("调度台", "Dispatch console");
    pub const LIVE: Tr = Tr("实时", "Live");
    pub const RECONNECTING: Tr = Tr("正在重连…", "Reconnecting…");
    pub const CONNECTING: Tr = Tr("正在连接…", "Connecting…");
    pub const LAST_UPDATE: Tr = Tr("最后更新", "last update");
    pub const SECONDS_AGO: Tr = Tr("秒前", "s ago");
    pub const OPEN_INCIDENTS: Tr = Tr("待处置警情", "Open incidents");
    pub const UNITS_AVAILABLE: Tr = Tr("可派警力", "Units available");
    pub const TODAY: Tr = Tr("今日警情", "Incidents today");
    pub const MEDIAN_RESPONSE: Tr = Tr("到场中位数", "Median response");
    pub const P90_RESPONSE: Tr = Tr("到场90分位", "90th percentile");
    pub const COMPLIANCE: Tr = Tr("按时到场率", "On time");
    pub const BREACHES: Tr = Tr("今日超时", "Breaches today");
    pub const PATROL_TONIGHT: Tr = Tr("必巡点 已巡/应巡", "Patrol points visited");
    pub const POINT_DUE: Tr = Tr("待巡", "Due");
    pub const POINT_VISITED: Tr = Tr("已巡", "Visited");
    pub const POINT_MISSED: Tr = Tr("漏巡", "Missed");
    pub const NONE_OPEN: Tr = Tr("暂无待处置警情", "No open incidents");
    pub const STATIONS: Tr = Tr("各站警力", "Units by station");
    pub const RECOMMENDED: Tr = Tr("推荐警力", "Recommended units");
    pub const ASSIGN: Tr = Tr("派警", "Assign");
    pub const ETA: Tr = Tr("预计到达", "ETA");
    pub const DISTANCE: Tr = Tr("距离", "Distance");
    pub const NO_CANDIDATES: Tr = Tr("附近暂无可派警力", "No unit available nearby");
    pub const SELECT_INCIDENT: Tr = Tr("选择一条警情查看推荐警力", "Select an incident to see recommended units");
    pub const NEW_INCIDENT: Tr = Tr("接警登记", "Take a call");
    pub const CREATE: Tr = Tr("登记警情", "Create incident");
    pub const CHANNEL: Tr = Tr("来源", "Channel");
    pub const CATEGORY: Tr = Tr("类别", "Category");
    pub const PRIORITY: Tr = Tr("等级", "Priority");
    pub const ADDRESS: Tr = Tr("地址", "Address");
    pub const DESCRIPTION: Tr = Tr("警情描述", "Description");
    pub const CONTACT: Tr = Tr("报警人联系方式", "Reporter contact");
    pub const LAT: Tr = Tr("纬度", "Latitude");
    pub const LON: Tr = Tr("经度", "Longitude");
    pub const UNITS: Tr = Tr("出警单位", "Units");
    pub const ARRIVAL: Tr = Tr("到场", "Arrival");
    pub const OVERDUE: Tr = Tr("超时", "overdue");
    pub const TIMELINE: Tr = Tr("处置记录", "Timeline");
    pub const CANCEL: Tr = Tr("撤销", "Cancel");
    pub const RESOLVE: Tr = Tr("处置完毕", "Resolve");
    pub const CLOSE: Tr = Tr("结案", "Close");
    pub const LOADING: Tr = Tr("加载中…", "Loading…");
    pub const ERROR: Tr = Tr("出错了", "Something went wrong");
    pub const NOT_FOUND: Tr = Tr("页面不存在", "Page not found");
    pub const DEMO: Tr = Tr("演示数据", "Demo data");
    pub const API_DOC: Tr = Tr("对外接口说明 (OpenAPI)", "API description (OpenAPI)");
    pub const SWITCH_LANG: Tr = Tr("English", "中文");
    pub const STATION: Tr = Tr("警务站", "Station");
    pub const AVAILABLE_ON_DUTY: Tr = Tr("可派/在岗", "Available/on duty");
    pub const OPEN: Tr = Tr("待处置", "Open");
    pub const LEGEND: Tr = Tr("图例", "Legend");
    pub const ZONE_CORE: Tr = Tr("核心区（1分钟）", "Core (1 min)");
    pub const ZONE_CROWDED: Tr = Tr("人员密集区（3分钟）", "Crowded (3 min)");
    pub const ZONE_OTHER: Tr = Tr("城区（5分钟）", "Town (5 min)");
    pub const PATROL_POINT: Tr = Tr("必巡点", "Must-patrol point");
    pub const SELECTED: Tr = Tr("当前警情", "Selected incident");
    pub const RECEIVED: Tr = Tr("接警", "Received");
    pub const PICK_ON_MAP: Tr = Tr("点击地图可取点", "Click the map to set the location");
    pub const ASSIGNED: Tr = Tr("已派警", "Assigned");
    pub const CREATED: Tr = Tr("已登记警情", "Incident created");
    /// The police-station symbol on the map.
    pub const POLICE_GLYPH: Tr = Tr("警", "P");
    pub const REACH_RINGS: Tr = Tr("快反可达圈", "Reach rings");
    pub const SHOW_RINGS: Tr = Tr("显示可达圈", "Show reach rings");
    pub const HIDE_RINGS: Tr = Tr("隐藏可达圈", "Hide reach rings");
    /// `{}` is the band in minutes.
    pub const REACH_BAND: Tr = Tr("{}分钟可达", "{} min reach");
    /// After the three bands: the share of the district each covers.
    pub const COVERED: Tr = Tr("辖区覆盖", "district covered");
    pub const RINGS_NOTE: Tr = Tr("圈外空白处即覆盖盲区", "blank map outside the rings is not covered");
    pub const ALERTS: Tr = Tr("超时与升级", "Breaches and escalations");
    pub const NO_ALERTS: Tr = Tr("今日暂无超时", "No breaches today");
    pub const ESCALATED: Tr = Tr("已升级", "escalated");
    pub const OVERDUE_SUFFIX: Tr = Tr("超时", "overdue");
    pub const WARNING_SUFFIX: Tr = Tr("预警", "at 80%");
    pub const SUGGEST: Tr = Tr("建议增派", "send");
    pub const NOBODY_FREE: Tr = Tr("无可派警力", "nobody free");
    pub const NOT_LIVE: Tr = Tr("非实时画面", "NOT LIVE");
    pub const NOT_LIVE_SINCE: Tr = Tr("数据停在", "data as of");
    pub const NOT_LIVE_NO_JS: Tr =
        Tr("静态画面：未启用脚本，不会自动更新", "Static page: scripts are off, it will not update");
    pub const MAP_KEYS: Tr =
        Tr("滚轮/拖动/+−/方向键：缩放平移；0：复位", "wheel/drag/+−/arrows: zoom and pan; 0: reset");
    pub const HOME_INTRO: Tr = Tr(
        "社区与街面警务指挥室：一张图、就近派警、1-3-5分钟快速响应。",
        "A command room for community and street policing: one live map, nearest-unit dispatch, 1-3-5 minute response.",
    );
    // the chat-group desk
    pub const DESK: Tr = Tr("群管家工作台", "Chat-group desk");
    pub const CLOSING_REPLY: Tr = Tr("已处理，谢谢。", "Handled, thank you.");
    pub const CONVERT_REPLY: Tr = Tr("收到，已通知民警前往处理。", "Received; officers are on their way.");
}

pub fn category(c: Category) -> Tr {
    use Category::*;
    match c {
        Dispute => Tr("纠纷", "Dispute"),
        Fight => Tr("打架斗殴", "Fight"),
        Theft => Tr("盗窃", "Theft"),
        LostPerson => Tr("走失", "Lost person"),
        Medical => Tr("突发疾病", "Medical"),
        Parking => Tr("违停", "Parking"),
        Minors => Tr("未成年人聚集", "Minors gathering"),
        Traffic => Tr("交通", "Traffic"),
        Fraud => Tr("诈骗", "Fraud"),
        Fire => Tr("火情", "Fire"),
        Noise => Tr("噪音扰民", "Noise"),
        Consultation => Tr("咨询", "Consultation"),
        Other => Tr("其他", "Other"),
    }
}

pub fn channel(c: Channel) -> Tr {
    use Channel::*;
    match c {
        Phone => Tr("电话", "Phone"),
        WalkIn => Tr("来访", "Walk-in"),
        Chat => Tr("警务群", "Chat group"),
        Web => Tr("网上报警", "Web"),
        Patrol => Tr("巡逻发现", "Patrol"),
        Video => Tr("视频发现", "Video"),
    }
}

pub fn incident_status(s: IncidentStatus) -> Tr {
    use IncidentStatus::*;
    match s {
        New => Tr("待派警", "New"),
        Dispatched => Tr("已派警", "Dispatched"),
        EnRoute => Tr("赶赴中", "En route"),
        OnScene => Tr("已到场", "On scene"),
        Resolved => Tr("已处置", "Resolved"),
        Closed => Tr("已结案", "Closed"),
        Cancelled => Tr("已撤销", "Cancelled"),
    }
}

pub fn unit_status(s: UnitStatus) -> Tr {
    use UnitStatus::*;
    match s {
        OffDuty => Tr("下班", "Off duty"),
        Available => Tr("可派", "Available"),
        Dispatched => Tr("已派", "Dispatched"),
        EnRoute => Tr("赶赴中", "En route"),
        OnScene => Tr("在现场", "On scene"),
        OutOfService => Tr("暂停", "Out of service"),
    }
}

pub fn unit_kind(k: UnitKind) -> Tr {
    use UnitKind::*;
    match k {
        Car => Tr("警车", "Car"),
        Motorbike => Tr("摩托", "Motorbike"),
        Ebike => Tr("电动车", "E-bike"),
        Foot => Tr("步巡", "Foot"),
        Post => Tr("快反点", "Post"),
    }
}

pub fn force(f: Force) -> Tr {
    use Force::*;
    match f {
        Police => Tr("民警", "Police"),
        Auxiliary => Tr("辅警", "Auxiliary"),
        Volunteer => Tr("志愿者", "Volunteer"),
        Security => Tr("保安", "Security"),
    }
}

pub fn response_class(c: Option<ResponseClass>) -> Tr {
    match c {
        Some(ResponseClass::Core) => Tr("核心区", "Core area"),
        Some(ResponseClass::Crowded) => Tr("人员密集区", "Crowded area"),
        Some(ResponseClass::Other) => Tr("城区", "Town"),
        None => Tr("其他区域", "Outside zones"),
    }
}

pub fn timer_kind(k: domain::TimerKind) -> Tr {
    use domain::TimerKind::*;
    match k {
        Dispatch => Tr("派警", "Dispatch"),
        Arrival => Tr("到场", "Arrival"),
        Closure => Tr("结案", "Closure"),
        ChatReply => Tr("群消息回复", "Chat reply"),
    }
}

pub fn priority(p: domain::Priority) -> Tr {
    match p.get() {
        1 => Tr("紧急", "Urgent"),
        2 => Tr("一般", "Normal"),
        _ => Tr("低", "Low"),
    }
}

/// How the desk answered a chat message.
pub fn disposition(d: domain::chat::Disposition) -> Tr {
    use domain::chat::Disposition::*;
    match d {
        Replied => Tr("已回复", "Replied"),
        Incident => Tr("已转警情", "Became an incident"),
        Consultation => Tr("咨询已答复", "Consultation answered"),
        NotPolice => Tr("非警务", "Not police business"),
    }
}
