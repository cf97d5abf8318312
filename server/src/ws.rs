//! `GET /ws`: the live stream. A client gets a snapshot and then every
//! event, each with its sequence number and the server time. A client that
//! reconnects with `?since=SEQ&epoch=EPOCH` gets exactly the events it
//! missed while the server still holds them, or a fresh snapshot.

use app::wire::Event;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::hub::{Frame, encode};
use crate::web::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct WsQuery {
    since: Option<u64>,
    epoch: Option<String>,
}

pub async fn handler(ws: WebSocketUpgrade, State(state): State<AppState>, Query(q): Query<WsQuery>) -> Response {
    ws.on_upgrade(move |socket| serve(socket, state, q))
}

async fn serve(socket: WebSocket, state: AppState, q: WsQuery) {
    let (mut sink, mut incoming) = socket.split();
    let mut shutdown = state.shutdown.clone();
    let shared = state.engine.shared().clone();
    let Ok(mut sub) = state.engine.subscribe().await else { return };
    // Resume when the client's place is still in the replay buffer, else
    // start from a snapshot.
    let resume = match (q.since, q.epoch.as_deref()) {
        (Some(since), Some(epoch)) if epoch == shared.epoch => shared.hub.replay_since(since),
        _ => None,
    };
    let mut last_sent = sub.seq;
    let first: Vec<Frame> = match resume {
        // the missed events, then a heartbeat that says "you are current"
        Some(frames) => frames
            .into_iter()
            .filter(|f| f.seq <= sub.seq)
            .chain(std::iter::once(Frame { seq: sub.seq, json: encode(sub.seq, Event::Heartbeat) }))
            .collect(),
        None => vec![Frame { seq: sub.seq, json: encode(sub.seq, Event::Snapshot(sub.snapshot)) }],
    };
    for f in first {
        if sink.send(Message::Text(f.json)).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            frame = sub.rx.recv() => match frame {
                Ok(f) => {
                    // heartbeats repeat the last number; events are sent once
                    if f.seq > last_sent || f.seq == last_sent && is_heartbeat(&f) {
                        last_sent = last_sent.max(f.seq);
                        if sink.send(Message::Text(f.json)).await.is_err() {
                            break;
                        }
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    // too slow to keep up: start again from a fresh snapshot
                    tracing::debug!(missed, "websocket client lagged; sending a snapshot");
                    let Ok(fresh) = state.engine.subscribe().await else { break };
                    sub = fresh;
                    last_sent = sub.seq;
                    let f = encode(sub.seq, Event::Snapshot(sub.snapshot.clone()));
                    if sink.send(Message::Text(f)).await.is_err() {
                        break;
                    }
                }
                Err(RecvError::Closed) => break,
            },
            msg = incoming.next() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            _ = shutdown.changed() => {
                let _ = sink.send(Message::Close(None)).await;
                break;
            }
        }
    }
}

fn is_heartbeat(f: &Frame) -> bool {
    f.json.as_str().contains(r#""type":"heartbeat""#)
}
