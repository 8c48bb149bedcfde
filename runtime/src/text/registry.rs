//! The registry bracketed names resolve through: message types by full name (for
//! `Any`) and extensions by extendee and name or number. Generated code (with the
//! `text` option) offers `register_text_types(&mut Registry)` per package; the
//! well-known types are always in.

use std::collections::HashMap;
use std::fmt;

use super::{Parser, Printer, TextCodec, TextError, TextMessage};
use crate::extension::ExtensionType;
use crate::{DecodeError, Extension, Message, Name, UnknownFields};

/// Prints an encoded message under a label (`[type_url]`).
type PrintMessage = fn(&[u8], &str, &mut Printer<'_>) -> Result<(), DecodeError>;
/// Parses a message body and encodes it.
type ParseMessage = fn(&mut Parser<'_>) -> Result<Vec<u8>, TextError>;

#[derive(Clone, Copy)]
pub(crate) struct MessageEntry {
    pub(crate) print: PrintMessage,
    pub(crate) parse: ParseMessage,
}

/// Prints the records of one extension number, by name.
type PrintExtension = fn(u32, &str, &UnknownFields, &mut Printer<'_>) -> Result<(), DecodeError>;
/// Parses one field's value (or list) and appends its records.
type ParseExtension =
    fn(u32, &'static str, &mut Parser<'_>, &mut UnknownFields) -> Result<(), TextError>;

#[derive(Clone, Copy)]
pub(crate) struct ExtensionEntry {
    pub(crate) number: u32,
    pub(crate) name: &'static str,
    pub(crate) print: PrintExtension,
    pub(crate) parse: ParseExtension,
}

/// Message types and extensions known by name.
#[derive(Clone)]
pub struct Registry {
    messages: HashMap<&'static str, MessageEntry>,
    /// By extendee full name, then extension full name.
    extensions: HashMap<&'static str, HashMap<&'static str, ExtensionEntry>>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<_> = self.messages.keys().collect();
        names.sort();
        f.debug_struct("Registry")
            .field("messages", &names)
            .finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

fn print_message<M: Message + TextMessage>(
    bytes: &[u8],
    label: &str,
    p: &mut Printer<'_>,
) -> Result<(), DecodeError> {
    let message = M::decode(bytes)?;
    p.name(label);
    p.message(&message);
    Ok(())
}

fn parse_message<M: Message + TextMessage + Default>(
    p: &mut Parser<'_>,
) -> Result<Vec<u8>, TextError> {
    let mut message = M::default();
    p.merge_message_body(&mut message)?;
    Ok(message.encode_to_vec())
}

impl Registry {
    /// A registry of the well-known types.
    pub fn new() -> Self {
        let mut registry = Registry {
            messages: HashMap::new(),
            extensions: HashMap::new(),
        };
        crate::wkt::register_text_types(&mut registry);
        registry
    }

    /// Adds message type `M` (what generated `register_text_types` functions call).
    pub fn register<M: Message + TextMessage + Name + Default>(&mut self) -> &mut Self {
        self.messages.insert(
            M::FULL_NAME,
            MessageEntry {
                print: print_message::<M>,
                parse: parse_message::<M>,
            },
        );
        self
    }

    /// Adds a singular extension, its values printed and parsed by codec `C`.
    pub fn register_extension<M, T, C>(&mut self, ext: &Extension<M, T>) -> &mut Self
    where
        M: Name,
        T: ExtensionType<Value = C::Value>,
        C: TextCodec,
    {
        fn print<T: ExtensionType<Value = C::Value>, C: TextCodec>(
            number: u32,
            name: &str,
            storage: &UnknownFields,
            p: &mut Printer<'_>,
        ) -> Result<(), DecodeError> {
            if let Some(value) = T::read(number, records(storage, number))? {
                p.field::<C>(&format!("[{name}]"), &value);
            }
            Ok(())
        }
        fn parse<T: ExtensionType<Value = C::Value>, C: TextCodec>(
            number: u32,
            name: &'static str,
            p: &mut Parser<'_>,
            storage: &mut UnknownFields,
        ) -> Result<(), TextError> {
            let value = p.field::<C>(name)?;
            storage.remove_field(number);
            T::write(number, &value, storage);
            Ok(())
        }
        self.insert_extension::<M>(ext.number(), ext.name(), print::<T, C>, parse::<T, C>)
    }

    /// Adds a repeated extension, its values printed and parsed by codec `C`.
    pub fn register_repeated_extension<M, T, C>(&mut self, ext: &Extension<M, T>) -> &mut Self
    where
        M: Name,
        T: ExtensionType<Value = Vec<C::Value>>,
        C: TextCodec,
    {
        fn print<T: ExtensionType<Value = Vec<C::Value>>, C: TextCodec>(
            number: u32,
            name: &str,
            storage: &UnknownFields,
            p: &mut Printer<'_>,
        ) -> Result<(), DecodeError> {
            if let Some(values) = T::read(number, records(storage, number))? {
                p.repeated::<C>(&format!("[{name}]"), &values);
            }
            Ok(())
        }
        fn parse<T: ExtensionType<Value = Vec<C::Value>>, C: TextCodec>(
            number: u32,
            name: &'static str,
            p: &mut Parser<'_>,
            storage: &mut UnknownFields,
        ) -> Result<(), TextError> {
            // Rewritten whole, so that a packed extension stays one record.
            let mut values = T::read(number, records(storage, number))
                .ok()
                .flatten()
                .unwrap_or_default();
            p.repeated::<C>(name, &mut values)?;
            storage.remove_field(number);
            T::write(number, &values, storage);
            Ok(())
        }
        self.insert_extension::<M>(ext.number(), ext.name(), print::<T, C>, parse::<T, C>)
    }

    fn insert_extension<M: Name>(
        &mut self,
        number: u32,
        name: &'static str,
        print: PrintExtension,
        parse: ParseExtension,
    ) -> &mut Self {
        self.extensions.entry(M::FULL_NAME).or_default().insert(
            name,
            ExtensionEntry {
                number,
                name,
                print,
                parse,
            },
        );
        self
    }

    /// Whether message type `full_name` is registered.
    pub fn contains(&self, full_name: &str) -> bool {
        self.messages.contains_key(full_name)
    }

    pub(crate) fn message(&self, full_name: &str) -> Option<MessageEntry> {
        self.messages.get(full_name).copied()
    }

    pub(crate) fn extension_by_name(&self, extendee: &str, name: &str) -> Option<ExtensionEntry> {
        self.extensions.get(extendee)?.get(name).copied()
    }

    pub(crate) fn extension_by_number(
        &self,
        extendee: &str,
        number: u32,
    ) -> Option<ExtensionEntry> {
        self.extensions
            .get(extendee)?
            .values()
            .find(|e| e.number == number)
            .copied()
    }
}

fn records(storage: &UnknownFields, number: u32) -> impl Iterator<Item = (u32, &[u8])> {
    storage
        .records()
        .filter(move |(tag, _)| crate::wire::field_number(*tag) == number)
}
