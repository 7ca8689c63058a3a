//! A TCP proxy in front of the test server, for connections that are cut (closed at once,
//! and new ones refused) or go silent (held open, nothing forwarded).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Forwards both ways.
    Open,
    /// Closes every connection and refuses new ones.
    Cut,
    /// Holds every connection open and forwards nothing, as a dead peer would.
    Silent,
}

/// The proxy; it stops with the value.
pub(super) struct Proxy {
    /// `postgres://…` of the test database, through the proxy.
    pub(super) url: String,
    mode: watch::Sender<Mode>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy to the server of `database_url`, on a free port of 127.0.0.1.
    pub(super) async fn to(database_url: &str) -> Self {
        let mut url = url::Url::parse(database_url).unwrap();
        let server = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap_or(5432));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        url.set_host(Some("127.0.0.1")).unwrap();
        url.set_port(Some(listener.local_addr().unwrap().port()))
            .unwrap();
        let (mode, modes) = watch::channel(Mode::Open);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *modes.borrow() == Mode::Cut {
                    continue;
                }
                if let Ok(upstream) = TcpStream::connect(&server).await {
                    tokio::spawn(forward(client, upstream, modes.clone()));
                }
            }
        });
        Self {
            url: url.into(),
            mode,
            task,
        }
    }

    pub(super) fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        self.set(Mode::Cut);
    }
}

/// Copies both ways while the mode is open; returns (closing both) when it is cut.
async fn forward(mut client: TcpStream, mut upstream: TcpStream, mut modes: watch::Receiver<Mode>) {
    let (mut up, mut down) = ([0u8; 8192], [0u8; 8192]);
    loop {
        let mode = *modes.borrow_and_update();
        match mode {
            Mode::Cut => return,
            Mode::Silent => {
                if modes.changed().await.is_err() {
                    return;
                }
            }
            Mode::Open => {
                let done = tokio::select! {
                    n = client.read(&mut up) => match n {
                        Ok(n) if n > 0 => upstream.write_all(&up[..n]).await.is_err(),
                        _ => true,
                    },
                    n = upstream.read(&mut down) => match n {
                        Ok(n) if n > 0 => client.write_all(&down[..n]).await.is_err(),
                        _ => true,
                    },
                    changed = modes.changed() => changed.is_err(),
                };
                if done {
                    return;
                }
            }
        }
    }
}
