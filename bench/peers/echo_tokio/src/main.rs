//! Echo benchmark peer: Tokio, current-thread runtime.
//!
//! Usage: echo_tokio [--port N]      (N = 0, the default: ephemeral)
//!
//! Listens on 127.0.0.1, prints "listening <port>" as its first stdout line
//! and echoes every byte back until killed (SIGTERM).  One task per
//! connection: `read` into a 64 KiB buffer, `write_all` of what was read.

use std::io::Write;
use std::process::exit;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
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
                eprintln!("echo_tokio: bad port '{s}'\nusage: echo_tokio [--port N]");
                exit(64);
            }
        };
        i += 1;
    }
    port
}

async fn echo(mut sock: TcpStream) {
    let _ = sock.set_nodelay(true);
    let mut buf = vec![0u8; 65536];
    loop {
        let n = match sock.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if sock.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

async fn serve(port: u16) {
    let listener = match TcpListener::bind(("127.0.0.1", port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("echo_tokio: bind 127.0.0.1:{port}: {e}");
            exit(1);
        }
    };
    let bound = listener.local_addr().expect("local_addr").port();
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "listening {bound}");
        let _ = out.flush();
    }
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    loop {
        tokio::select! {
            r = listener.accept() => match r {
                Ok((sock, _)) => { tokio::spawn(echo(sock)); }
                Err(e) => eprintln!("echo_tokio: accept: {e}"),
            },
            _ = term.recv() => return,
        }
    }
}

fn main() {
    let port = parse_port();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("tokio runtime");
    rt.block_on(serve(port));
}
