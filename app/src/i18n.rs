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

    // residents' reports: stages and fields
    pub const REPORT_STAGE_RECEIVED: Tr = Tr("已受理", "Received");
    pub const REPORT_STAGE_ON_THE_WAY: Tr = Tr("民警正在赶来", "An officer is on the way");
    pub const REPORT_STAGE_HANDLED: Tr = Tr("已处置", "Handled");
    pub const REPORT_STAGE_CLOSED: Tr = Tr("已关闭", "Closed");
    pub const REPORT_EXPLAIN_RECEIVED: Tr =
        Tr("指挥室已收到您的报告，正在安排警力。", "The command room has your report and is sending someone.");
    pub const REPORT_EXPLAIN_ON_THE_WAY: Tr = Tr("已派民警前往处置。", "An officer has been sent and is on the way.");
    pub const REPORT_EXPLAIN_HANDLED: Tr =
        Tr("民警已处置完毕，感谢您的报告。", "The police have dealt with it. Thank you.");
    pub const REPORT_EXPLAIN_CLOSED: Tr = Tr(
        "此报告已关闭，未派警处置（例如重复报告）。如仍需帮助请再次报告或拨打110。",
        "This report was closed without sending an officer (for example a duplicate). Report again or call 110 if you still need help.",
    );
    pub const REPORT_FIELD_CATEGORY: Tr = Tr("类别", "category");
    pub const REPORT_FIELD_LOCATION: Tr = Tr("位置", "location");
    pub const REPORT_FIELD_DESCRIPTION: Tr = Tr("情况描述", "description");
    pub const REPORT_FIELD_ADDRESS: Tr = Tr("地址", "address");
    pub const REPORT_FIELD_CONTACT: Tr = Tr("联系方式", "contact");
    pub const REPORT_FIELD_PHOTO: Tr = Tr("照片", "photo");
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
    pub const ETA_BY_ROAD: Tr = Tr("预计到达（沿道路计算）", "ETA along the roads");
    pub const BY_ROAD: Tr = Tr("路", "road");
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
    pub const STREET_REACH_NOTE: Tr =
        Tr("沿道路计算：空白处按道路无法及时到达", "along the roads: blank map cannot be reached in time by road");
    pub const MINUTES_SHORT: Tr = Tr("分钟", "min");
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
    // ── labels more than one page shows ──
    pub const NAME: Tr = Tr("名称", "Name");
    pub const ACTOR: Tr = Tr("操作人", "Actor");
    pub const KEYBOARD_SHORTCUTS: Tr = Tr("快捷键", "Keyboard shortcuts");
    pub const INCIDENT: Tr = Tr("警情", "Incident");
    // ── administration ──
    pub const ADMIN_ACCOUNTS: Tr = Tr("账号", "Accounts");
    pub const ADMIN_ROLE: Tr = Tr("角色", "Role");
    pub const ADMIN_STATION_UNIT: Tr = Tr("警务站/单位", "Station / unit");
    pub const ADMIN_LAST_LOGIN: Tr = Tr("最近登录", "Last login");
    pub const ADMIN_STATE: Tr = Tr("状态", "State");
    pub const ADMIN_ACTIONS: Tr = Tr("操作", "Actions");
    pub const ADMIN_NEW_ACCOUNT: Tr = Tr("新建账号", "New account");
    pub const ADMIN_STATION_CHIEF: Tr = Tr("警务站（所长）", "Station (chief)");
    pub const ADMIN_UNIT_CALLSIGN_OFFICER: Tr = Tr("单位呼号（民警）", "Unit callsign (officer)");
    pub const ADMIN_PASSWORD_AT_LEAST_8: Tr = Tr("初始密码（至少8位）", "Password (at least 8)");
    pub const ADMIN_CREATE: Tr = Tr("新建", "Create");
    pub const ADMIN_DEVICE_TOKENS: Tr = Tr("设备令牌", "Device tokens");
    pub const ADMIN_TOKEN_KIND: Tr = Tr("类型", "Role");
    pub const ADMIN_BOUND_TO: Tr = Tr("绑定", "Bound to");
    pub const ADMIN_STARTS: Tr = Tr("开头", "Starts");
    pub const ADMIN_LAST_USED: Tr = Tr("最近使用", "Last used");
    pub const ADMIN_NEW_TOKEN: Tr = Tr("新建令牌", "New token");
    pub const ADMIN_THE_NEW_TOKEN_SHOWN: Tr = Tr(
        "新令牌（只显示这一次，请立即复制到设备上）：",
        "The new token (shown this once: copy it to the device now):",
    );
    pub const ADMIN_UNIT_CALLSIGNS_TRACKER_SPACE: Tr =
        Tr("单位呼号（定位终端，空格分隔）", "Unit callsigns (tracker; space-separated)");
    pub const ADMIN_CHAT_GROUPS_BRIDGE_SPACE: Tr =
        Tr("群号（网关，空格分隔）", "Chat groups (bridge; space-separated)");
    pub const ADMIN_AUDIT_LOG: Tr = Tr("审计日志", "Audit log");
    pub const ADMIN_ACTION: Tr = Tr("动作", "Action");
    pub const ADMIN_OUTCOME: Tr = Tr("结果", "Outcome");
    pub const ADMIN_FROM: Tr = Tr("从", "From");
    pub const ADMIN_TO: Tr = Tr("到", "To");
    pub const ADMIN_FILTER: Tr = Tr("筛选", "Filter");
    pub const ADMIN_OLDER: Tr = Tr("更早 →", "Older →");
    pub const ADMIN_WHEN: Tr = Tr("时间", "When");
    pub const ADMIN_TARGET: Tr = Tr("对象", "Target");
    pub const ADMIN_DETAIL: Tr = Tr("说明", "Detail");
    pub const ADMIN_DISABLED: Tr = Tr("已停用", "disabled");
    pub const ADMIN_LOCKED_UNTIL: Tr = Tr("已锁定至", "locked until");
    pub const ADMIN_LOCKED_SINCE: Tr = Tr("已锁定", "locked since");
    pub const ADMIN_ACTIVE: Tr = Tr("正常", "active");
    pub const ADMIN_SESSIONS: Tr = Tr("个会话", "sessions");
    pub const ADMIN_UNLOCK: Tr = Tr("解锁", "Unlock");
    pub const ADMIN_ENABLE: Tr = Tr("启用", "Enable");
    pub const ADMIN_DISABLE: Tr = Tr("停用", "Disable");
    pub const ADMIN_NEW_PASSWORD: Tr = Tr("新密码", "new password");
    pub const ADMIN_SET_PASSWORD: Tr = Tr("重设密码", "Set password");
    pub const ADMIN_REVOKED: Tr = Tr("已吊销", "revoked");
    pub const ADMIN_VALID: Tr = Tr("有效", "valid");
    pub const ADMIN_REVOKE: Tr = Tr("吊销", "Revoke");
    // ── the chat-group desk (more) ──
    pub const DESK_KEYS_HELP: Tr = Tr(
        "快捷键：J/K 上下选消息 · R 回复 · I 转警情 · Esc 离开输入框",
        "Keys: J/K next/previous message · R reply · I make an incident · Esc leave a field",
    );
    pub const DESK_MESSAGES: Tr = Tr("群消息", "Messages");
    pub const DESK_WAITING: Tr = Tr("待回复", "waiting");
    pub const DESK_TO_CLOSE: Tr = Tr("待闭环", "to close");
    pub const DESK_NO_MESSAGES_YET: Tr = Tr("暂无群消息", "No messages yet");
    pub const DESK_REPLY_TIMER: Tr = Tr("回复计时", "Reply timer");
    pub const DESK_PICK_A_MESSAGE_ON: Tr = Tr("选择左侧一条消息进行处理", "Pick a message on the left");
    pub const DESK_SAVED_SENDING_TO_THE: Tr = Tr("已保存，正在发送到群", "Saved; sending to the group");
    pub const DESK_INCIDENT_CREATED: Tr = Tr("已转为警情", "Incident created");
    pub const DESK_CLOSING_REPLY_SAVED_SENDING: Tr = Tr("已发送闭环反馈", "Closing reply saved; sending to the group");
    pub const DESK_NOT_SENT_ANOTHER_STEWARD: Tr =
        Tr("未发送：其他群管家已处理这条消息。", "Not sent: another steward has already handled this message.");
    pub const DESK_PROPOSED: Tr = Tr("建议分类：", "Proposed: ");
    pub const DESK_KEYWORD: Tr = Tr("关键词", "keyword ");
    pub const DESK_NO_COORDINATES: Tr = Tr("无坐标", "no coordinates");
    pub const DESK_THE_MESSAGE_HAS_NO: Tr = Tr("消息未带位置", "The message has no location");
    pub const DESK_INCIDENT: Tr = Tr("关联警情", "Incident");
    pub const DESK_DELIVERED: Tr = Tr("已送达", "delivered");
    pub const DESK_SENDING: Tr = Tr("发送中", "sending");
    pub const DESK_FAILED: Tr = Tr("发送失败", "failed");
    pub const DESK_NO_WEBHOOK_FOR_THIS: Tr = Tr("该群未配置回传", "no webhook for this group");
    pub const DESK_RECEIVED: Tr = Tr("收到", "Received");
    pub const DESK_PHONE: Tr = Tr("电话", "Phone");
    pub const DESK_THIS_GROUP_HAS_NO: Tr =
        Tr("该群未配置回传地址：回复只保存在工作台。", "This group has no outbound webhook: replies stay on the desk.");
    pub const DESK_REPLY_TO_THE_GROUP: Tr = Tr("回复群内", "Reply to the group");
    pub const DESK_SEND_REPLY: Tr = Tr("发送回复", "Send reply");
    pub const DESK_CONSULTATION_ANSWERED: Tr = Tr("咨询已答复", "Consultation answered");
    pub const DESK_NOT_POLICE_BUSINESS: Tr = Tr("非警务", "Not police business");
    pub const DESK_MAKE_IT_AN_INCIDENT: Tr = Tr("转为警情", "Make it an incident");
    pub const DESK_OR_A_KNOWN_PLACE: Tr = Tr("或已知地点", "or a known place");
    pub const DESK_OR_CLICK_THE_MAP: Tr = Tr("也可在下方地图上点击选点", "or click the map below");
    pub const DESK_ALSO_REPLY: Tr = Tr("同时回复群内（可留空）", "Reply to the group as well (may be empty)");
    pub const DESK_THE_INCIDENT_IS_RESOLVED: Tr =
        Tr("警情已处置，告知群内", "The incident is resolved: tell the group");
    pub const DESK_SEND_AND_CLOSE_THE: Tr = Tr("发送闭环反馈", "Send and close the loop");
    pub const DESK_LOOP_CLOSED_AT: Tr = Tr("已闭环", "Loop closed at");
    pub const DESK_ONCE_THE_INCIDENT_IS: Tr =
        Tr("警情处置完毕后可在此发送闭环反馈", "Once the incident is resolved, the closing reply is offered here");
    pub const DESK_REPLIES_SENT: Tr = Tr("已发送的回复", "Replies sent");
    pub const DESK_MESSAGES_RECEIVED: Tr = Tr("收到群消息", "Messages received");
    pub const DESK_ANSWERED: Tr = Tr("已答复", "Answered");
    pub const DESK_FIRST_REPLY_MEDIAN: Tr = Tr("首次回复用时（中位数）", "First reply, median");
    pub const DESK_FIRST_REPLY_90TH_PERCENTILE: Tr = Tr("首次回复用时（90%）", "First reply, 90th percentile");
    pub const DESK_ANSWERED_WITHIN_TARGET: Tr = Tr("按时回复率", "Answered within target");
    pub const DESK_TURNED_INTO_INCIDENTS: Tr = Tr("转为警情", "Turned into incidents");
    pub const DESK_CONSULTATIONS_ANSWERED: Tr = Tr("咨询已答复", "Consultations answered");
    pub const DESK_LOOPS_CLOSED: Tr = Tr("已闭环反馈", "Loops closed");
    pub const DESK_TARGET_FIRST_REPLY_WITHIN: Tr = Tr("目标：收到后首次回复不超过", "Target: first reply within");
    // ── the dispatch console ──
    pub const DISPATCH_KEYS_HELP: Tr = Tr(
        "快捷键：/ 搜地点 · N 接警（回车登记）· J/K 上下选警情 · 1–5 派推荐警力 · Esc 离开输入框/取消选择",
        "Keys: / find a place · N new call (Enter creates) · J/K next/previous incident · 1–5 send that unit · Esc leave a field / deselect",
    );
    pub const DISPATCH_PLACE_NAME_OR_PINYIN: Tr = Tr("地点（名称或拼音首字母）", "Place (name or pinyin initials)");
    pub const DISPATCH_PLACE_EXAMPLE: Tr = Tr("如 jsgc 或 金山广场", "e.g. jsgc or 金山广场");
    pub const DISPATCH_REPORTER_S_PHOTO: Tr = Tr("报警人照片", "Reporter's photo");
    pub const DISPATCH_ADD_AS_BACKUP: Tr = Tr("增援", "Add as backup");
    pub const DISPATCH_REASSIGN_SEND_INSTEAD_OF: Tr = Tr("改派：替换 ", "Reassign: send instead of ");
    pub const DISPATCH_REASSIGN: Tr = Tr("改派", "Reassign");
    pub const DISPATCH_NEAREST_UNITS_TO_THE: Tr = Tr(
        "距所选位置最近的警力；登记警情后即可派警。",
        "Nearest units to the chosen location; create the incident to send one.",
    );
    pub const DISPATCH_NOT_SENT_THAT_UNIT: Tr = Tr(
        "未能派出：该警力刚刚被占用或状态已变。推荐列表已刷新，请重新选择。",
        "Not sent: that unit was taken or changed status a moment ago. The list has been refreshed; pick again.",
    );
    // ── must-patrol points ──
    pub const POINTS_PATROL_POINT_QR_CODE: Tr = Tr("必巡点二维码", "Patrol point QR code");
    pub const POINTS_WINDOWS_LOWER: Tr = Tr("巡逻时段", "windows");
    pub const POINTS_WHEN_THE_PHONE_S: Tr = Tr(
        "手机定位不准时，扫此码签到（仍需在巡逻时段内、本站警力）。",
        "When the phone's GPS is poor, scan this code to check in (still only in the window, and for this station's units).",
    );
    pub const POINTS_NEW_CODE_THE_PRINTED: Tr =
        Tr("换新二维码（旧码立即作废）", "New code (the printed one stops working at once)");
    pub const POINTS_NEW_CODE_MADE_PRINT: Tr =
        Tr("已换新码：请打印并张贴新二维码。", "New code made: print and post this sheet.");
    pub const POINTS_PATROL_CHECK_IN: Tr = Tr("必巡点签到", "Patrol check-in");
    pub const POINTS_LAST_CHECK_IN: Tr = Tr("最近签到", "Last check-in");
    pub const POINTS_CHECKED_IN: Tr = Tr("已签到", "Checked in");
    pub const POINTS_WINDOWS: Tr = Tr("巡逻时段", "Windows");
    pub const POINTS_OPEN_NOW: Tr = Tr("现在开放", "open now");
    pub const POINTS_NOT_OPEN_NOW: Tr = Tr("现在未开放", "not open now");
    pub const POINTS_CALLSIGN: Tr = Tr("呼号", "Callsign");
    pub const POINTS_CHECK_IN_BY_QR: Tr = Tr("扫码签到", "Check in by QR code");
    pub const POINTS_EDIT_PATROL_POINT: Tr = Tr("编辑必巡点", "Edit patrol point");
    pub const POINTS_SAVED_IN_EFFECT_NOW: Tr = Tr("已保存，立即生效。", "Saved; in effect now.");
    pub const POINTS_CHECK_IN_RADIUS_M: Tr = Tr("签到半径（米）", "Check-in radius (m)");
    pub const POINTS_WINDOWS_E_G_00: Tr =
        Tr("巡逻时段（如 00:00-04:00，多个用逗号分隔）", "Windows (e.g. 00:00-04:00, separated by commas)");
    pub const POINTS_CHANGED_BY: Tr = Tr("修改人", "Changed by");
    pub const POINTS_SAVE: Tr = Tr("保存", "Save");
    pub const POINTS_PRINT_THE_QR_CODE: Tr = Tr("打印二维码", "Print the QR code");
    // ── the public report form and its status page ──
    pub const REPORT_GETTING_THE_PHONE_S: Tr = Tr("正在获取手机定位…", "Getting the phone's position…");
    pub const REPORT_USING_THE_PHONE_S: Tr = Tr("已使用手机定位", "Using the phone's position");
    pub const REPORT_NO_POSITION_TAP_THE: Tr = Tr(
        "无法获取定位：请点击地图、填写经纬度或选择地点",
        "No position: tap the map, type coordinates or choose a place",
    );
    pub const REPORT_PLEASE_CHOOSE_THE_PHOTO: Tr = Tr("（照片需要重新选择）", " (please choose the photo again)");
    pub const REPORT_IN_AN_EMERGENCY_CALL: Tr = Tr("紧急情况请直接拨打 110", "In an emergency, call 110 now");
    pub const REPORT_WHAT_HAPPENED: Tr = Tr("发生了什么", "What happened");
    pub const REPORT_CHOOSE_A_CATEGORY: Tr = Tr("请选择类别", "Choose a category");
    pub const REPORT_DESCRIBE_IT: Tr = Tr("情况描述", "Describe it");
    pub const REPORT_E_G_TWO_PEOPLE: Tr =
        Tr("例如：小区门口两人争吵，已动手", "e.g. two people shouting at the gate, now pushing");
    pub const REPORT_WHERE: Tr = Tr("位置", "Where");
    pub const REPORT_WITHOUT_SCRIPTS_TYPE_COORDINATES: Tr =
        Tr("无脚本时请填写经纬度或选择地点", "Without scripts: type coordinates or choose a place");
    pub const REPORT_USE_MY_LOCATION: Tr = Tr("使用我的位置", "Use my location");
    pub const REPORT_OR_TAP_THE_MAP: Tr = Tr("可点击地图选择位置", "Or tap the map where it is");
    pub const REPORT_OR_CHOOSE_A_PLACE: Tr = Tr("或选择附近的地点", "Or choose a place nearby");
    pub const REPORT_ADDRESS_OR_LANDMARK_OPTIONAL: Tr = Tr("详细地址（选填）", "Address or landmark (optional)");
    pub const REPORT_PHOTO_OPTIONAL: Tr = Tr("照片（选填）", "Photo (optional)");
    pub const REPORT_PHONE_OR_CONTACT_OPTIONAL: Tr = Tr("联系方式（选填）", "Phone or contact (optional)");
    pub const REPORT_ONLY_THE_POLICE_SEE: Tr =
        Tr("只有民警能看到，便于联系您", "Only the police see it, to call you back");
    pub const REPORT_SEND_THE_REPORT: Tr = Tr("提交报告", "Send the report");
    pub const REPORT_THERE_IS_NO_REPORT: Tr = Tr(
        "没有这个查询码的报告。请核对查询码（例如 ABCD-2345）。",
        "There is no report with this tracking code. Check the code (it looks like ABCD-2345).",
    );
    pub const REPORT_THIS_IS_NOT_A: Tr =
        Tr("这不是有效的查询码：查询码形如 ABCD-2345。", "This is not a tracking code: a code looks like ABCD-2345.");
    pub const REPORT_THE_STATUS_CANNOT_BE: Tr =
        Tr("暂时无法查询，请稍后再试。", "The status cannot be shown right now; try again in a moment.");
    pub const REPORT_NEW_REPORT: Tr = Tr("提交新的报告", "Report a problem");
    pub const REPORT_CHECKED_AT: Tr = Tr("已更新", "Checked at");
    pub const REPORT_CANNOT_CHECK_RIGHT_NOW: Tr =
        Tr("暂时无法更新，稍后自动重试", "Cannot check right now; trying again");
    pub const REPORT_TRACKING_CODE: Tr = Tr("查询码", "Tracking code");
    pub const REPORT_RECEIVED: Tr = Tr("受理时间", "Received");
    pub const REPORT_KEEP_THIS_PAGE_OR: Tr =
        Tr("请保存此页面地址或查询码，本页会自动更新。", "Keep this page or the code; the page updates itself.");
    pub const REPORT_ANOTHER_REPORT: Tr = Tr("提交新的报告", "Report another problem");
    // ── the review ──
    pub const REVIEW_TITLE: Tr = Tr("警情回顾", "Review");
    pub const REVIEW_THIS_REVIEW_CANNOT_BE: Tr = Tr("查询条件有误", "This review cannot be made");
    pub const REVIEW_BACK_TO_LAST_30_DAYS: Tr = Tr("← 回到最近 30 天的回顾", "← The review of the last 30 days");
    pub const REVIEW_DISPATCH_P50_P90: Tr = Tr("派警 中位/90%", "Dispatch p50 / p90");
    pub const REVIEW_TURNOUT_P50_P90: Tr = Tr("出动 中位/90%", "Turnout p50 / p90");
    pub const REVIEW_TRAVEL_P50_P90: Tr = Tr("途中 中位/90%", "Travel p50 / p90");
    pub const REVIEW_ARRIVAL_TARGETS_S: Tr = Tr("到场时限 (秒)", "Arrival targets (s)");
    pub const REVIEW_HOME: Tr = Tr("首页", "Home");
    pub const REVIEW_CSV: Tr = Tr("导出 CSV", "CSV");
    pub const REVIEW_FIGURES: Tr = Tr("总体指标", "Figures");
    pub const REVIEW_THIS_PERIOD: Tr = Tr("本期", "This period");
    pub const REVIEW_PREVIOUS_PERIOD: Tr = Tr("上期", "Previous period");
    pub const REVIEW_VS_PREVIOUS: Tr = Tr("环比", "vs previous");
    pub const REVIEW_SAME_PERIOD_LAST_YEAR: Tr = Tr("去年同期", "Same period last year");
    pub const REVIEW_VS_LAST_YEAR: Tr = Tr("同比", "vs last year");
    pub const REVIEW_INCIDENTS: Tr = Tr("警情数", "Incidents");
    pub const REVIEW_RESPONSE_P50_P90: Tr = Tr("到场 中位/90%", "Response p50 / p90");
    pub const REVIEW_ARRIVAL_COMPLIANCE: Tr = Tr("按时到场率", "Arrival compliance");
    pub const REVIEW_BREACHED_SUFFIX: Tr = Tr(" 起超时)", " breached)");
    pub const REVIEW_CLOSURE_RATE: Tr = Tr("结案率", "Closure rate");
    pub const REVIEW_CANCELLED_SHARE: Tr = Tr("撤销占比", "Cancelled share");
    pub const REVIEW_LATE_STAGE_OF_EACH: Tr = Tr("超时环节", "Late stage of each breach");
    pub const REVIEW_DISPATCH: Tr = Tr("派警", "Dispatch");
    pub const REVIEW_TURNOUT: Tr = Tr("出动", "Turnout");
    pub const REVIEW_TRAVEL: Tr = Tr("途中", "Travel");
    pub const REVIEW_INCIDENTS_PER_DAY: Tr = Tr("每日警情", "Incidents per day");
    pub const REVIEW_RESPONSE_TIMES: Tr = Tr("到场用时分布", "Response times");
    pub const REVIEW_WEEKDAY_HOUR: Tr = Tr("星期 × 时段", "Weekday × hour");
    pub const REVIEW_HOT_SPOTS: Tr = Tr("警情热点", "Hot spots");
    pub const REVIEW_FILTER_BY_CATEGORY_WITH: Tr = Tr(
        "按类别筛选：用上方的“类别”。点击方格查看其中的警情。",
        "Filter by category with the form above; click a square for its incidents.",
    );
    pub const REVIEW_DEFINITIONS: Tr = Tr("口径说明", "Definitions");
    pub const WEEKDAYS: [Tr; 7] = [
        Tr("周一", "Mon"),
        Tr("周二", "Tue"),
        Tr("周三", "Wed"),
        Tr("周四", "Thu"),
        Tr("周五", "Fri"),
        Tr("周六", "Sat"),
        Tr("周日", "Sun"),
    ];
    pub const REVIEW_FILTER_STATION: Tr = Tr("派出所", "station");
    pub const REVIEW_FILTER_ZONE_CLASS: Tr = Tr("区域", "zone class");
    pub const REVIEW_FILTER_CATEGORY: Tr = Tr("类别", "category");
    pub const REVIEW_FILTER_CHANNEL: Tr = Tr("渠道", "channel");
    pub const REVIEW_FILTER_UNIT: Tr = Tr("警力", "unit");
    pub const REVIEW_FILTER_PRIORITY: Tr = Tr("等级", "priority");
    pub const REVIEW_FILTER_HOUR: Tr = Tr("时段", "hour");
    pub const REVIEW_FILTER_WEEKDAY: Tr = Tr("星期", "weekday");
    pub const REVIEW_FILTER_SQUARE: Tr = Tr("方格", "square");
    pub const REVIEW_ALL_INCIDENTS: Tr = Tr("全部警情", "All incidents");
    pub const REVIEW_ALL: Tr = Tr("全部", "all");
    pub const REVIEW_FROM: Tr = Tr("起", "From");
    pub const REVIEW_TO: Tr = Tr("止", "To");
    pub const REVIEW_STATION: Tr = Tr("派出所", "Station");
    pub const REVIEW_ZONE_CLASS: Tr = Tr("区域", "Zone class");
    pub const REVIEW_CHANNEL: Tr = Tr("渠道", "Channel");
    pub const REVIEW_UNIT: Tr = Tr("警力", "Unit");
    pub const REVIEW_HOUR: Tr = Tr("时段", "Hour");
    pub const REVIEW_WEEKDAY: Tr = Tr("星期", "Weekday");
    pub const REVIEW_BREAK_DOWN_BY: Tr = Tr("分组", "Break down by");
    pub const REVIEW_APPLY: Tr = Tr("查询", "Apply");
    pub const REVIEW_CORE: Tr = Tr("核心区 (1 分钟)", "core");
    pub const REVIEW_CROWDED: Tr = Tr("人员密集区 (3 分钟)", "crowded");
    pub const REVIEW_OTHER: Tr = Tr("其他区域 (5 分钟)", "other");
    pub const REVIEW_OUTSIDE_ZONES: Tr = Tr("辖区外", "outside zones");
    pub const REVIEW_ARRIVAL_BY_ZONE_CLASS: Tr = Tr("分区域按时到场", "Arrival by zone class");
    pub const REVIEW_TARGET: Tr = Tr("时限", "Target");
    pub const REVIEW_MET: Tr = Tr("按时", "Met");
    pub const REVIEW_BREACHED: Tr = Tr("超时", "Breached");
    pub const REVIEW_COMPLIANCE: Tr = Tr("按时率", "Compliance");
    pub const REVIEW_NONE: Tr = Tr("无", "none");
    pub const REVIEW_LAST_YEAR: Tr = Tr("去年同期", "Last year");
    pub const REVIEW_DISPATCH_P50: Tr = Tr("派警中位", "Dispatch p50");
    pub const REVIEW_CLOSURE: Tr = Tr("结案率", "Closure");
    pub const REVIEW_BREAKDOWN: Tr = Tr("分组", "Breakdown");
    pub const REVIEW_BY: Tr = Tr("按：", "By: ");
    pub const REVIEW_OPENINGS: Tr = Tr("应巡次数", "Openings");
    pub const REVIEW_VISITED: Tr = Tr("已签到", "Visited");
    pub const REVIEW_VISIT_RATE: Tr = Tr("签到率", "Compliance");
    pub const REVIEW_BY_POINT_LOWEST_COMPLIANCE: Tr =
        Tr("各必巡点（签到率低的在前）", "By point (lowest compliance first)");
    pub const REVIEW_MUST_PATROL_POINTS: Tr = Tr("必巡点签到", "Must-patrol points");
    pub const REVIEW_EACH_OPENING_OF_A: Tr = Tr(
        "每个必巡点每次开放时段（已结束的）算一次应巡；时段内有被接受的签到即为已签到。",
        "Each opening of a point's window that has ended counts once; it is visited if an accepted check-in falls inside it.",
    );
    pub const REVIEW_DAILY_CHART: Tr = Tr("每日警情柱状图", "Incidents per day");
    pub const REVIEW_KEY_INCIDENTS: Tr = Tr("警情", "incidents");
    pub const REVIEW_KEY_BREACHED: Tr = Tr("超时", "breached");
    pub const REVIEW_HOT_SPOT_MAP: Tr = Tr("警情热点图", "Hot-spot map");
    pub const REVIEW_INCIDENT_LIST: Tr = Tr("警情明细", "Incidents");
    pub const REVIEW_BREACHED_INCIDENTS: Tr = Tr("超时警情", "Breached");
    pub const REVIEW_LATE_AT_DISPATCH: Tr = Tr("派警超时", "Late at dispatch");
    pub const REVIEW_LATE_AT_TURNOUT: Tr = Tr("出动超时", "Late at turnout");
    pub const REVIEW_LATE_IN_TRAVEL: Tr = Tr("途中超时", "Late in travel");
    pub const REVIEW_CLOSED: Tr = Tr("已结案", "Closed");
    pub const REVIEW_CANCELLED: Tr = Tr("已撤销", "Cancelled");
    pub const REVIEW_DISPATCHED_BY_DISPATCH_TIME: Tr = Tr("已派警（按派警用时）", "Dispatched (by dispatch time)");
    pub const REVIEW_EN_ROUTE_BY_TURNOUT: Tr = Tr("已出动（按出动用时）", "En route (by turnout time)");
    pub const REVIEW_ON_SCENE_BY_TRAVEL: Tr = Tr("已到场（按途中用时）", "On scene (by travel time)");
    pub const REVIEW_ON_SCENE_BY_RESPONSE: Tr = Tr("已到场（按到场用时）", "On scene (by response time)");
    pub const REVIEW_INCIDENT_COUNT: Tr = Tr("起", "incidents");
    pub const REVIEW_BACK_TO_THE_REVIEW: Tr = Tr("← 返回回顾", "← Back to the review");
    pub const REVIEW_RECEIVED: Tr = Tr("接警时间", "Received");
    pub const REVIEW_FIRST_UNIT: Tr = Tr("首派警力", "First unit");
    pub const REVIEW_RESPONSE: Tr = Tr("到场", "Response");
    pub const REVIEW_STATUS: Tr = Tr("状态", "Status");
    pub const REVIEW_LATE_STAGE: Tr = Tr("超时环节", "Late stage");
    pub const REVIEW_PREVIOUS: Tr = Tr("上一页", "Previous");
    pub const REVIEW_NEXT: Tr = Tr("下一页", "Next");
    pub const REVIEW_STATUS_LOG: Tr = Tr("状态日志", "Status log");
    pub const REVIEW_AT: Tr = Tr("时间", "At");
    pub const REVIEW_ENTITY: Tr = Tr("对象", "Entity");
    pub const REVIEW_CHANGE: Tr = Tr("变化", "Change");
    pub const REVIEW_REASON: Tr = Tr("原因", "Reason");
    // ── the unit phone ──
    pub const UNIT_OFFLINE_SHOWING_THE_LAST: Tr = Tr(
        "离线：显示的是最后已知状态，恢复网络后自动更新",
        "Offline: showing the last known state; it updates when the network is back",
    );
    pub const UNIT_STATUS: Tr = Tr("当前状态", "Status");
    pub const UNIT_NO_ASSIGNMENT_STANDING_BY: Tr = Tr("暂无任务，待命中", "No assignment: standing by");
    pub const UNIT_FROM_THIS_PHONE: Tr = Tr("按手机定位", "from this phone");
    pub const UNIT_FROM_THE_LAST_REPORTED: Tr = Tr("按最后上报位置", "from the last reported position");
    pub const UNIT_POSITION_UNKNOWN: Tr = Tr("位置未知", "position unknown");
    pub const UNIT_DISTANCE_AND_BEARING: Tr = Tr("距离与方位", "Distance and bearing");
    pub const UNIT_SINCE_DISPATCH: Tr = Tr("派警至今", "Since dispatch");
    pub const UNIT_CHECKED_IN_AT: Tr = Tr("已签到", "Checked in at");
    pub const UNIT_LAST_CHECK_IN: Tr = Tr("最近签到", "last check-in");
    pub const UNIT_NO_CHECK_IN_IN: Tr = Tr("24小时内未签到", "no check-in in 24 h");
    pub const UNIT_CHECK_IN: Tr = Tr("签到", "Check in");
    pub const UNIT_MUST_PATROL_POINTS_THIS: Tr = Tr("必巡点（本站）", "Must-patrol points (this station)");
    pub const UNIT_RESOLVED: Tr = Tr("处置完毕", "Resolved");
    pub const UNIT_LOCATION_NOT_SHARED: Tr = Tr("未共享位置", "Location not shared");
    pub const UNIT_GETTING_A_POSITION_FIX: Tr = Tr("正在获取定位…", "Getting a position fix…");
    pub const UNIT_SHARING_LOCATION: Tr = Tr("位置共享中", "Sharing location");
    pub const UNIT_SENT: Tr = Tr("已上报", "sent");
    pub const UNIT_CANNOT_SHARE_LOCATION: Tr = Tr("无法共享位置", "Cannot share location");
    pub const UNIT_LOCATION_SHARING_NEEDS_THE: Tr =
        Tr("位置共享需要浏览器脚本，正在加载…", "Location sharing needs the page's script; loading…");
    pub const UNIT_SHARE_MY_LOCATION: Tr = Tr("共享我的位置", "Share my location");
    // ── more labels of the pages ──
    pub const DESK_WAITING_FOR_REPLY: Tr = Tr("待回复", "Waiting for a reply");
    pub const DESK_LOOP_CLOSED: Tr = Tr("已闭环", "Loop closed");
    pub const DESK_TELL_GROUP_HANDLED: Tr = Tr("待闭环反馈", "Tell the group it is handled");
    pub const DESK_HANDLED_BY: Tr = Tr("经办", "by");
    pub const REPORT_TITLE: Tr = Tr("我要报警 · 反映问题", "Report a problem");
    pub const REPORT_TRACK_TITLE: Tr = Tr("报告进度", "Report status");
    pub const BEARING_N: Tr = Tr("北", "N");
    pub const BEARING_NE: Tr = Tr("东北", "NE");
    pub const BEARING_E: Tr = Tr("东", "E");
    pub const BEARING_SE: Tr = Tr("东南", "SE");
    pub const BEARING_S: Tr = Tr("南", "S");
    pub const BEARING_SW: Tr = Tr("西南", "SW");
    pub const BEARING_W: Tr = Tr("西", "W");
    pub const BEARING_NW: Tr = Tr("西北", "NW");
    pub const UNIT_BACK_AVAILABLE: Tr = Tr("恢复可派", "Back available");
    pub const UNIT_GO_EN_ROUTE: Tr = Tr("出发", "En route");
    pub const UNIT_GO_ON_SCENE: Tr = Tr("已到场", "On scene");
    pub const UNIT_GO_OFF_DUTY: Tr = Tr("下班", "Off duty");
    pub const UNIT_GO_ON_DUTY: Tr = Tr("上岗可派", "On duty, available");
    pub const TICKER_CHAT_MESSAGE: Tr = Tr("群消息", "message ");
    pub const HOME_REVIEW_DESC: Tr = Tr(
        "所长和领导看的回顾：到场用时、按时率、环比同比、分组、热点，每个数字可查到具体警情，可打印 A4 月报。",
        "Response times for station chiefs: compliance, year-on-year, breakdowns, hot spots, every number down to its incidents; prints on A4.",
    );
    pub const HOME_LOGIN_NOTE: Tr = Tr(
        "以下各页面供警方使用，按角色登录后打开。",
        "the screens below are for the police: each opens after a login with its role.",
    );
    pub const HOME_RESIDENTS: Tr = Tr("居民报警 · 反映问题", "Residents: report a problem");
    pub const HOME_RESIDENTS_NOTE: Tr =
        Tr("无需注册，凭查询码查看处理进度。", "no account needed; a tracking code shows how it is going.");
    pub const HOME_DESK: Tr = Tr("警务群接警台", "Chat desk");
    pub const HOME_DESK_DESC: Tr = Tr(
        "社区警务群的每条消息，一分钟内回复，是警情的转为警情。",
        "every message from the community chat groups, answered within the minute, turned into an incident when it is one.",
    );
    pub const HOME_REVIEW: Tr = Tr("警情回顾", "Review");
    pub const HOME_SCREEN_DESC: Tr = Tr(
        "大屏一张图：警力、警情、计时、今日指标，无人值守长时间运行。",
        "The whole district at a glance for the big display: units, incidents, timers, today's figures.",
    );
    pub const HOME_DISPATCH_DESC: Tr = Tr(
        "接警登记，就近推荐警力及预计到达时间，一键派警，盯住每个计时。",
        "Take calls, see the nearest units with their ETAs, assign with one click, watch every timer.",
    );
    pub const LOGIN_RESIDENTS: Tr = Tr("居民报警 · 反映问题（无需登录）", "Residents: report a problem (no account)");
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
