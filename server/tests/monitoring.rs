//! The monitoring that ships with the endpoint, checked by the real tools: `promtool` on the
//! alert rules and their unit tests, `promtool check metrics` on a live scrape, and a real
//! Prometheus (loopback, ephemeral port, temporary directory) that scrapes two running instances
//! under a short bounded load and answers every dashboard panel's query with data.
//! scripts/setup.sh installs both (Debian's `prometheus` package).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::stack::{Ask, Served, Stack};
use common::{serve, unique};
use serde_json::{Value, json};

fn monitoring(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("monitoring")
        .join(file)
}

/// Runs a tool to the end; its output, or a failure that says how to get it.
fn run(program: &str, args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let mut child = Command::new(program)
        .args(args)
        .current_dir(monitoring(""))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| {
            panic!(
                "{program} runs (scripts/setup.sh installs it: apt-get install prometheus): {error}"
            )
        });
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        std::io::Write::write_all(&mut input, text.as_bytes()).unwrap();
    }
    drop(input);
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn promtool_accepts_the_rules_and_every_alert_fires_in_its_unit_test() {
    let (ok, out) = run("promtool", &["check", "rules", "alerts.yml"], None);
    assert!(ok, "promtool check rules:\n{out}");
    println!("{out}");
    let (ok, out) = run("promtool", &["test", "rules", "alerts.test.yml"], None);
    assert!(ok, "promtool test rules:\n{out}");

    // Every alert of the rules file has a unit test that expects it to fire, and a runbook.
    let rules = std::fs::read_to_string(monitoring("alerts.yml")).unwrap();
    let tests = std::fs::read_to_string(monitoring("alerts.test.yml")).unwrap();
    let alerts: Vec<&str> = rules
        .lines()
        .filter_map(|line| line.trim().strip_prefix("- alert: "))
        .collect();
    assert!(alerts.len() >= 9, "{alerts:?}");
    assert_eq!(rules.matches("runbook: >-").count(), alerts.len());
    for alert in &alerts {
        let firing = format!("alertname: {alert}\n        exp_alerts:\n          - exp_labels");
        assert!(
            tests.contains(&firing),
            "no unit test in which {alert} fires"
        );
    }
}

/// A Prometheus of its own, killed and its directory removed when dropped.
struct Prometheus {
    child: Child,
    dir: PathBuf,
    url: String,
}

impl Prometheus {
    fn start(targets: &[String]) -> Self {
        let dir = std::env::temp_dir().join(unique("authgear-migrate-prometheus"));
        std::fs::create_dir_all(&dir).unwrap();
        let targets: Vec<String> = targets.iter().map(|t| format!("'{t}'")).collect();
        let config = format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n  - '{}'\n\
             scrape_configs:\n  - job_name: authgear-migrate\n    static_configs:\n      - targets: [{}]\n",
            monitoring("alerts.yml").display(),
            targets.join(", ")
        );
        std::fs::write(dir.join("prometheus.yml"), config).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("prometheus runs (scripts/setup.sh installs it: apt-get install prometheus)");
        Self {
            child,
            dir,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn query(&self, http: &reqwest::Client, expr: &str) -> Vec<Value> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/api/v1/query", self.url),
            [("query", expr)],
        )
        .unwrap();
        let answer: Value = serde_json::from_str(&get(http, url.as_str()).await).unwrap();
        assert_eq!(answer["status"], "success", "{expr}: {answer}");
        answer["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn get(http: &reqwest::Client, url: &str) -> String {
    http.get(url).send().await.unwrap().text().await.unwrap()
}

/// A sample's value is a number, not NaN (a histogram with no observations in the window).
fn has_number(result: &[Value]) -> bool {
    result.iter().any(|sample| {
        sample["value"][1]
            .as_str()
            .and_then(|value| value.parse::<f64>().ok())
            .is_some_and(f64::is_finite)
    })
}

/// Every query of every panel, with Grafana's `$__rate_interval` as a window that holds
/// several 1 s scrapes.
fn panel_queries() -> Vec<(String, String)> {
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(monitoring("dashboard.json")).unwrap())
            .unwrap();
    let mut queries = Vec::new();
    for panel in dashboard["panels"].as_array().unwrap() {
        for target in panel["targets"].as_array().unwrap() {
            let expr = target["expr"].as_str().unwrap();
            assert!(!expr.contains("$job"), "{expr}");
            queries.push((
                panel["title"].as_str().unwrap().to_owned(),
                expr.replace("$__rate_interval", "30s"),
            ));
        }
    }
    queries
}

