// Benchmarks of the console (they measure and print; they assert nothing).
//
//   cargo bench --bench console                       draw times only
//   LOCKDESK_BENCH_DATABASE_URL=... cargo bench --bench console
//       also: key press → painted trace, `trace --json` vs psql, RSS while
//       paging through the whole job queue (use a `lockdesk demo seed` database;
//       LOCKDESK_BENCH_TRACE=<id> times that trace instead of the newest 40)

use std::process::Command;
use std::time::{Duration, Instant};

use chrono::Utc;
use lockdesk::app::{
    App, Cmd, Data, Loc, Msg, Options, Session, Slot, ThemeName, TraceResult, WriteStart,
};
use lockdesk::keys::Action;
use lockdesk::keys::Keymap;
use lockdesk::store::traces::{LogRow, Trace};
use lockdesk::timefmt::{Clock, Zone};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

fn app() -> App {
    App::new(Options {
        session: Session {
            target: "bench".into(),
            read_only: true,
            drift_disabled: None,
            broker_tables: true,
            calls_to: "none".into(),
            token_hosts: Default::default(),
            stuck_after: chrono::Duration::minutes(15),
        },
        keymap: Keymap::defaults(),
        clock: Clock::new(Zone::Utc),
        now: Utc::now(),
        pinned: false,
        write: WriteStart::ReadOnly,
        operator: "operator".into(),
        default_mode: lockdesk::engine::plan::Mode::Standard,
        doors: Vec::new(),
        theme: ThemeName::Dark,
    })
}

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize];
    println!(
        "{name:<48} median {:>9.3} ms   p90 {:>9.3} ms   max {:>9.3} ms   (n={})",
        p(0.5).as_secs_f64() * 1e3,
        p(0.9).as_secs_f64() * 1e3,
        p(1.0).as_secs_f64() * 1e3,
        samples.len()
    );
}

fn big_trace(logs: usize) -> Trace {
    let now = Utc::now();
    Trace {
        correlation_id: "b".repeat(32),
        audit: Vec::new(),
        jobs: Vec::new(),
        logs: (0..logs)
            .map(|i| {
                let created_at = now - chrono::Duration::seconds(logs as i64 - i as i64);
                // Sent 300 ms before its answer was logged: the waterfall's bar.
                let sent = (created_at - chrono::Duration::milliseconds(300)).timestamp_millis();
                let request = json!({"payload": {"keyboardPwdId": 50_000_000 + i, "date": sent}});
                LogRow {
                    id: i as i64,
                    action: "PASSCODE_ADD".into(),
                    correlation_id: Some("b".repeat(32)),
                    created_at,
                    debug_session_id: None,
                    door_id: Some((i % 40) as i64),
                    door_name: Some(format!("Door {}", i % 40)),
                    error_message: (i % 17 == 0)
                        .then(|| "TTLock errcode -3002: gateway offline".into()),
                    external_id: Some("28991110".into()),
                    lock_key: Some(format!("TTLOCK:{}", 28_990_000 + i % 40)),
                    ok: i % 17 != 0,
                    provider_type: Some("TTLOCK".into()),
                    reconcile_job_id: Some(1),
                    facts: lockdesk::store::facts::LogFacts::of(Some(&request), None),
                    request_json: Some(request),
                    response_json: None,
                    odd: Vec::new(),
                    raw_json: Vec::new(),
                    detached: false,
                }
            })
            .collect(),
    }
}

fn load(app: &mut App, cmds: Vec<Cmd>, slot: Slot, data: Data) {
    let id = cmds
        .iter()
        .find_map(|c| match c {
            Cmd::Load { slot: s, id, .. } if *s == slot => Some(*id),
            _ => None,
        })
        .expect("a load");
    app.update(Msg::Loaded {
        slot,
        id,
        result: Box::new(Ok(data)),
    });
}

