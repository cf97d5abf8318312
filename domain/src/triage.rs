//! Triage hints for the chat-group desk: keyword rules from a data file
//! (`config/triage.toml`) that propose a category and a priority for a
//! resident's message. The steward confirms or changes the proposal; nothing
//! is decided by a keyword alone.
//!
//! ```toml
//! [[rule]]
//! keywords = ["吵架", "纠纷"]
//! category = "dispute"
//! priority = 2          # optional: the category's usual priority
//! ```

use serde::Deserialize;

use crate::{Category, Priority};

/// At most this many rules and keywords per rule: a data file, not a program.
pub const MAX_RULES: usize = 500;
pub const MAX_KEYWORDS: usize = 50;
pub const KEYWORD_MAX: usize = 40;

/// One rule: any of its keywords in a message proposes its category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageRule {
    pub keywords: Vec<String>,
    pub category: Category,
    pub priority: Priority,
}

/// The rules in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TriageRules {
    pub rules: Vec<TriageRule>,
}

/// What the rules propose for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub category: Category,
    pub priority: Priority,
    /// The keyword that matched (shown to the steward as the reason).
    pub keyword: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriageError {
    #[error("{0}")]
    Syntax(String),
    #[error("rule {rule} (line {line}): {message}")]
    Rule { rule: usize, line: usize, message: String },
    #[error("at most {MAX_RULES} rules, got {0}")]
    TooMany(usize),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    keywords: toml::Spanned<Vec<String>>,
    category: toml::Spanned<String>,
    priority: Option<i64>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map(|s| s.matches('\n').count() + 1).unwrap_or(0)
}

impl TriageRules {
    /// Parses and checks a rules file; an error names the rule (1-based)
    /// and its line.
    pub fn from_toml(text: &str) -> Result<TriageRules, TriageError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| TriageError::Syntax(e.to_string()))?;
        if raw.rule.len() > MAX_RULES {
            return Err(TriageError::TooMany(raw.rule.len()));
        }
        let mut rules = Vec::with_capacity(raw.rule.len());
        for (i, r) in raw.rule.into_iter().enumerate() {
            let line = line_of(text, r.category.span().start.min(r.keywords.span().start));
            let err = |message: String| TriageError::Rule { rule: i + 1, line, message };
            let category: Category =
                r.category.get_ref().parse().map_err(|e: crate::UnknownName| err(e.to_string()))?;
            let keywords = r.keywords.into_inner();
            if keywords.is_empty() || keywords.len() > MAX_KEYWORDS {
                return Err(err(format!("keywords must list 1 to {MAX_KEYWORDS} words, got {}", keywords.len())));
            }
            let mut clean = Vec::with_capacity(keywords.len());
            for k in keywords {
                let k = k.trim();
                if k.is_empty() || k.chars().count() > KEYWORD_MAX {
                    return Err(err(format!("a keyword must have 1 to {KEYWORD_MAX} characters, got {k:?}")));
                }
                clean.push(k.to_lowercase());
            }
            let priority = match r.priority {
                None => category.default_priority(),
                Some(p) => Priority::parse(p).map_err(|e| err(e.to_string()))?,
            };
            rules.push(TriageRule { keywords: clean, category, priority });
        }
        Ok(TriageRules { rules })
    }

    /// The proposal for a message: of the rules with a keyword in the text
    /// (case-insensitive), the most urgent; among equally urgent ones, the
    /// first in the file. `None` when no rule matches.
    pub fn propose(&self, text: &str) -> Option<Proposal> {
        let text = text.to_lowercase();
        let mut best: Option<Proposal> = None;
        for r in &self.rules {
            let Some(k) = r.keywords.iter().find(|k| text.contains(k.as_str())) else { continue };
            if best.as_ref().is_none_or(|b| r.priority < b.priority) {
                best = Some(Proposal { category: r.category, priority: r.priority, keyword: k.clone() });
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEMO: &str = include_str!("../../config/triage.toml");

    fn rules() -> TriageRules {
        TriageRules::from_toml(DEMO).expect("the demo rules are valid")
    }

    #[test]
    fn the_demo_rules_propose_the_seed_cases() {
        let r = rules();
        let cat = |t: &str| r.propose(t).map(|p| p.category);
        assert_eq!(cat("@临桂公安 店门口两个人吵架了"), Some(Category::Dispute));
        assert_eq!(cat("邻里纠纷，楼上漏水"), Some(Category::Dispute));
        assert_eq!(cat("有个老人走失了，穿蓝衣服"), Some(Category::LostPerson));
        assert_eq!(cat("小孩迷路在广场"), Some(Category::LostPerson));
        assert_eq!(cat("我的电瓶被偷了"), Some(Category::Theft));
        assert_eq!(cat("车门被盗"), Some(Category::Theft));
        assert_eq!(cat("市场里有人打架"), Some(Category::Fight));
        assert_eq!(cat("门口乱停车挡路"), Some(Category::Parking));
        assert_eq!(cat("电动车堵住消防通道"), Some(Category::Parking));
        assert_eq!(cat("有人晕倒了"), Some(Category::Medical));
        assert_eq!(cat("阿姨急病"), Some(Category::Medical));
        assert_eq!(cat("今天天气不错"), None);
    }

    #[test]
    fn the_most_urgent_match_wins_and_names_its_keyword() {
        let r = rules();
        // a dispute that became a fight: the fight (urgent) wins over file order
        let p = r.propose("先是吵架，后来打架了").expect("a proposal");
        assert_eq!((p.category, p.priority, p.keyword.as_str()), (Category::Fight, Priority::URGENT, "打架"));
        let p = r.propose("纠纷").expect("a proposal");
        assert_eq!(p.priority, Priority::NORMAL);
    }

    #[test]
    fn matching_ignores_case_and_a_priority_defaults_to_the_category() {
        let r = TriageRules::from_toml("[[rule]]\nkeywords = [\"E-Bike\"]\ncategory = \"parking\"\n").expect("valid");
        let p = r.propose("an e-bike blocks the door").expect("matches");
        assert_eq!((p.category, p.priority), (Category::Parking, Category::Parking.default_priority()));
    }

    #[test]
    fn a_bad_file_names_the_rule_and_its_line() {
        let text = "[[rule]]\nkeywords = [\"吵架\"]\ncategory = \"dispute\"\n\n[[rule]]\nkeywords = [\"偷\"]\ncategory = \"stealing\"\n";
        let e = TriageRules::from_toml(text).expect_err("unknown category").to_string();
        assert!(e.starts_with("rule 2 (line 6): unknown category \"stealing\""), "{e}");
        let e =
            TriageRules::from_toml("[[rule]]\nkeywords = []\ncategory = \"theft\"\n").expect_err("empty").to_string();
        assert!(e.starts_with("rule 1 (line 2): keywords must list"), "{e}");
        let e = TriageRules::from_toml("[[rule]]\nkeywords = [\"偷\"]\ncategory = \"theft\"\npriority = 7\n")
            .expect_err("priority")
            .to_string();
        assert!(e.contains("rule 1") && e.contains("priority must be"), "{e}");
        let e = TriageRules::from_toml("[[rule]]\nkeywords = [\"偷\"]\ncategory = \"theft\"\nurgent = true\n")
            .expect_err("unknown key")
            .to_string();
        assert!(e.contains("unknown field `urgent`") && e.contains("line 4"), "{e}");
        let e = TriageRules::from_toml("[[rule]\n").expect_err("syntax").to_string();
        assert!(e.contains("line 1"), "{e}");
    }
}