/// A round of traffic: a migration, its replay (refused), a forged token (refused), and an
/// exchange on the instance whose kill switch is on (503).
async fn traffic(stack: &Stack, open: &Served, paused: &Served) {
    let token = stack.mint(json!({})).await;
    let migrated = Ask::access(&token).send(&stack.http, &open.url).await;
    assert_eq!(migrated.status, 200, "{}", migrated.text);
    let replayed = Ask::access(&token).send(&stack.http, &open.url).await;
    assert_eq!(replayed.status, 400, "{}", replayed.text);
    let forged = Ask::access("eyJhbGciOiJub25lIn0.e30.")
        .send(&stack.http, &open.url)
        .await;
    assert_eq!(forged.status, 400, "{}", forged.text);
    let paused = Ask::access(&token).send(&stack.http, &paused.url).await;
    assert_eq!(paused.status, 503, "{}", paused.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_prometheus_scrapes_the_endpoint_and_answers_every_panel() {
    let stack = Stack::start().await;
    let open = stack.endpoint(&[("IMPORTED_USERS", "4")]).await;
    let paused = stack.endpoint(&[("KILL_SWITCH", "true")]).await;
    // As the binary serves them: /metrics on a listener of its own.
    let ops = [
        serve(open.endpoint.ops_router()).await.to_string(),
        serve(paused.endpoint.ops_router()).await.to_string(),
    ];
    traffic(&stack, &open, &paused).await;

    // The exposition passes Prometheus's own linter.
    let scrape = get(&stack.http, &format!("http://{}/metrics", ops[0])).await;
    let (ok, lint) = run("promtool", &["check", "metrics"], Some(&scrape));
    assert!(
        ok && lint.trim().is_empty(),
        "promtool check metrics:\n{lint}\n{scrape}"
    );

    let prometheus = Prometheus::start(&ops);
    let queries = panel_queries();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(60);
    let mut rounds = 1;
    let mut waiting: Vec<&(String, String)> = queries.iter().collect();
    // Traffic keeps coming (bounded: one round per check, at most 60 s) until every panel
    // has a number; then the alert rules must have evaluated without error.
    while !waiting.is_empty() && Instant::now() < deadline {
        traffic(&stack, &open, &paused).await;
        rounds += 1;
        tokio::time::sleep(Duration::from_millis(250)).await;
        let mut still = Vec::new();
        for query in waiting {
            let answered = match stack
                .http
                .get(format!("{}/-/ready", prometheus.url))
                .send()
                .await
            {
                Ok(response) if response.status() == 200 => {
                    has_number(&prometheus.query(&stack.http, &query.1).await)
                }
                _ => false,
            };
            if !answered {
                still.push(query);
            }
        }
        waiting = still;
    }
    assert!(
        waiting.is_empty(),
        "panels without data after {rounds} rounds of traffic: {waiting:#?}"
    );
    println!(
        "every one of {} panel queries answered with data after {:.1} s ({rounds} rounds of traffic)",
        queries.len(),
        started.elapsed().as_secs_f64()
    );
    let up = prometheus
        .query(&stack.http, "sum(up{job=\"authgear-migrate\"})")
        .await;
    assert_eq!(up[0]["value"][1], "2");
    let share = prometheus
        .query(
            &stack.http,
            "100 * max(authgear_migrate_migrated_users) / max(authgear_migrate_imported_users)",
        )
        .await;
    // One devstack user migrated, of the 4 said imported.
    assert_eq!(share[0]["value"][1], "25");

    let rules: Value =
        serde_json::from_str(&get(&stack.http, &format!("{}/api/v1/rules", prometheus.url)).await)
            .unwrap();
    let rules = rules["data"]["groups"][0]["rules"].as_array().unwrap();
    assert!(rules.len() >= 9);
    for rule in rules {
        assert_eq!(rule["health"], "ok", "{rule}");
    }
    // The kill switch of the second instance is seen for what it is.
    let kill_switch = rules
        .iter()
        .find(|rule| rule["name"] == "AuthgearMigrateKillSwitchOn")
        .unwrap();
    assert_ne!(kill_switch["state"], "inactive", "{kill_switch}");
    drop(prometheus);
    stack.stop().await;
}

const BINARY: &str = env!("CARGO_BIN_EXE_authgear-migrate-server");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn the_binary_serves_metrics_on_the_ops_listener_only() {
    let stack = Stack::start().await;
    let (port, ops_port) = (free_port(), free_port());
    let mut env = stack.env();
    env.insert("LISTEN_ADDR", format!("127.0.0.1:{port}"));
    env.insert("OPS_LISTEN_ADDR", format!("127.0.0.1:{ops_port}"));
    let mut child = tokio::process::Command::new(BINARY)
        .env_clear()
        .envs(env.iter().map(|(name, value)| (*name, value.as_str())))
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let get = |url: String| {
        let http = stack.http.clone();
        async move { http.get(url).send().await.map(|r| r.status().as_u16()).ok() }
    };
    let mut up = false;
    for _ in 0..50 {
        if get(format!("http://127.0.0.1:{ops_port}/healthz")).await == Some(200) {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(up, "the binary's ops listener did not answer within 5 s");
    assert_eq!(
        get(format!("http://127.0.0.1:{ops_port}/metrics")).await,
        Some(200)
    );
    // Beside the exchange: the load balancer's /healthz, and no /metrics.
    assert_eq!(
        get(format!("http://127.0.0.1:{port}/healthz")).await,
        Some(200)
    );
    assert_eq!(
        get(format!("http://127.0.0.1:{port}/metrics")).await,
        Some(404)
    );
    child.kill().await.unwrap();
    stack.stop().await;
}
