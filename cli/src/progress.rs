//! Progress on stderr: a bar with rate and ETA when stderr is a terminal, one plain line per
//! completed batch otherwise (logs, CI), nothing with `--progress none`.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// A bar on a terminal, plain lines otherwise.
    Auto,
    Bar,
    Plain,
    None,
}

pub enum Progress {
    Bar(ProgressBar),
    Plain {
        started: Instant,
        total: u64,
        /// Records already done before this run (a resumed upload).
        already: u64,
    },
    Silent,
}

impl Progress {
    pub fn new(mode: ProgressMode, total: u64, already: u64) -> Self {
        let bar = match mode {
            ProgressMode::Auto => std::io::stderr().is_terminal(),
            ProgressMode::Bar => true,
            ProgressMode::Plain => false,
            ProgressMode::None => return Self::Silent,
        };
        if bar {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} users · {rate} · ETA {eta} · {msg}",
                )
                .expect("the template is valid")
                .with_key("rate", |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                    let _ = write!(out, "{:.0}/s", state.per_sec());
                })
                .progress_chars("=> "),
            );
            bar.set_position(already);
            bar.reset_eta();
            bar.enable_steady_tick(Duration::from_millis(200));
            Self::Bar(bar)
        } else {
            Self::Plain {
                started: Instant::now(),
                total,
                already,
            }
        }
    }

    /// `done` records are finished (over every run); `what` says what just happened.
    pub fn advance(&self, done: u64, what: &str) {
        match self {
            Self::Bar(bar) => {
                bar.set_position(done);
                bar.set_message(what.to_owned());
            }
            Self::Plain {
                started,
                total,
                already,
            } => {
                let elapsed = started.elapsed().as_secs_f64().max(0.001);
                let rate = done.saturating_sub(*already) as f64 / elapsed;
                let eta = if rate > 0.0 {
                    format!("{:.0}s", total.saturating_sub(done) as f64 / rate)
                } else {
                    "?".into()
                };
                eprintln!("import: {done}/{total} users · {rate:.0}/s · ETA {eta} · {what}");
            }
            Self::Silent => {}
        }
    }

    /// A line that is not progress (a retry, a resumed batch).
    pub fn note(&self, text: &str) {
        match self {
            Self::Bar(bar) => bar.println(text),
            Self::Plain { .. } => eprintln!("import: {text}"),
            Self::Silent => {}
        }
    }

    pub fn finish(&self) {
        if let Self::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}
