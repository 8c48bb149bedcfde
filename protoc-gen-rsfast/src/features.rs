//! Editions features, resolved: proto2 and proto3 are presets, editions start from their
//! edition's defaults, and every `features` option on the way from file to field
//! (file → enclosing messages → message → oneof → field) overrides what is above it.
//! The model asks these resolved facts and never looks at the syntax again.

use crate::descriptor::feature_set::{
    EnumType, FieldPresence, MessageEncoding, RepeatedFieldEncoding,
};
use crate::descriptor::{Edition, FeatureSet, FileDescriptorProto};
use crate::Error;

/// The newest edition rsfast generates code for.
pub const MAXIMUM_EDITION: Edition = Edition::Edition2024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    Explicit,
    Implicit,
    LegacyRequired,
}

/// The features rsfast's output depends on, resolved for one scope.
#[derive(Clone, Copy, Debug)]
pub struct Features {
    pub presence: Presence,
    /// Enums declared in this scope are closed.
    pub closed_enums: bool,
    /// Repeated scalars are packed.
    pub packed: bool,
    /// Message fields use the group (start/end tag) encoding.
    pub delimited: bool,
}

impl Features {
    /// The defaults of a file's syntax or edition, before any `features` option.
    pub fn file_defaults(file: &FileDescriptorProto) -> Result<Features, Error> {
        let proto2 = Features {
            presence: Presence::Explicit,
            closed_enums: true,
            packed: false,
            delimited: false,
        };
        match file.syntax() {
            "" | "proto2" => Ok(proto2),
            "proto3" => Ok(Features {
                presence: Presence::Implicit,
                closed_enums: false,
                packed: true,
                delimited: false,
            }),
            "editions" => match file.edition() {
                Edition::Edition2023 | Edition::Edition2024 => Ok(Features {
                    presence: Presence::Explicit,
                    closed_enums: false,
                    packed: true,
                    delimited: false,
                }),
                other => Err(Error::in_file(
                    file.name(),
                    format!("edition {other:?} is not supported (up to {MAXIMUM_EDITION:?})"),
                )),
            },
            other => Err(Error::in_file(
                file.name(),
                format!("unknown syntax {other:?}"),
            )),
        }
    }

    /// These features with a scope's `features` option applied on top.
    pub fn with(self, set: Option<&FeatureSet>) -> Features {
        let Some(set) = set else { return self };
        let mut out = self;
        if let Some(p) = set.field_presence {
            out.presence = match p {
                FieldPresence::Explicit => Presence::Explicit,
                FieldPresence::Implicit => Presence::Implicit,
                FieldPresence::LegacyRequired => Presence::LegacyRequired,
                FieldPresence::Unknown => out.presence,
            };
        }
        match set.enum_type {
            Some(EnumType::Open) => out.closed_enums = false,
            Some(EnumType::Closed) => out.closed_enums = true,
            _ => {}
        }
        match set.repeated_field_encoding {
            Some(RepeatedFieldEncoding::Packed) => out.packed = true,
            Some(RepeatedFieldEncoding::Expanded) => out.packed = false,
            _ => {}
        }
        match set.message_encoding {
            Some(MessageEncoding::Delimited) => out.delimited = true,
            Some(MessageEncoding::LengthPrefixed) => out.delimited = false,
            _ => {}
        }
        out
    }
}