fn draw_benchmarks() {
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    // The busiest trace screen: 500 logs.
    let mut a = app();
    let cmds = a.command("trace bbbbbbbb");
    load(
        &mut a,
        cmds,
        Slot::Trace,
        Data::Trace(TraceResult::Found(big_trace(500))),
    );
    let mut samples = Vec::new();
    for i in 0..300 {
        a.act(if i % 2 == 0 {
            Action::PageDown
        } else {
            Action::Down
        });
        let t = Instant::now();
        terminal.draw(|f| lockdesk::ui::draw(f, &a)).unwrap();
        samples.push(t.elapsed());
    }
    stats("draw: trace of 500 logs (160x50)", samples);

    // A 1 MiB JSON payload in the viewer, scrolled.
    let payload = json!({"list": (0..9000).map(|i| json!({"keyboardPwdId": 50_000_000 + i, "keyboardPwd": "***1111",
        "keyboardPwdName": "***", "startDate": 1_770_305_016_424_i64, "status": 1})).collect::<Vec<_>>()});
    let size = payload.to_string().len();
    let mut t = big_trace(1);
    let mut rows: Vec<LogRow> = std::mem::take(&mut t.logs).into_iter().collect();
    rows[0].response_json = Some(payload);
    t.logs = rows.into();
    let mut a = app();
    let cmds = a.command("trace bbbbbbbb");
    load(
        &mut a,
        cmds,
        Slot::Trace,
        Data::Trace(TraceResult::Found(t)),
    );
    a.act(Action::Bottom);
    let opened = Instant::now();
    a.act(Action::ShowResponse);
    let open_time = opened.elapsed();
    let mut samples = Vec::new();
    for _ in 0..300 {
        a.act(Action::PageDown);
        let t = Instant::now();
        terminal.draw(|f| lockdesk::ui::draw(f, &a)).unwrap();
        samples.push(t.elapsed());
    }
    stats(
        &format!(
            "draw: JSON viewer, {:.2} MiB payload",
            size as f64 / 1048576.0
        ),
        samples,
    );
    println!(
        "{:<48} {:>9.3} ms (flatten once)",
        "open: the 1 MiB payload",
        open_time.as_secs_f64() * 1e3
    );
    waterfall_benchmarks(&mut terminal);
}

/// `w` on a big trace: the key press handled and the waterfall painted,
/// 40 locks' lanes. The first `w` on a trace lays the waterfall out from
/// every log (timed on a freshly loaded trace each time); after it the
/// layout is kept per trace and size, so `w` again and `j` (the selected
/// step moving, the frame that matters while reading a waterfall) draw
/// lanes × cells.
fn waterfall_benchmarks(terminal: &mut Terminal<TestBackend>) {
    for logs in [20_000, 100_000] {
        let trace = big_trace(logs);
        let mut a = app();
        let mut first = Vec::new();
        for _ in 0..10 {
            a.forget_trace();
            let cmds = a.command("trace bbbbbbbb");
            load(
                &mut a,
                cmds,
                Slot::Trace,
                Data::Trace(TraceResult::Found(trace.clone())),
            );
            let t = Instant::now();
            a.act(Action::Waterfall);
            terminal.draw(|f| lockdesk::ui::draw(f, &a)).unwrap();
            first.push(t.elapsed());
            a.act(Action::Waterfall);
        }
        stats(&format!("w: first waterfall of {logs} logs"), first);
        let mut samples = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            a.act(Action::Waterfall);
            terminal.draw(|f| lockdesk::ui::draw(f, &a)).unwrap();
            samples.push(t.elapsed());
            a.act(Action::Waterfall);
        }
        stats(&format!("w: waterfall of {logs} logs (160x50)"), samples);
        a.act(Action::Waterfall);
        let mut steps = Vec::new();
        for _ in 0..100 {
            let t = Instant::now();
            a.act(Action::Down);
            terminal.draw(|f| lockdesk::ui::draw(f, &a)).unwrap();
            steps.push(t.elapsed());
        }
        stats(&format!("j: a step in the waterfall of {logs} logs"), steps);
    }
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

