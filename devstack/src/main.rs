//! `devstack`: starts the stand-ins, prints where they are as one JSON line, and runs until
//! SIGINT, SIGTERM, or the end of stdin when stdin is a pipe (so that a test runner that dies
//! does not leave it behind).

use std::io::Write as _;
use std::process::ExitCode;

use authgear_migrate_devstack::{Command, Devstack, Options, USAGE};
use tokio::signal::unix::{Signal, SignalKind, signal};

fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(Command::Run(options)) => options,
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("devstack: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("devstack: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(options))
}

async fn run(options: Options) -> ExitCode {
    let devstack = match Devstack::start(&options).await {
        Ok(devstack) => devstack,
        Err(err) => {
            eprintln!("devstack: {err}");
            return ExitCode::FAILURE;
        }
    };
    // Before the line is printed: whoever reads it may signal at once.
    let stop = match StopSignals::install() {
        Ok(stop) => stop,
        Err(err) => {
            eprintln!("devstack: cannot handle signals: {err}");
            return ExitCode::FAILURE;
        }
    };
    let line = serde_json::to_string(devstack.config()).expect("the config serializes");
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{line}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        eprintln!("devstack: cannot write to stdout");
    }
    drop(stdout);
    let reason = stop.wait().await;
    eprintln!("devstack: {reason}, stopping");
    devstack.stop().await;
    ExitCode::SUCCESS
}

/// SIGINT and SIGTERM, handled from the moment they are installed.
struct StopSignals {
    interrupt: Signal,
    terminate: Signal,
}

impl StopSignals {
    fn install() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for SIGINT, SIGTERM, or EOF on a piped stdin; says which.
    async fn wait(mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
            () = stdin_closed() => "stdin closed",
        }
    }
}

/// Completes when a piped stdin reaches EOF; never, when stdin is a terminal or a file such as
/// /dev/null (reading a terminal from the background would stop the process, and /dev/null
/// would end it at once).
async fn stdin_closed() {
    if !stdin_is_pipe() {
        return std::future::pending().await;
    }
    let (closed, wait) = tokio::sync::oneshot::channel();
    // A plain thread: tokio's stdin reads on a blocking thread that cannot be cancelled and
    // would hold up the runtime's shutdown.
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
        let _ = closed.send(());
    });
    let _ = wait.await;
}

fn stdin_is_pipe() -> bool {
    use std::os::fd::AsFd as _;
    use std::os::unix::fs::FileTypeExt as _;
    std::io::stdin()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|file| file.metadata())
        .is_ok_and(|metadata| {
            let kind = metadata.file_type();
            kind.is_fifo() || kind.is_socket()
        })
}
