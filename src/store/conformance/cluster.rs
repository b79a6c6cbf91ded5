//! A three-node Redis Cluster for the whole test process, shared by the cluster rules (each under
//! a key prefix of its own): starting one takes about two seconds, too long to pay per rule.
//!
//! A static is never dropped, so no `Drop` can stop the nodes. Each runs under `sh`, which waits
//! for its stdin (a pipe from this process) to close and then stops the node and removes its
//! configuration: the nodes end with the test process, however it ends.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

/// Runs `redis-server` until stdin closes; `$1` is the node's cluster configuration file.
const NODE: &str = r#"conf=$1; shift
redis-server --cluster-config-file "$conf" "$@" &
node=$!
cat >/dev/null
kill $node; wait $node; rm -f "$conf""#;

struct Cluster {
    ports: Vec<u16>,
    /// Held so the pipes to the nodes stay open until the process ends.
    _nodes: Vec<Child>,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();

/// The node URLs of the process's cluster, started on first use.
pub fn nodes() -> Vec<String> {
    CLUSTER.get_or_init(start).ports.iter().map(|p| format!("redis://127.0.0.1:{p}")).collect()
}

fn start() -> Cluster {
    let run = crate::store::conformance::backends::unique("");
    let ports: Vec<u16> =
        (0..3).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()).collect();
    let nodes = ports.iter().map(|port| node(*port, &run)).collect();
    let cluster = Cluster { ports: ports.clone(), _nodes: nodes };
    for port in &ports {
        while TcpStream::connect(("127.0.0.1", *port)).is_err() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    let addresses: Vec<String> = ports.iter().map(|p| format!("127.0.0.1:{p}")).collect();
    let created = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(&addresses)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .output()
        .expect("redis-cli is installed");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stdout));
    for _ in 0..100 {
        let info = Command::new("redis-cli").args(["-p", &ports[0].to_string(), "cluster", "info"]).output().unwrap();
        if String::from_utf8_lossy(&info.stdout).contains("cluster_state:ok") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cluster
}

fn node(port: u16, run: &str) -> Child {
    let conf = std::env::temp_dir().join(format!("tessera-test-{run}-nodes-{port}.conf"));
    Command::new("sh")
        .args(["-c", NODE, "sh", conf.to_str().unwrap()])
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .args(["--cluster-enabled", "yes"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sh and redis-server are installed")
}
