use leptos::prelude::*;

/// Community policing for the same dates: safety notices published per
/// month and station with their deliveries to chat groups, and the monthly
/// tasks' progress by officer (done, overdue, returned), each with its CSV.
#[component]
pub fn CommunitySection(from: String, to: String) -> impl IntoView {
    let data =
        Resource::new(move || (from.clone(), to.clone()), |(f, t)| crate::server_fns::get_community_review(f, t));
    let body = move || {
        Suspend::new(async move {
            match data.await {
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                Ok(c) => {
                    let notices = c
                        .notices
                        .into_iter()
                        .map(|r| {
                            let ended = r.delivered + r.failed;
                            let share = if ended > 0 {
                                format!("{:.0}%", r.delivered as f64 * 100.0 / ended as f64)
                            } else {
                                "–".to_owned()
                            };
                            view! {
                                <tr data-notices=format!("{}-{}", r.month, r.station)>
                                    <th>{format!("{} {}", r.month, r.station)}</th>
                                    <td class="num">{r.published}</td>
                                    <td class="num">{r.delivered}</td>
                                    <td class="num">{r.failed}</td>
                                    <td class="num">{r.pending}</td>
                                    <td class="num">{share}</td>
                                </tr>
                            }
                        })
                        .collect_view();
                    let months: Vec<String> = {
                        let mut m: Vec<String> = c.tasks.iter().map(|r| r.month.clone()).collect();
                        m.dedup();
                        m
                    };
                    let tasks = c
                        .tasks
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr data-tasks=format!("{}-{}", r.month, r.unit)>
                                    <th>{format!("{} {} {}", r.month, r.station, r.unit)}</th>
                                    <td class="num">{r.total}</td>
                                    <td class="num">{r.accepted}</td>
                                    <td class="num">{r.submitted}</td>
                                    <td class="num">{r.open}</td>
                                    <td class="num">{r.returned}</td>
                                    <td class="num">{r.overdue}</td>
                                </tr>
                            }
                        })
                        .collect_view();
                    let csvs = months
                        .into_iter()
                        .map(|m| {
                            view! {
                                <a href=format!("/api/v1/review/tasks.csv?month={m}") rel="external">
                                    {format!("任务 tasks CSV {m}")}
                                </a>
                                " "
                                <a href=format!("/api/v1/review/volunteers.csv?month={m}") rel="external">
                                    {format!("群防群治 volunteers CSV {m}")}
                                </a>
                                " "
                            }
                        })
                        .collect_view();
                    view! {
                        <h3>"安全提示 · Safety notices"</h3>
                        <table class="patrol-table" data-table="notices">
                            <thead>
                                <tr>
                                    <th></th>
                                    <th>"发布 Published"</th>
                                    <th>"送达 Delivered"</th>
                                    <th>"失败 Failed"</th>
                                    <th>"待发 Pending"</th>
                                    <th>"送达率 Success"</th>
                                </tr>
                            </thead>
                            <tbody>{notices}</tbody>
                        </table>
                        <h3>"任务清单 · Monthly tasks"</h3>
                        <table class="patrol-table" data-table="tasks">
                            <thead>
                                <tr>
                                    <th></th>
                                    <th>"共 Total"</th>
                                    <th>"已通过 Done"</th>
                                    <th>"待审核 Submitted"</th>
                                    <th>"待办 Open"</th>
                                    <th>"已退回 Returned"</th>
                                    <th>"逾期 Overdue"</th>
                                </tr>
                            </thead>
                            <tbody>{tasks}</tbody>
                        </table>
                        <p class="no-print">{csvs}</p>
                    }
                    .into_any()
                }
            }
        })
    };
    view! {
        <section class="sheet community">
            <h2>"社区警务 · Community policing"</h2>
            <Suspense fallback=|| view! { <p class="loading">"…"</p> }>{body}</Suspense>
        </section>
    }
}
