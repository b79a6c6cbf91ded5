//! The accept loop: HTTP/1.1 over TCP with the `[server]` limits, so slow or idle
//! clients cannot hold connections, and a graceful stop.
//!
//! ```text
//! accept (a permit of max_connections) -> connection task:
//!   headers within header_read_timeout (hyper) -> body within body_read_timeout (Deadline)
//!   -> router within request_timeout (408) ; idle_timeout with no bytes either way -> close
//! stop signal -> no more accepts -> each connection finishes its request, then closes
//! ```

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, HttpBody};
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::config::ServerConfig;

/// Serves `router` on `listener` until `stop` resolves, then until every connection is done.
pub async fn run(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: &ServerConfig,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let secs = Duration::from_secs;
    let router = router.layer(tower_http::timeout::TimeoutLayer::with_status_code(
        axum::http::StatusCode::REQUEST_TIMEOUT,
        secs(limits.request_timeout_secs),
    ));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(secs(limits.header_read_timeout_secs));
    let connections = Connections {
        builder,
        router,
        body_timeout: secs(limits.body_read_timeout_secs),
        idle: secs(limits.idle_timeout_secs),
    };
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    // Every connection task holds a receiver: when all are dropped, every connection is done.
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    let mut stop = std::pin::pin!(stop);
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else { break };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        connections.spawn(stream, peer, permit, stopped.clone());
    }
    drop(listener);
    drop(stopped);
    let _ = stopping.send(true);
    stopping.closed().await;
    Ok(())
}

/// How each accepted connection is served.
struct Connections {
    builder: hyper::server::conn::http1::Builder,
    router: Router,
    body_timeout: Duration,
    idle: Duration,
}

impl Connections {
    /// Serves one connection in its own task until it is done; idle, or at the stop signal, it
    /// is asked to close, and a request in flight is answered first.
    fn spawn(
        &self,
        stream: tokio::net::TcpStream,
        peer: SocketAddr,
        permit: tokio::sync::OwnedSemaphorePermit,
        mut stopped: tokio::sync::watch::Receiver<bool>,
    ) {
        let (router, body_timeout, idle) = (self.router.clone(), self.body_timeout, self.idle);
        let service = hyper::service::service_fn(move |mut request: axum::http::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            let request = request.map(|body| Body::new(Deadline::new(body, body_timeout)));
            tower::ServiceExt::oneshot(router.clone(), request)
        });
        let activity = Arc::new(AtomicU64::new(0));
        let io = TokioIo::new(Watched { inner: stream, activity: activity.clone(), started: Instant::now() });
        let connection = self.builder.serve_connection(io, service);
        tokio::spawn(async move {
            let _permit = permit;
            let mut connection = std::pin::pin!(connection);
            let mut closing = false;
            loop {
                tokio::select! {
                    _ = connection.as_mut() => return,
                    () = idle_for(&activity, idle), if !closing => {}
                    _ = stopped.wait_for(|stop| *stop), if !closing => {}
                }
                connection.as_mut().graceful_shutdown();
                closing = true;
            }
        });
    }
}

/// Resolves once nothing has been read or written for `idle`.
async fn idle_for(activity: &AtomicU64, idle: Duration) {
    let mut seen = u64::MAX;
    loop {
        tokio::time::sleep(idle).await;
        let now = activity.load(Ordering::Relaxed);
        if now == seen {
            return;
        }
        seen = now;
    }
}

/// A connection that counts its reads and writes, for the idle timeout.
struct Watched {
    inner: tokio::net::TcpStream,
    activity: Arc<AtomicU64>,
    started: Instant,
}

impl Watched {
    fn touch(&self) {
        self.activity.store(self.started.elapsed().as_millis() as u64 + 1, Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, data);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A request body that must arrive whole before its deadline; after it, reading fails.
struct Deadline {
    inner: hyper::body::Incoming,
    deadline: Pin<Box<Sleep>>,
}

impl Deadline {
    fn new(inner: hyper::body::Incoming, within: Duration) -> Self {
        Deadline { inner, deadline: Box::pin(tokio::time::sleep(within)) }
    }
}

impl HttpBody for Deadline {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(axum::Error::new)));
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(axum::Error::new("the request body did not arrive in time")))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}
