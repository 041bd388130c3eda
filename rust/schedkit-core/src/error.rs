//! The one error type of the core crate. The binding crate maps each variant to one
//! class of `schedkit.exceptions`.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum CoreError {
    /// Bad input: names the field and, where there is one, the offending index.
    #[error("{field}{}: {message}", index.map(|i| format!("[{i}]")).unwrap_or_default())]
    InvalidInstance {
        field: String,
        index: Option<usize>,
        message: String,
    },
    /// A precedence graph given in `field` has a cycle; `tasks` lists it, first task repeated
    /// at the end. Carried as data so bindings can name the tasks without parsing text.
    #[error("{field}: the graph has a cycle: {}", tasks.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" -> "))]
    Cycle { field: String, tasks: Vec<usize> },
    /// The instance is valid but no feasible solution exists.
    #[error("infeasible: {0}")]
    Infeasible(String),
    /// The caller's stop flag was raised (Ctrl-C reaches the core this way).
    #[error("interrupted")]
    Interrupted,
}

pub type CoreResult<T> = Result<T, CoreError>;

impl CoreError {
    pub fn invalid(field: &str, index: Option<usize>, message: impl Into<String>) -> Self {
        CoreError::InvalidInstance {
            field: field.to_string(),
            index,
            message: message.into(),
        }
    }
}
