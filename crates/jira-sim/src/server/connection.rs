//! The serving loop: accepting connections and serving each one (HTTP/1.1 or cleartext HTTP/2).

use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::request::handle;
use super::reset::{ConnControl, ResettableStream};
use super::shared::Shared;

/// Accepts connections until shutdown, then closes every one still open.
pub(super) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // A send or a dropped handle both end the loop.
            _ = shutdown.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, shared.clone()));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    // Aborts held (NeverAnswer) and idle keep-alive connections alike.
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let _ = stream.set_nodelay(true);
    let control = Arc::new(ConnControl::new());
    let io = TokioIo::new(ResettableStream::new(stream, control.clone()));
    let handler_control = control.clone();
    let service =
        hyper::service::service_fn(move |req| handle(shared.clone(), handler_control.clone(), req));
    let builder = auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(io, service);
    tokio::select! {
        _ = connection => {}
        // Dropping the connection drops the stream, which then resets.
        _ = control.notify.notified() => {}
    }
}
