//! HTTP server benchmark peer: hyper 0.14, HTTP/1.1 only, on Tokio's current-thread runtime.
//!
//! Usage: http_hyper [--port N]      (N = 0, the default: ephemeral)
//!
//! Listens on 127.0.0.1, prints "listening <port>" as its first stdout line and answers
//! every request with 200 "Hello, World!" (text/plain) on keep-alive connections until
//! SIGTERM or SIGINT. One task per connection (hyper's `serve_connection`); hyper writes
//! the Date header from its own per-second cache, as our server does.

use std::convert::Infallible;
use std::io::Write;
use std::process::exit;

use hyper::server::conn::Http;
use hyper::service::service_fn;
use hyper::{Body, Request, Response};
use tokio::net::TcpListener;
use tokio::signal::unix::{signal, SignalKind};

fn parse_port() -> u16 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut port: u16 = 0;
    let mut i = 0;
    while i < args.len() {
        let s = if args[i] == "--port" {
            i += 1;
            args.get(i).map(String::as_str).unwrap_or("")
        } else {
            args[i].as_str()
        };
        port = match s.parse() {
            Ok(p) => p,
            Err(_) => {
                eprintln!("http_hyper: bad port '{s}'\nusage: http_hyper [--port N]");
                exit(64);
            }
        };
        i += 1;
    }
    port
}

async fn hello(_req: Request<Body>) -> Result<Response<Body>, Infallible> {
    Ok(Response::builder()
        .header("Content-Type", "text/plain; charset=utf-8")
        .body(Body::from("Hello, World!"))
        .unwrap())
}

async fn serve(port: u16) {
    let listener = match TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("http_hyper: bind 127.0.0.1:{port}: {e}");
            exit(1);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    println!("listening {port}");
    let _ = std::io::stdout().flush();
    let mut http = Http::new();
    http.http1_only(true).http1_keep_alive(true);
    loop {
        let (sock, _) = match listener.accept().await {
            Ok(c) => c,
            Err(_) => continue,
        };
        let _ = sock.set_nodelay(true);
        let conn = http.serve_connection(sock, service_fn(hello));
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
}

fn main() {
    let port = parse_port();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async move {
        let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
        let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
        tokio::select! {
            _ = serve(port) => {},
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
    });
}
