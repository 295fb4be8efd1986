//! Errors of `schemadiff.yaml`, each pointing at the line it comes from.

use crate::source::SqlSource;
use miette::SourceSpan;

/// A problem with the configuration file.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ConfigError {
    #[error("cannot read the configuration {path}: {reason}")]
    #[diagnostic(
        code(schemadiff::config::read),
        help("pass the file with --config, or run in the folder that holds schemadiff.yaml; for one database use --url and --schema")
    )]
    Read { path: String, reason: String },

    #[error("invalid configuration: {message}")]
    #[diagnostic(
        code(schemadiff::config::syntax),
        help("see `schemadiff config schema` for the keys and their types")
    )]
    Syntax {
        message: String,
        #[source_code]
        src: SqlSource,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("invalid configuration: {message}")]
    #[diagnostic(
        code(schemadiff::config::invalid),
        help("see `schemadiff config schema` for the accepted values")
    )]
    Invalid {
        message: String,
        #[source_code]
        src: SqlSource,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("environment variable `{variable}` is not set (service `{service}`)")]
    #[diagnostic(
        code(schemadiff::config::missing_variable),
        help("export {variable}, or give a default with ${{{variable}:-DEFAULT}}")
    )]
    MissingVariable {
        variable: String,
        service: String,
        #[source_code]
        src: SqlSource,
        #[label("`{variable}` is used here")]
        span: SourceSpan,
    },

    #[error("service `{service}` has no URL for environment `{environment}`")]
    #[diagnostic(
        code(schemadiff::config::no_environment),
        help("add `environments: {{ {environment}: URL }}` to the service (declared: {known})")
    )]
    NoEnvironment {
        service: String,
        environment: String,
        known: String,
        #[source_code]
        src: SqlSource,
        #[label("this service")]
        span: SourceSpan,
    },

    #[error("unknown service `{name}` in {path}")]
    #[diagnostic(
        code(schemadiff::config::unknown_service),
        help("the services are: {known}")
    )]
    UnknownService {
        name: String,
        path: String,
        known: String,
    },
}
