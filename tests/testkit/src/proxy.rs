//! A forward proxy on 127.0.0.1, for clients behind a company proxy: HTTP `CONNECT` (what
//! kubectl and kube-rs send for a cluster behind `HTTPS_PROXY` or an `http://` `proxy-url`) and
//! SOCKS5 (`socks5://`), both on one port (a SOCKS5 greeting starts with byte 5, an HTTP request
//! with a letter).
//!
//! It tunnels only to loopback: to a loopback address asked for by number, or to a name the
//! test has routed ([`FakeProxy::route`]), such as `cluster.lab.invalid:6443` to the fake API
//! server's port, a remote cluster that only the proxy can reach. Anything else is refused
//! (`502 Bad Gateway`, SOCKS5 reply 4) without a DNS lookup. Every request is recorded.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// The longest request head (request line and headers) the proxy reads.
const MAX_HEAD: usize = 16 * 1024;
/// A client that has not said where to go within this long is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How a client asked for a tunnel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyProtocol {
    /// `CONNECT host:port HTTP/1.1`.
    Connect,
    /// A SOCKS5 `CONNECT` command.
    Socks5,
}

/// A tunnel asked of the proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyRequest {
    pub protocol: ProxyProtocol,
    /// `host:port` as the client sent it (`cluster.lab.invalid:6443`, `[::1]:6443`).
    pub target: String,
    /// The `Proxy-Authorization` header of a `CONNECT`, if any.
    pub authorization: Option<String>,
    /// Whether the proxy tunnelled it (else it refused).
    pub tunnelled: bool,
}

