//! Decode and encode errors.

use core::fmt;

/// What went wrong while decoding.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended in the middle of a value.
    Truncated,
    /// A varint longer than ten bytes, or one whose value does not fit 64 bits.
    VarintOverflow,
    /// A length prefix that points past the end of the input.
    LengthOutOfBounds { len: u64, remaining: usize },
    /// A tag whose value does not fit 32 bits.
    InvalidTag(u64),
    /// Field number 0 is reserved and never valid on the wire.
    FieldNumberZero,
    /// Wire types 6 and 7 do not exist.
    InvalidWireType(u8),
    /// An end-group tag with no matching start-group tag.
    UnexpectedEndGroup { field_number: u32 },
    /// The input ended inside a group.
    UnterminatedGroup { field_number: u32 },
    /// Nesting deeper than the recursion limit.
    RecursionLimitExceeded,
    /// A string field that is not valid UTF-8.
    InvalidUtf8,
    /// A packed fixed-width field whose length is not a multiple of the element size.
    InvalidPackedLength,
    /// A required field was not present.
    MissingRequiredField,
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeErrorKind::Truncated => f.write_str("unexpected end of input"),
            DecodeErrorKind::VarintOverflow => f.write_str("varint overflows 64 bits"),
            DecodeErrorKind::LengthOutOfBounds { len, remaining } => write!(
                f,
                "length prefix {len} exceeds the {remaining} bytes remaining"
            ),
            DecodeErrorKind::InvalidTag(tag) => write!(f, "invalid tag {tag}"),
            DecodeErrorKind::FieldNumberZero => f.write_str("field number 0 is invalid"),
            DecodeErrorKind::InvalidWireType(w) => write!(f, "invalid wire type {w}"),
            DecodeErrorKind::UnexpectedEndGroup { field_number } => {
                write!(f, "unexpected end-group tag for field {field_number}")
            }
            DecodeErrorKind::UnterminatedGroup { field_number } => {
                write!(f, "input ended inside group field {field_number}")
            }
            DecodeErrorKind::RecursionLimitExceeded => f.write_str("recursion limit exceeded"),
            DecodeErrorKind::InvalidUtf8 => f.write_str("string is not valid UTF-8"),
            DecodeErrorKind::InvalidPackedLength => {
                f.write_str("packed length is not a multiple of the element size")
            }
            DecodeErrorKind::MissingRequiredField => f.write_str("required field is missing"),
        }
    }
}

/// A decode failure: what went wrong and in which field, outermost first.
///
/// Boxed so that `Result<T, DecodeError>` stays one pointer wide on the happy path.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError {
    inner: Box<Inner>,
}

#[derive(Clone, PartialEq, Eq)]
struct Inner {
    kind: DecodeErrorKind,
    /// (message, field) pairs, innermost first, as the error travelled outwards.
    path: Vec<(&'static str, &'static str)>,
}

impl DecodeError {
    #[cold]
    pub fn new(kind: DecodeErrorKind) -> Self {
        DecodeError {
            inner: Box::new(Inner {
                kind,
                path: Vec::new(),
            }),
        }
    }

    /// Records that the error happened while decoding `message.field`.
    #[cold]
    #[must_use]
    pub fn in_field(mut self, message: &'static str, field: &'static str) -> Self {
        self.inner.path.push((message, field));
        self
    }

    pub fn kind(&self) -> &DecodeErrorKind {
        &self.inner.kind
    }

    /// The field path, outermost first, as `(message, field)` pairs.
    pub fn path(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.inner.path.iter().rev().copied()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("failed to decode protobuf message: ")?;
        for (i, (message, field)) in self.path().enumerate() {
            if i > 0 {
                f.write_str(" > ")?;
            }
            write!(f, "{message}.{field}")?;
        }
        if !self.inner.path.is_empty() {
            f.write_str(": ")?;
        }
        fmt::Display::fmt(&self.inner.kind, f)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.inner.kind)
            .field("path", &self.path().collect::<Vec<_>>())
            .finish()
    }
}

impl std::error::Error for DecodeError {}

/// The buffer handed to `encode` has too little room for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeError {
    required: usize,
    remaining: usize,
}

impl EncodeError {
    pub(crate) fn new(required: usize, remaining: usize) -> Self {
        EncodeError {
            required,
            remaining,
        }
    }

    pub fn required_capacity(&self) -> usize {
        self.required
    }

    pub fn remaining(&self) -> usize {
        self.remaining
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "failed to encode protobuf message: {} bytes required, {} remaining in the buffer",
            self.required, self.remaining
        )
    }
}

impl std::error::Error for EncodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_path_outermost_first() {
        let e = DecodeError::new(DecodeErrorKind::InvalidUtf8)
            .in_field("pkg.Inner", "name")
            .in_field("pkg.Outer", "child");
        assert_eq!(
            e.to_string(),
            "failed to decode protobuf message: pkg.Outer.child > pkg.Inner.name: string is not valid UTF-8"
        );
        assert_eq!(core::mem::size_of::<Result<(), DecodeError>>(), 8);
    }
}