async fn database_benchmarks(url: &str) {
    let global = lockdesk::cli::Global {
        database_url: None,
        profile: None,
        write: false,
        reason: None,
        tz: Some("UTC".into()),
        read_url: None,
        read_fallback: false,
        theme: None,
    };
    let s = lockdesk::console::setup(&global, url, "bench", None, None)
        .await
        .unwrap();
    let pool = s.pool.clone();
    // The key-press figure opens LOCKDESK_BENCH_TRACE 20 times when set
    // (scripts/bench.sh makes a 500-log trace), else the newest 40 traces.
    let ids: Vec<(String,)> = match std::env::var("LOCKDESK_BENCH_TRACE") {
        Ok(id) => vec![(id,); 20],
        Err(_) => {
            sqlx::query_as("SELECT correlation_id FROM reconcile_jobs ORDER BY id DESC LIMIT 40")
                .fetch_all(&pool)
                .await
                .unwrap()
        }
    };

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut exec = lockdesk::console::executor::Executor::new(
        pool.clone(),
        tx,
        s.settings,
        s.providers.clone(),
        lockdesk::clipboard::Clipboard::terminal_only(),
        lockdesk::console::executor::CopyOut::Buffer(Vec::new()),
    );
    let mut a = s.app;
    let mut terminal = Terminal::new(TestBackend::new(160, 50)).unwrap();
    // Browse the whole job queue with PageDown; the window stays bounded.
    let before = rss_kib();
    let t = Instant::now();
    for c in a.start(Loc::Jobs) {
        exec.run(c);
    }
    let mut pages = 0u64;
    loop {
        while a.in_flight() > 0 {
            let m = rx.recv().await.unwrap();
            for c in a.update(m) {
                exec.run(c);
            }
        }
        let j = a.jobs();
        let at_end = !j.more_below && j.scroll.selected + 1 >= j.rows.len();
        if at_end {
            break;
        }
        for c in a.act(Action::PageDown) {
            exec.run(c);
        }
        pages += 1;
        if pages % 500 == 0 {
            terminal.draw(|f| lockdesk::ui::draw(f, &a)).unwrap();
        }
    }
    println!(
        "{:<48} {pages} pages in {:.1} s; peak RSS {} MiB (before: {} MiB)",
        "browse the whole job queue (PageDown)",
        t.elapsed().as_secs_f64(),
        rss_kib() / 1024,
        before / 1024
    );

    // Key press → painted frame: `:trace <id>` Enter, through the real
    // executor and database, until the frame with the trace is drawn.
    let mut samples = Vec::new();
    for (id,) in &ids {
        // (The open trace is dropped first: the same id is not read twice.)
        a.forget_trace();
        let t = Instant::now();
        for c in a.command(&format!("trace {id}")) {
            exec.run(c);
        }
        while a.in_flight() > 0 {
            let m = rx.recv().await.unwrap();
            for c in a.update(m) {
                exec.run(c);
            }
        }
        terminal.draw(|f| lockdesk::ui::draw(f, &a)).unwrap();
        samples.push(t.elapsed());
    }
    stats("key press → painted trace (real database)", samples);

    // `lockdesk trace <id> --json` against psql running the same three queries.
    let exe = env!("CARGO_BIN_EXE_lockdesk");
    let id = &ids[0].0;
    let time = |mut c: Command| {
        let mut v = Vec::new();
        for _ in 0..15 {
            let t = Instant::now();
            let out = c.output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            v.push(t.elapsed());
        }
        v
    };
    let mut lockdesk = Command::new(exe);
    lockdesk.args(["trace", id, "--json", "--database-url", url]);
    stats(
        "`lockdesk trace <id> --json` (whole process)",
        time(lockdesk),
    );
    let sql = format!(
        "SELECT * FROM app_audit WHERE correlation_id = '{id}' ORDER BY created_at, id;
         SELECT * FROM reconcile_jobs WHERE correlation_id = '{id}' ORDER BY created_at, id;
         SELECT * FROM integration_logs WHERE correlation_id = '{id}' ORDER BY created_at, id;"
    );
    let mut psql = Command::new("psql");
    psql.args([url, "-X", "-q", "-A", "-c", &sql]);
    stats("psql, the same three queries", time(psql));
}

fn main() {
    // The database part first, so that its memory figure is the console's own
    // and not the high-water mark of the 1 MiB JSON draw benchmark.
    match std::env::var("LOCKDESK_BENCH_DATABASE_URL") {
        Ok(url) => {
            let rt = tokio::runtime::Runtime::new().unwrap();
            rt.block_on(database_benchmarks(&url));
        }
        Err(_) => println!(
            "(set LOCKDESK_BENCH_DATABASE_URL to a `lockdesk demo seed` database for the database benchmarks)"
        ),
    }
    draw_benchmarks();
}
