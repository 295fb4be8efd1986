//! Apply progress on stderr: a bar on a terminal, one plain line per step otherwise.

use crate::apply::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Receives apply's progress events and shows them.
pub struct Reporter {
    bar: Option<ProgressBar>,
    tty: bool,
}

impl Reporter {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub fn new(stderr_tty: bool) -> Reporter {
        Reporter {
            bar: None,
            tty: stderr_tty,
        }
    }

    fn line(&self, text: String) {
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub fn event(&mut self, p: Progress<'_>) {
        match p {
            Progress::Started { total } => {
                if self.tty {
                    let bar = ProgressBar::with_draw_target(
                        Some(total as u64),
                        ProgressDrawTarget::stderr(),
                    );
                    bar.set_style(
                        ProgressStyle::with_template(
                            "{spinner} [{bar:30}] {pos}/{len} {elapsed:>4} {wide_msg}",
                        )
                        .expect("valid template")
                        .progress_chars("=> "),
                    );
                    bar.enable_steady_tick(std::time::Duration::from_millis(120));
                    self.bar = Some(bar);
                } else {
                    eprintln!("applying {total} steps");
                }
            }
            Progress::Running {
                index,
                last,
                step,
                attempt,
                ..
            } => {
                if let Some(bar) = &self.bar {
                    let again = if attempt > 1 {
                        format!(" (attempt {attempt})")
                    } else {
                        String::new()
                    };
                    let steps = if last > index {
                        format!("steps {index}-{last} (one transaction)")
                    } else {
                        format!("step {index}")
                    };
                    bar.set_message(format!(
                        "{steps}: {} {}{again}",
                        step.action.as_str(),
                        step.object
                    ));
                }
            }
            Progress::StepDone {
                index,
                total,
                step,
                elapsed,
                attempts,
            } => {
                let tries = if attempts > 1 {
                    format!(", {attempts} attempts")
                } else {
                    String::new()
                };
                self.line(format!(
                    "[{index}/{total}] {} {} ({} ms{tries})",
                    step.action.as_str(),
                    step.object,
                    elapsed.as_millis()
                ));
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                }
            }
            Progress::Retrying {
                index,
                attempt,
                wait,
                reason,
            } => self.line(format!(
                "step {index}: {reason}; retry {attempt} in {} ms",
                wait.as_millis()
            )),
            Progress::Cleaned { index, index_name } => self.line(format!(
                "step {index}: dropped the INVALID index {index_name} the failed build left"
            )),
        }
    }

    /// Remove the bar (before the final notes or an error).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
