//! Why a trace cannot be used: the file, the line where there is one, and what was
//! expected.

/// A trace that cannot be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TraceError {
    /// A trace option is out of range (the scenario's validation should have caught it;
    /// [`super::load`] checks again).
    #[error("trace option `{field}`: {message}")]
    Option {
        field: &'static str,
        message: String,
    },
    /// The file as a whole: it cannot be opened, is empty, holds no data, or its data as
    /// a whole is unusable (too many unreadable lines, an empty window).
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// One line or row of the file.
    #[error("{file}:{line}: {message}")]
    Line {
        file: String,
        line: u64,
        message: String,
    },
}

impl TraceError {
    pub(crate) fn option(field: &'static str, message: impl Into<String>) -> TraceError {
        TraceError::Option {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn file(file: &str, message: impl Into<String>) -> TraceError {
        TraceError::File {
            file: file.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn line(file: &str, line: u64, message: impl Into<String>) -> TraceError {
        TraceError::Line {
            file: file.to_string(),
            line,
            message: message.into(),
        }
    }
}
