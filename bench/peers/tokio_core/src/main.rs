//! Core-runtime benchmark peer: Tokio current-thread runtime.
//!
//! Usage: tokio_core <spawn|sleepers|pingpong> [N]
//!
//! Prints one line:
//!   <bench> tokio n=<N> elapsed_s=<float> peak_rss_kib=<int> [ns_per_switch=<float>]

use std::process::exit;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

/// Peak resident set size of this process (VmHWM), in KiB.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Outcome {
    elapsed: f64,
    ns_per_switch: Option<f64>,
}

// ---------------------------------------------------------------- spawn
async fn bench_spawn(n: u64) -> Outcome {
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(n as usize);
    for i in 0..n {
        handles.push(tokio::spawn(async move {
            tokio::task::yield_now().await;
            i
        }));
    }
    let mut sum: u64 = 0;
    for h in handles {
        sum += h.await.expect("task panicked");
    }
    let elapsed = t0.elapsed().as_secs_f64();
    let expected = n * (n - 1) / 2;
    if sum != expected {
        eprintln!("spawn: bad sum {sum} != {expected}");
        exit(2);
    }
    Outcome { elapsed, ns_per_switch: None }
}

// ------------------------------------------------------------- sleepers
async fn bench_sleepers(n: u64) -> Outcome {
    let t0 = Instant::now();
    let mut handles = Vec::with_capacity(n as usize);
    for _ in 0..n {
        handles.push(tokio::spawn(async {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }));
    }
    for h in handles {
        h.await.expect("task panicked");
    }
    Outcome { elapsed: t0.elapsed().as_secs_f64(), ns_per_switch: None }
}

// ------------------------------------------------------------- pingpong
// Two tasks pass a counter through two bounded mpsc channels of capacity 1;
// every hand-over is one switch.  The counter value v has been handed over
// v+1 times, so both stop once v == last (= n-1) has been delivered.
async fn player(mut rx: mpsc::Receiver<u64>, tx: mpsc::Sender<u64>, last: u64, serve: bool) -> u64 {
    if serve {
        tx.send(0).await.expect("peer gone");
    }
    loop {
        let v = rx.recv().await.expect("peer gone");
        if v >= last {
            // wake the other side so it stops too (it may already be gone)
            let _ = tx.send(v).await;
            return v;
        }
        tx.send(v + 1).await.expect("peer gone");
    }
}

async fn bench_pingpong(n: u64) -> Outcome {
    let (a_tx, a_rx) = mpsc::channel::<u64>(1); // B -> A
    let (b_tx, b_rx) = mpsc::channel::<u64>(1); // A -> B
    let t0 = Instant::now();
    let a = tokio::spawn(player(a_rx, b_tx, n - 1, true));
    let b = tokio::spawn(player(b_rx, a_tx, n - 1, false));
    let ra = a.await.expect("task panicked");
    let rb = b.await.expect("task panicked");
    let elapsed = t0.elapsed().as_secs_f64();
    if ra != n - 1 || rb != n - 1 {
        eprintln!("pingpong: bad counter {ra} {rb} (n={n})");
        exit(2);
    }
    Outcome { elapsed, ns_per_switch: Some(elapsed * 1e9 / n as f64) }
}

fn usage() -> ! {
    eprintln!("usage: tokio_core <spawn|sleepers|pingpong> [N]");
    exit(64)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.get(1).map(String::as_str).unwrap_or_else(|| usage());
    let default_n: u64 = match bench {
        "spawn" => 1_000_000,
        "sleepers" => 100_000,
        "pingpong" => 10_000_000,
        _ => usage(),
    };
    let n: u64 = match args.get(2) {
        Some(s) => s.parse().unwrap_or_else(|_| usage()),
        None => default_n,
    };
    if n < 1 {
        usage();
    }

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("building the tokio runtime");
    let out = rt.block_on(async move {
        match bench {
            "spawn" => bench_spawn(n).await,
            "sleepers" => bench_sleepers(n).await,
            _ => bench_pingpong(n).await,
        }
    });
    drop(rt);

    let mut line = format!(
        "{bench} tokio n={n} elapsed_s={:.6} peak_rss_kib={}",
        out.elapsed,
        peak_rss_kib()
    );
    if let Some(ns) = out.ns_per_switch {
        line.push_str(&format!(" ns_per_switch={ns:.2}"));
    }
    println!("{line}");
}
