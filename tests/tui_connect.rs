//! The TUI's workers connect with the CLI's connect timeout: a server that accepts the TCP
//! connection and then says nothing is given up after 5 s, with a plain message.

use lightning_tables::tui::errors::{connect, mysql_error};
use std::net::TcpListener;
use std::time::{Duration, Instant};

#[test]
fn a_silent_server_is_given_up_after_the_connect_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("{e}"))
        .port();
    // Accept and hold the connections without a word (no handshake ever comes).
    let held = std::thread::spawn(move || {
        let mut kept = Vec::new();
        for stream in listener.incoming().take(1) {
            kept.push(stream);
            std::thread::sleep(Duration::from_secs(12));
        }
    });
    let opts = mysql::Opts::from(
        mysql::OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(port)
            .user(Some("nobody")),
    );
    let started = Instant::now();
    let result = connect(&opts);
    let waited = started.elapsed();
    let Err(e) = result else {
        panic!("connected to a silent server")
    };
    assert!(
        waited >= Duration::from_secs(5) && waited < Duration::from_secs(8),
        "gave up after {waited:?}"
    );
    let message = mysql_error(&e);
    assert!(message.contains("did not answer within 5 s"), "{message}");
    drop(held);
}
