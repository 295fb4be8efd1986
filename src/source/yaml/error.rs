//! Errors of YAML definitions, each at the line and column of the node it is about.

use miette::SourceSpan;
use std::ops::Range;

use crate::source::SqlSource;

/// What kind of problem a YAML definitions file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Syntax,
    UnknownKey,
    WrongType,
    MissingKey,
    Invalid,
}

/// A problem found while reading a definitions file, before it is tied to the file.
#[derive(Debug, Clone)]
pub(crate) struct Problem {
    pub class: Class,
    pub message: String,
    pub help: String,
    /// Byte range in the file; `None` until the node it is about is known.
    pub at: Option<Range<usize>>,
}

impl Problem {
    pub(crate) fn syntax(message: String, at: Range<usize>) -> Self {
        Problem {
            class: Class::Syntax,
            message,
            help: "fix the YAML syntax at the marked position".into(),
            at: Some(at),
        }
    }

    pub(crate) fn invalid(message: String, help: &str, at: Range<usize>) -> Self {
        Problem {
            class: Class::Invalid,
            message,
            help: help.to_string(),
            at: Some(at),
        }
    }

    /// Place the problem at `at` unless a nested node already placed it.
    pub(crate) fn at(mut self, at: &Range<usize>) -> Self {
        if self.at.is_none() {
            self.at = Some(at.clone());
        }
        self
    }

    /// Tie the problem to its file.
    pub(crate) fn into_error(self, src: SqlSource) -> YamlError {
        let at = self.at.unwrap_or(0..0);
        let len = src.text().len();
        let start = at.start.min(len);
        let end = at.end.clamp(start, len);
        let at: SourceSpan = (start, end - start).into();
        let (message, help) = (self.message, self.help);
        match self.class {
            Class::Syntax => YamlError::Syntax {
                message,
                src,
                at,
                help,
            },
            Class::UnknownKey => YamlError::UnknownKey {
                message,
                src,
                at,
                help,
            },
            Class::WrongType => YamlError::WrongType {
                message,
                src,
                at,
                help,
            },
            Class::MissingKey => YamlError::MissingKey {
                message,
                src,
                at,
                help,
            },
            Class::Invalid => YamlError::Invalid {
                message,
                src,
                at,
                help,
            },
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

impl serde::de::Error for Problem {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Problem {
            class: Class::Invalid,
            message: msg.to_string(),
            help: "see docs/yaml-definitions.md (or `schemadiff config schema --definitions`) for the accepted values".into(),
            at: None,
        }
    }

    fn invalid_type(unexp: serde::de::Unexpected, exp: &dyn serde::de::Expected) -> Self {
        let found = match unexp {
            serde::de::Unexpected::Map => "a mapping".to_string(),
            serde::de::Unexpected::Seq => "a list".to_string(),
            serde::de::Unexpected::Unit => "nothing (null)".to_string(),
            other => other.to_string(),
        };
        Problem {
            class: Class::WrongType,
            message: format!("expected {exp}, found {found}"),
            help: "see docs/yaml-definitions.md for the shape of each key".into(),
            at: None,
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Problem {
            class: Class::UnknownKey,
            message: format!("unknown key `{field}`"),
            help: format!("the keys allowed here are: {}", expected.join(", ")),
            at: None,
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Problem {
            class: Class::Invalid,
            message: format!("unknown value `{variant}`"),
            help: format!("use one of: {}", expected.join(", ")),
            at: None,
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Problem {
            class: Class::MissingKey,
            message: format!("missing key `{field}`"),
            help: format!("add `{field}:` here"),
            at: None,
        }
    }

    fn duplicate_field(field: &'static str) -> Self {
        Problem {
            class: Class::Invalid,
            message: format!("key `{field}` given twice"),
            help: "keep one".into(),
            at: None,
        }
    }
}

/// A YAML definitions file that cannot be read, at the line and column of the problem.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum YamlError {
    #[error("invalid YAML: {message}")]
    #[diagnostic(code(schemadiff::yaml::syntax))]
    Syntax {
        message: String,
        #[source_code]
        src: SqlSource,
        #[label("here")]
        at: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{message}")]
    #[diagnostic(code(schemadiff::yaml::unknown_key))]
    UnknownKey {
        message: String,
        #[source_code]
        src: SqlSource,
        #[label("not a key of this definition")]
        at: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{message}")]
    #[diagnostic(code(schemadiff::yaml::wrong_type))]
    WrongType {
        message: String,
        #[source_code]
        src: SqlSource,
        #[label("this value")]
        at: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{message}")]
    #[diagnostic(code(schemadiff::yaml::missing_key))]
    MissingKey {
        message: String,
        #[source_code]
        src: SqlSource,
        #[label("in this definition")]
        at: SourceSpan,
        #[help]
        help: String,
    },

    #[error("{message}")]
    #[diagnostic(code(schemadiff::yaml::invalid))]
    Invalid {
        message: String,
        #[source_code]
        src: SqlSource,
        #[label("here")]
        at: SourceSpan,
        #[help]
        help: String,
    },
}
