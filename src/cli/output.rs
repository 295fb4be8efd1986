//! stdout is the product; everything else goes to stderr. A closed pipe is not an error.

use crate::render::Style;
use std::io::{IsTerminal, Write};

/// Exit statuses of the SPEC: 0 success, 2 success with changes or drift, 1 error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    Changes,
    /// The report is written but something failed (a service of a fleet run).
    Failed,
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Changes => 2,
            Exit::Failed => 1,
        }
    }
}

/// Where commands write: the product to stdout, progress and notes to stderr.
pub struct Output {
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    pub color: bool,
    closed: bool,
}

impl Default for Output {
    fn default() -> Self {
        Self::new()
    }
}

impl Output {
    pub fn new() -> Output {
        let stdout_tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Output {
            stdout_tty,
            stderr_tty: std::io::stderr().is_terminal(),
            color: stdout_tty && !no_color,
            closed: false,
        }
    }

    pub fn style(&self) -> Style {
        Style { color: self.color }
    }

    /// Write the product. A closed pipe (`| head`) stops output quietly.
    pub fn product(&mut self, text: &str) {
        if self.closed {
            return;
        }
        let mut out = std::io::stdout().lock();
        if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                self.closed = true;
            }
        }
    }

    /// A line for the person running the command.
    pub fn note(&self, text: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{text}");
    }
}
