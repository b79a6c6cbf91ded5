//! The management API's reads that grow with the directory: a user looked up by address
//! (`GET /api/v1/users?identifier=`), one user's latest events and the newest events of all
//! (`GET /api/v1/events`), each with an API key made by `tessera api-keys create`.

use std::path::Path;

use bytes::Bytes;

use crate::load::{Http, Scenario, get, send};
use crate::scenarios::{json, ok};

/// Which read.
#[derive(Clone, Copy)]
pub enum Read {
    UserByAddress,
    UsersEvents,
    NewestEvents,
}

impl Read {
    pub const ALL: [(Read, &'static str); 3] = [
        (Read::UserByAddress, "management: user by address"),
        (Read::UsersEvents, "management: a user's latest 50 events"),
        (Read::NewestEvents, "management: newest 100 events"),
    ];
}

pub struct Management {
    pub http: Http,
    pub base: String,
    /// `Bearer tsk_…`.
    pub authorization: String,
    pub read: Read,
    /// Seeded users to pick from (`seed1@scale.example` …); 0: only the benchmark's own user.
    pub users: u64,
}

/// A worker's own sequence of users, spread over the whole directory.
pub struct Picker(u64);

impl Picker {
    fn next(&mut self, users: u64) -> u64 {
        // A 64-bit LCG (Knuth's MMIX constants): cheap, and different for every worker.
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 33) % users.max(1) + 1
    }
}

impl Management {
    fn path(&self, picker: &mut Picker) -> String {
        let k = picker.next(self.users);
        match self.read {
            Read::UserByAddress if self.users == 0 => "/api/v1/users?identifier=bench%40example.com".into(),
            Read::UserByAddress => format!("/api/v1/users?identifier=seed{k}%40scale.example"),
            Read::UsersEvents if self.users == 0 => "/api/v1/events?kind=sign_in&limit=50".into(),
            Read::UsersEvents => format!("/api/v1/events?user_id=seed-{k}&limit=50"),
            Read::NewestEvents => "/api/v1/events?limit=100".into(),
        }
    }
}

impl Scenario for Management {
    type Worker = Picker;
    async fn worker(&self, index: usize) -> Picker {
        Picker(index as u64 + 1)
    }

    async fn step(&self, picker: &mut Picker) -> Result<(), String> {
        let url = format!("{}{}", self.base, self.path(picker));
        let request = get(&url).header("authorization", &self.authorization).body(Bytes::new());
        let answer = ok(send(&self.http, request.map_err(|e| e.to_string())?).await?, 200)?;
        let body = json(&answer)?;
        let found = match self.read {
            Read::UserByAddress => body["users"].as_array().map_or(0, Vec::len),
            Read::UsersEvents | Read::NewestEvents => body["events"].as_array().map_or(0, Vec::len),
        };
        if found == 0 { Err(format!("{url} found nothing")) } else { Ok(()) }
    }
}

/// A management API key with the scopes the reads need, made with the CLI as an operator would.
pub fn api_key(binary: &Path, dir: &Path, config: &Path) -> Result<String, String> {
    let config = config.to_str().ok_or("a UTF-8 path")?;
    let args = ["--config", config, "api-keys", "create", "--name", "bench", "--scopes", "users:read,events:read"];
    let made = std::process::Command::new(binary).args(args).current_dir(dir).output().map_err(|e| e.to_string())?;
    let out = String::from_utf8_lossy(&made.stdout);
    let key = out.lines().find_map(|l| l.strip_prefix("key: ")).map(str::trim);
    key.map(|k| format!("Bearer {k}")).ok_or_else(|| format!("no key: {}", String::from_utf8_lossy(&made.stderr)))
}

/// The three reads against `base`.
pub async fn measure_all(
    rows: &mut Vec<crate::Row>,
    server: &crate::Server,
    key: &str,
    label: &str,
    o: &crate::Options,
) {
    for (read, name) in Read::ALL {
        let scenario = Management {
            http: crate::load::client(),
            base: server.base.clone(),
            authorization: key.into(),
            read,
            users: o.seeded(),
        };
        crate::measure(rows, &format!("{label}{name}"), server, &scenario, o).await;
    }
}