struct Shared {
    routes: Mutex<HashMap<String, SocketAddr>>,
    requests: Mutex<Vec<ProxyRequest>>,
    shutdown: watch::Sender<bool>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The proxy; runs on its own thread with its own Tokio runtime, stops on drop.
pub struct FakeProxy {
    address: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl FakeProxy {
    /// Starts the proxy on a free port of 127.0.0.1.
    pub fn start() -> FakeProxy {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("fake proxy: cannot bind a port on 127.0.0.1");
        listener.set_nonblocking(true).expect("fake proxy: cannot make the listener non-blocking");
        let address = listener.local_addr().expect("a bound listener has an address");
        let shared = Arc::new(Shared {
            routes: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            shutdown: watch::channel(false).0,
        });
        let thread = std::thread::Builder::new()
            .name(format!("fake-proxy-{}", address.port()))
            .spawn({
                let shared = Arc::clone(&shared);
                move || run(listener, shared)
            })
            .expect("fake proxy: cannot spawn its thread");
        FakeProxy { address, shared, thread: Some(thread) }
    }

    /// `http://127.0.0.1:PORT`, for `HTTPS_PROXY` or a `proxy-url`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// `socks5://127.0.0.1:PORT`.
    pub fn socks5_url(&self) -> String {
        format!("socks5://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Tunnels requests for `target` (`host:port`, any case) to `to`, which must be loopback.
    pub fn route(&self, target: &str, to: SocketAddr) {
        assert!(to.ip().is_loopback(), "the fake proxy only tunnels to loopback, not {to}");
        lock(&self.shared.routes).insert(target.to_ascii_lowercase(), to);
    }

    /// The tunnels asked for so far, oldest first.
    pub fn requests(&self) -> Vec<ProxyRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The targets asked for so far, oldest first.
    pub fn targets(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.target).collect()
    }
}

impl Drop for FakeProxy {
    fn drop(&mut self) {
        self.shared.shutdown.send_replace(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(listener: std::net::TcpListener, shared: Arc<Shared>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("fake proxy: cannot build its Tokio runtime");
    runtime.block_on(async {
        let listener = TcpListener::from_std(listener).expect("fake proxy: cannot use its listener");
        let mut stop = shared.shutdown.subscribe();
        loop {
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        tokio::spawn(serve(stream, Arc::clone(&shared)));
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
            }
        }
    });
    // Dropping the runtime closes the tunnels still open.
    runtime.shutdown_timeout(Duration::from_secs(1));
}

async fn serve(mut client: TcpStream, shared: Arc<Shared>) {
    let opened = tokio::time::timeout(HANDSHAKE_TIMEOUT, open(&mut client, &shared)).await;
    if let Ok(Some((mut upstream, early))) = opened
        && upstream.write_all(&early).await.is_ok()
    {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}

/// Reads what the client asks for and answers it; the upstream connection and the bytes the
/// client sent after its request, when tunnelling.
async fn open(client: &mut TcpStream, shared: &Shared) -> Option<(TcpStream, Vec<u8>)> {
    let first = client.read_u8().await.ok()?;
    match first {
        5 => socks5(client, shared).await.map(|upstream| (upstream, Vec::new())),
        _ => connect(first, client, shared).await,
    }
}

async fn connect(first: u8, client: &mut TcpStream, shared: &Shared) -> Option<(TcpStream, Vec<u8>)> {
    let mut head = vec![first];
    let end = loop {
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        if head.len() > MAX_HEAD {
            return None;
        }
        let mut chunk = [0u8; 1024];
        let n = client.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&chunk[..n]);
    };
    let early = head.split_off(end);
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (method, target) = (request_line.next().unwrap_or_default(), request_line.next().unwrap_or_default());
    let authorization = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, value)| value.trim().to_string());
    if method != "CONNECT" {
        let _ = client
            .write_all(b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .await;
        return None;
    }
    let upstream = dial(shared, target).await;
    record(shared, ProxyProtocol::Connect, target, authorization, upstream.is_some());
    match upstream {
        Some(upstream) => {
            client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.ok()?;
            Some((upstream, early))
        }
        None => {
            let _ = client
                .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                .await;
            None
        }
    }
}

/// RFC 1928, without authentication, `CONNECT` only.
async fn socks5(client: &mut TcpStream, shared: &Shared) -> Option<TcpStream> {
    let methods = client.read_u8().await.ok()?;
    let mut offered = vec![0u8; usize::from(methods)];
    client.read_exact(&mut offered).await.ok()?;
    if !offered.contains(&0) {
        let _ = client.write_all(&[5, 0xff]).await;
        return None;
    }
    client.write_all(&[5, 0]).await.ok()?;
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await.ok()?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await.ok()?;
            IpAddr::from(ip).to_string()
        }
        4 => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await.ok()?;
            format!("[{}]", IpAddr::from(ip))
        }
        3 => {
            let len = client.read_u8().await.ok()?;
            let mut name = vec![0u8; usize::from(len)];
            client.read_exact(&mut name).await.ok()?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return None,
    };
    let port = client.read_u16().await.ok()?;
    let target = format!("{host}:{port}");
    if request[1] != 1 {
        // Command not supported.
        let _ = client.write_all(&[5, 7, 0, 1, 0, 0, 0, 0, 0, 0]).await;
        return None;
    }
    let upstream = dial(shared, &target).await;
    record(shared, ProxyProtocol::Socks5, &target, None, upstream.is_some());
    match upstream {
        Some(upstream) => {
            client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await.ok()?;
            Some(upstream)
        }
        None => {
            // Host unreachable.
            let _ = client.write_all(&[5, 4, 0, 1, 0, 0, 0, 0, 0, 0]).await;
            None
        }
    }
}

/// Connects to a routed name, or to a loopback address; never anywhere else.
async fn dial(shared: &Shared, target: &str) -> Option<TcpStream> {
    let routed = lock(&shared.routes).get(&target.to_ascii_lowercase()).copied();
    let address = routed
        .or_else(|| target.parse::<SocketAddr>().ok().filter(|a| a.ip().to_canonical().is_loopback()))?;
    TcpStream::connect(address).await.ok()
}

fn record(
    shared: &Shared,
    protocol: ProxyProtocol,
    target: &str,
    authorization: Option<String>,
    tunnelled: bool,
) {
    lock(&shared.requests).push(ProxyRequest {
        protocol,
        target: target.to_string(),
        authorization,
        tunnelled,
    });
}
