//! A real `redis-server` for the tests, on a free loopback port, with no persistence; killed
//! when dropped. scripts/setup.sh installs it; without it the tests fail and say so.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Child,
    pub port: u16,
}

impl RedisServer {
    pub fn start() -> Self {
        // A port that was free a moment ago; another process may take it in between, so a
        // start that does not answer is retried on a new port.
        for _ in 0..5 {
            let port = TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            if let Some(server) = Self::try_on(port) {
                return server;
            }
        }
        panic!("redis-server did not answer PING on any of 5 ports");
    }

    /// A new server on `port` (one a server of this test just left).
    pub fn start_on(port: u16) -> Self {
        for _ in 0..10 {
            if let Some(server) = Self::try_on(port) {
                return server;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("redis-server did not start again on port {port}");
    }

    fn try_on(port: u16) -> Option<Self> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "redis-server runs (scripts/setup.sh installs it: apt-get install redis-server)",
            );
        let mut server = Self { child, port };
        if server.answers_ping(Duration::from_secs(5)) {
            return Some(server);
        }
        let _ = server.child.kill();
        let _ = server.child.wait();
        None
    }

    /// `CLIENT PAUSE ms`: every other client's commands wait (queued, then run) for `ms`.
    pub fn pause(&self, ms: u64) {
        let ms = ms.to_string();
        let command = format!(
            "*3\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n${}\r\n{ms}\r\n",
            ms.len()
        );
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream.write_all(command.as_bytes()).unwrap();
        let mut reply = [0u8; 5];
        stream.read_exact(&mut reply).unwrap();
        assert_eq!(&reply, b"+OK\r\n");
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn answers_ping(&mut self, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let mut reply = [0u8; 7];
                if stream.write_all(b"PING\r\n").is_ok()
                    && stream.read_exact(&mut reply).is_ok()
                    && &reply == b"+PONG\r\n"
                {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
