//! [`Name`]: a message type's full protobuf name, which `Any` type URLs and JSON
//! registries key on.

/// Implemented by every generated message.
pub trait Name {
    /// The full name, package included: `google.protobuf.Timestamp`.
    const FULL_NAME: &'static str;

    /// The type URL `Any` uses: `type.googleapis.com/` followed by the full name.
    fn type_url() -> String {
        format!("{}{}", crate::wkt::TYPE_URL_PREFIX, Self::FULL_NAME)
    }
}
