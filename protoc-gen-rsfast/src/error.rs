//! Generator errors: values with proto context, never panics.

use std::fmt;

#[derive(Debug)]
pub struct Error {
    message: String,
}

impl Error {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Error {
            message: message.into(),
        }
    }

    /// An error about `what` in .proto file `file`.
    pub(crate) fn in_file(file: &str, what: impl fmt::Display) -> Self {
        Error::new(format!("{file}: {what}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::new(e.to_string())
    }
}

impl From<protox::Error> for Error {
    fn from(e: protox::Error) -> Self {
        Error::new(e.to_string())
    }
}
