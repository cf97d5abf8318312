//! Delivers the desk's replies to the chat groups' outbound webhooks
//! (`[desk.webhooks]`: group_id → URL) as a small JSON POST, in the
//! background: a steward's answer never waits for the chat platform. A reply
//! is stored `pending` before the steward is answered; this task posts it,
//! records each attempt (through the engine, the single writer), and retries
//! with doubling waits until it is delivered or `max_attempts` is reached
//! (`failed`). Each POST carries `Idempotency-Key: reply-{id}`, so a
//! platform can drop a retry of something it already took.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use tokio::sync::{Notify, watch};

use crate::config::DeskConfig;
use crate::engine::EngineHandle;
use crate::store::desk::DueReply;
use crate::store::live::DeliveryAttempt;
use crate::store::{Store, millis, time};
use domain::chat::after_attempt;

/// How long the task sleeps when nothing is due (a stored reply wakes it).
const IDLE: Duration = Duration::from_secs(30);

pub async fn run(
    store: Store,
    engine: EngineHandle,
    config: DeskConfig,
    wake: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) {
    let client = match reqwest::Client::builder().timeout(Duration::from_millis(config.timeout_ms)).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook client; replies stay pending");
            return;
        }
    };
    // among several servers only the leader delivers; a reply another
    // server stored is seen within a second
    let idle = if store.is_shared() { Duration::from_secs(1) } else { IDLE };
    loop {
        if !engine.shared().cluster.is_leader() {
            tokio::select! {
                _ = tokio::time::sleep(idle) => continue,
                _ = shutdown.changed() => return,
            }
        }
        let now = millis(Utc::now());
        match store.due_replies(now, 50).await {
            Ok(due) => {
                for r in due {
                    deliver(&client, &engine, &config, r).await;
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read replies due for delivery"),
        }
        // safety notices' messages to the stations' groups, the same way
        crate::notices::deliver_due(&client, &store, &config).await;
        let next = match (store.next_reply_due().await, store.next_notice_delivery_due().await) {
            (Ok(a), Ok(b)) => Ok(a.into_iter().chain(b).min()),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        let wait = match next {
            Ok(Some(at)) => Duration::from_millis((at - millis(Utc::now())).clamp(0, idle.as_millis() as i64) as u64),
            Ok(None) => idle,
            Err(_) => Duration::from_secs(5),
        };
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
    }
}

/// One POST of a JSON body to a group's webhook with its idempotency key:
/// Ok, or why not in words the desk shows (never the body or the URL).
pub async fn post(client: &reqwest::Client, url: &str, key: &str, body: &serde_json::Value) -> Result<(), String> {
    match client.post(url).header("idempotency-key", key).json(body).send().await {
        Ok(res) if res.status().is_success() => Ok(()),
        Ok(res) => Err(format!("HTTP {}", res.status().as_u16())),
        Err(e) if e.is_timeout() => Err("timed out".to_owned()),
        Err(e) if e.is_connect() => Err("cannot connect".to_owned()),
        Err(_) => Err("request failed".to_owned()),
    }
}

async fn deliver(client: &reqwest::Client, engine: &EngineHandle, config: &DeskConfig, r: DueReply) {
    let attempt = r.attempts + 1;
    let result = match config.webhooks.get(&r.group_id) {
        None => Err("no webhook configured for the group".to_owned()),
        Some(url) => {
            let body = json!({
                "reply_id": r.id,
                "group_id": r.group_id,
                "reply_to": r.message_id,
                "kind": r.kind,
                "text": r.text,
                "steward": r.steward,
                "sent_at": time(r.created_at).to_rfc3339(),
            });
            post(client, url, &format!("reply-{}", r.id), &body).await
        }
    };
    let now = millis(Utc::now());
    let (delivery, wait) = after_attempt(result.is_ok(), attempt, config.max_attempts, config.retry_base_ms);
    let next = wait.map(|ms| now + ms as i64);
    let error = result.as_ref().err().cloned();
    match &result {
        Ok(()) => tracing::info!(reply = r.id, attempt, "reply delivered to its group"),
        Err(e) => tracing::warn!(reply = r.id, attempt, error = %e, delivery = %delivery, "reply not delivered"),
    }
    let attempt = DeliveryAttempt { reply: r.id, attempt, delivery, next_ms: next, error, at: time(now) };
    if let Err(e) = engine.record_delivery(attempt, r.chat_message_id).await {
        tracing::error!(error = %e, reply = r.id, "cannot record a delivery attempt");
    }
}
