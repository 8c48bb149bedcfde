//! `merge_from`: one `match` on the whole tag (field number and wire type together), a
//! specialised arm per field; a known field with another wire type falls through to the
//! unknown fields, as in protoc's runtimes. Also `check_initialized` for required fields.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{
    codec, ident, tag_bytes, tag_slice, tag_value, type_path, types::value_type, wire_type,
};
use crate::model::{Cardinality, Field, Kind, Message, Oneof, Presence, ValueTypes};
use crate::options::{BytesType, MapType, StringType};

/// Per-field facts every arm needs.
struct Arm<'a> {
    message: &'a Message,
    field: &'a Field,
    /// Replaces `?` after each fallible call: adds the field to the error path.
    at: TokenStream,
}

impl Arm<'_> {
    fn from(&self) -> &[String] {
        &self.message.module
    }

    /// Where an undeclared closed-enum number goes.
    fn keep_unknown(&self, raw: TokenStream) -> TokenStream {
        if self.message.unknown_fields {
            let number = Literal::u32_unsuffixed(self.field.number);
            quote!(::rsfast::enums::keep_unknown(&mut self.unknown_fields, #number, #raw))
        } else {
            quote!({ let _ = #raw; })
        }
    }
}

pub(super) fn merge_from_body(message: &Message) -> TokenStream {
    // Every field, oneof members included, in field-number order: encoders write
    // fields in that order, so the field after this one is the likeliest next tag.
    let mut all: Vec<(&Field, Option<&Oneof>)> = message
        .fields
        .iter()
        .map(|f| (f, None))
        .chain(
            message
                .oneofs
                .iter()
                .flat_map(|o| o.fields.iter().map(move |f| (f, Some(o)))),
        )
        .collect();
    all.sort_by_key(|(f, _)| f.number);
    let mut chained = false;
    let mut arms = Vec::new();
    for (i, (field, oneof)) in all.iter().enumerate() {
        let next = expected_next(field, all.get(i + 1).map(|(f, _)| *f));
        chained |= !next.is_empty();
        let a = arm(message, field);
        arms.push(match oneof {
            None => field_arm(&a, &next),
            Some(o) => oneof_arm(&a, o, &next),
        });
    }
    let skip = if message.unknown_fields {
        quote!(r.skip_field(tag, &mut self.unknown_fields)?)
    } else {
        quote!(r.discard_field(tag)?)
    };
    if arms.is_empty() {
        return quote! {
            while let ::core::option::Option::Some(tag) = r.next_tag(end_group)? {
                #skip;
            }
            ::core::result::Result::Ok(())
        };
    }
    // The common one-byte tag is read inline as a plain number (0: not that case,
    // including the end of the message), so it stays in a register; the general
    // `next_tag` handles everything else.
    let read_tag = quote! {
        match r.fast_tag() {
            0 => match r.next_tag(end_group)? {
                ::core::option::Option::Some(t) => t,
                ::core::option::Option::None => return ::core::result::Result::Ok(()),
            },
            t => t,
        }
    };
    // An arm that finds the tag it expects next jumps straight to that tag's arm
    // (`continue` with `tag` set: the compiler threads it to a direct jump), skipping
    // the general tag read and the dispatch.
    let label = chained.then(|| quote!('fields:));
    quote! {
        let mut tag = #read_tag;
        #label loop {
            match tag {
                #(#arms)*
                _ => #skip,
            }
            tag = #read_tag;
        }
    }
}

/// The tag an encoder writes for `field` (packed for packed repeated scalars).
fn written_tag(field: &Field) -> u32 {
    let wire = match field.cardinality {
        Cardinality::Repeated { packed: true } | Cardinality::Map { .. } => 2,
        _ => wire_type(&field.kind),
    };
    (field.number << 3) | wire
}

/// Checks, at the end of `field`'s arm, for the tags likely to come next: the same
/// field again if it repeats, then the next field by number. Tags of one or two bytes
/// only, so each check is a compare or two.
fn expected_next(field: &Field, next: Option<&Field>) -> TokenStream {
    let repeats = !matches!(field.cardinality, Cardinality::Singular(_));
    let candidates = repeats
        .then_some(field)
        .into_iter()
        .chain(next)
        .map(written_tag)
        .filter(|tag| *tag < 1 << 14);
    let checks = candidates.map(|tag| {
        let bytes = tag_bytes(tag >> 3, tag & 7)
            .into_iter()
            .map(Literal::u8_unsuffixed);
        let value = Literal::u32_unsuffixed(tag);
        quote! {
            if r.eat_tag(&[#(#bytes),*]) {
                tag = #value;
                continue 'fields;
            }
        }
    });
    quote!(#(#checks)*)
}

fn arm<'a>(message: &'a Message, field: &'a Field) -> Arm<'a> {
    let msg = &message.full_name;
    let name = &field.proto_name;
    Arm {
        message,
        field,
        at: quote!(.map_err(|e| e.in_field(#msg, #name))?),
    }
}

/// The tags a field is accepted under: its own, plus the packed form for repeated
/// scalars whatever they declare (the spec requires parsers to accept both).
fn tags(field: &Field) -> TokenStream {
    let own = tag_value(field.number, wire_type(&field.kind));
    match field.cardinality {
        Cardinality::Repeated { .. } if field.kind.is_packable() => {
            let packed = tag_value(field.number, 2);
            quote!(#own | #packed)
        }
        Cardinality::Map { .. } => tag_value(field.number, 2).into_token_stream(),
        _ => own.into_token_stream(),
    }
}

use quote::ToTokens;

fn field_arm(a: &Arm<'_>, next: &TokenStream) -> TokenStream {
    let f = a.field;
    let name = ident(&f.rust_name);
    let at = &a.at;
    let tags = tags(f);
    let body = match (&f.cardinality, &f.kind) {
        (Cardinality::Singular(presence), Kind::Scalar(_))
        | (
            Cardinality::Singular(presence),
            Kind::Enum(crate::model::EnumRef { closed: false, .. }),
        ) => {
            let codec = codec(&f.kind, a.from());
            if *presence == Presence::Implicit {
                quote!(self.#name = #codec::read(r)#at;)
            } else {
                quote!(self.#name = ::core::option::Option::Some(#codec::read(r)#at);)
            }
        }
        (Cardinality::Singular(presence), Kind::Enum(e)) => {
            let path = type_path(&e.path, a.from());
            let keep = a.keep_unknown(quote!(raw));
            let set = if *presence == Presence::Implicit {
                quote!(self.#name = v)
            } else {
                quote!(self.#name = ::core::option::Option::Some(v))
            };
            quote! {
                match ::rsfast::enums::read_closed::<#path>(r)#at {
                    ::core::result::Result::Ok(v) => #set,
                    ::core::result::Result::Err(raw) => #keep,
                }
            }
        }
        (Cardinality::Singular(Presence::Implicit), Kind::String)
            if f.types.string == StringType::Bytes =>
        {
            quote!(self.#name = r.read_shared_string()#at;)
        }
        (Cardinality::Singular(_), Kind::String) if f.types.string == StringType::Bytes => {
            quote!(self.#name = ::core::option::Option::Some(r.read_shared_string()#at);)
        }
        (Cardinality::Singular(Presence::Implicit), Kind::String) => {
            quote!(r.merge_string(&mut self.#name)#at;)
        }
        (Cardinality::Singular(_), Kind::String) => {
            quote!(r.merge_string(self.#name.get_or_insert_with(::std::string::String::new))#at;)
        }
        (Cardinality::Singular(Presence::Implicit), Kind::Bytes)
            if f.types.bytes == BytesType::Bytes =>
        {
            quote!(self.#name = r.read_shared_bytes()#at;)
        }
        (Cardinality::Singular(_), Kind::Bytes) if f.types.bytes == BytesType::Bytes => {
            quote!(self.#name = ::core::option::Option::Some(r.read_shared_bytes()#at);)
        }
        (Cardinality::Singular(Presence::Implicit), Kind::Bytes) => {
            quote!(r.merge_bytes(&mut self.#name)#at;)
        }
        (Cardinality::Singular(_), Kind::Bytes) => {
            quote!(r.merge_bytes(self.#name.get_or_insert_with(::std::vec::Vec::new))#at;)
        }
        (Cardinality::Singular(_), Kind::Message(m)) => {
            let target = if m.boxed {
                quote!(&mut **self.#name.get_or_insert_with(::core::default::Default::default))
            } else {
                quote!(self.#name.get_or_insert_with(::core::default::Default::default))
            };
            merge_message(m.delimited, f.number, target, at)
        }
        (Cardinality::Repeated { .. }, Kind::Enum(e)) if e.closed => {
            let unknown = if a.message.unknown_fields {
                quote!(::core::option::Option::Some(&mut self.unknown_fields))
            } else {
                quote!(::core::option::Option::None)
            };
            quote!(::rsfast::enums::merge_repeated_closed(r, tag, &mut self.#name, #unknown)#at;)
        }
        (Cardinality::Repeated { .. }, Kind::Scalar(_) | Kind::Enum(_)) => {
            let codec = codec(&f.kind, a.from());
            quote!(#codec::merge_repeated(r, tag, &mut self.#name)#at;)
        }
        (Cardinality::Repeated { .. }, Kind::String | Kind::Bytes) => {
            let read = read_value(&f.kind, f.types, &quote!(r), at, a.from());
            quote!(self.#name.push(#read);)
        }
        (Cardinality::Repeated { .. }, Kind::Message(m)) => {
            // Merged in place at the end of the vector: no copy of a finished element
            // (large for wide messages); the vector only grows as pushes would.
            if m.delimited {
                let number = Literal::u32_unsuffixed(f.number);
                quote!(r.merge_repeated_group(&mut self.#name, #number)#at;)
            } else {
                quote!(r.merge_repeated_message(&mut self.#name)#at;)
            }
        }
        (Cardinality::Map { key, value }, _) => map_entry(a, key, value),
    };
    quote!(#tags => { #body #next })
}

fn merge_message(
    delimited: bool,
    number: u32,
    target: TokenStream,
    at: &TokenStream,
) -> TokenStream {
    if delimited {
        let number = Literal::u32_unsuffixed(number);
        quote!(r.merge_group(#target, #number)#at;)
    } else {
        quote!(r.merge_message(#target)#at;)
    }
}

/// Reads one value of `kind` from reader `r` as an expression (scalars, enums, strings,
/// bytes); messages are merged in place instead.
fn read_value(
    kind: &Kind,
    types: ValueTypes,
    reader: &TokenStream,
    at: &TokenStream,
    from: &[String],
) -> TokenStream {
    match kind {
        Kind::Scalar(_) | Kind::Enum(_) => {
            let codec = codec(kind, from);
            quote!(#codec::read(#reader)#at)
        }
        Kind::String if types.string == StringType::Bytes => {
            quote!(#reader.read_shared_string()#at)
        }
        Kind::String => quote!(#reader.read_string()#at),
        Kind::Bytes if types.bytes == BytesType::Bytes => quote!(#reader.read_shared_bytes()#at),
        Kind::Bytes => quote!(#reader.read_byte_vec()#at),
        Kind::Message(_) => unreachable!("messages are merged in place"),
    }
}

/// A map entry: a nested message with key = 1 and value = 2, either may be missing.
/// An undeclared closed-enum value sends the whole entry to the unknown fields.
fn map_entry(a: &Arm<'_>, key: &Kind, value: &Kind) -> TokenStream {
    let name = ident(&a.field.rust_name);
    let at = &a.at;
    let from = a.from();
    let key_ty = value_type(key, a.field.types, from);
    let value_ty = value_type(value, a.field.types, from);
    let key_tag = tag_value(1, wire_type(key));
    let value_tag = tag_value(2, wire_type(value));
    let read_key = read_value(key, a.field.types, &quote!(entry), at, from);
    let (read_value, closed_check) = match value {
        Kind::Message(_) => (quote!(entry.merge_message(&mut value)#at;), None),
        Kind::Enum(e) if e.closed => {
            let path = type_path(&e.path, from);
            let keep = if a.message.unknown_fields {
                let number = Literal::u32_unsuffixed(a.field.number);
                quote!(self.unknown_fields.push_len_delimited(#number, payload);)
            } else {
                quote!()
            };
            (
                quote! {
                    match ::rsfast::enums::read_closed::<#path>(entry)#at {
                        ::core::result::Result::Ok(v) => value = v,
                        ::core::result::Result::Err(_) => undeclared = true,
                    }
                },
                Some(keep),
            )
        }
        _ => {
            let read = read_value(value, a.field.types, &quote!(entry), at, from);
            (quote!(value = #read;), None)
        }
    };
    let (declare_flag, insert) = match closed_check {
        Some(keep) => (
            quote!(let mut undeclared = false;),
            quote! {
                if undeclared {
                    #keep
                } else {
                    self.#name.insert(key, value);
                }
            },
        ),
        None => (quote!(), quote!(self.#name.insert(key, value);)),
    };
    // A fresh hash map reserves for its run of entries (`Reader::reserve_map_run`).
    let insert = if a.field.map == MapType::HashMap {
        let tag = tag_slice(a.field.number, 2);
        quote! {
            r.reserve_map_run(&mut self.#name, #tag);
            #insert
        }
    } else {
        insert
    };
    quote! {
        let payload = r.read_bytes()#at;
        let entry = &mut r.nested(payload)#at;
        let mut key: #key_ty = ::core::default::Default::default();
        let mut value: #value_ty = ::core::default::Default::default();
        #declare_flag
        while let ::core::option::Option::Some(entry_tag) = entry.next_tag(0)#at {
            match entry_tag {
                #key_tag => key = #read_key,
                #value_tag => { #read_value }
                _ => entry.discard_field(entry_tag)#at,
            }
        }
        #insert
    }
}

fn oneof_arm(a: &Arm<'_>, oneof: &Oneof, next: &TokenStream) -> TokenStream {
    let f = a.field;
    let at = &a.at;
    let from = a.from();
    let name = ident(&oneof.rust_field);
    let child = ident(&a.message.child_module);
    let enum_name = ident(&oneof.rust_enum);
    let variant = ident(&f.variant);
    let var = quote!(#child::#enum_name::#variant);
    let tag = tag_value(f.number, wire_type(&f.kind));
    let body = match &f.kind {
        Kind::Enum(e) if e.closed => {
            let path = type_path(&e.path, from);
            let keep = a.keep_unknown(quote!(raw));
            quote! {
                match ::rsfast::enums::read_closed::<#path>(r)#at {
                    ::core::result::Result::Ok(v) => self.#name = ::core::option::Option::Some(#var(v)),
                    ::core::result::Result::Err(raw) => #keep,
                }
            }
        }
        Kind::Message(m) => {
            let ty = type_path(&m.path, from);
            let existing = if m.boxed { quote!(&mut **v) } else { quote!(v) };
            let merge_existing = merge_message(m.delimited, f.number, existing, at);
            let merge_new = merge_message(m.delimited, f.number, quote!(&mut v), at);
            let wrap = if m.boxed {
                quote!(::std::boxed::Box::new(v))
            } else {
                quote!(v)
            };
            // A message member arriving again is merged into the one already set.
            quote! {
                match &mut self.#name {
                    ::core::option::Option::Some(#var(v)) => { #merge_existing }
                    _ => {
                        let mut v = #ty::default();
                        #merge_new
                        self.#name = ::core::option::Option::Some(#var(#wrap));
                    }
                }
            }
        }
        kind => {
            let read = read_value(kind, f.types, &quote!(r), at, from);
            quote!(self.#name = ::core::option::Option::Some(#var(#read));)
        }
    };
    quote!(#tag => { #body #next })
}

/// `check_initialized`, for messages that (transitively) have required fields.
pub(super) fn check_initialized(message: &Message) -> TokenStream {
    if !message.needs_init_check {
        return TokenStream::new();
    }
    let msg = &message.full_name;
    let checks = message.fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        let proto = &f.proto_name;
        let at = quote!(.map_err(|e| e.in_field(#msg, #proto))?);
        let required = matches!(f.cardinality, Cardinality::Singular(Presence::Required)).then(|| {
            quote! {
                if self.#name.is_none() {
                    return ::core::result::Result::Err(
                        ::rsfast::DecodeError::new(::rsfast::DecodeErrorKind::MissingRequiredField)
                            .in_field(#msg, #proto),
                    );
                }
            }
        });
        let nested = match (&f.cardinality, &f.kind) {
            (Cardinality::Singular(_), Kind::Message(m)) if m.needs_init_check => {
                let v = if m.boxed { quote!(&**v) } else { quote!(v) };
                Some(quote! {
                    if let ::core::option::Option::Some(v) = &self.#name {
                        ::rsfast::Message::check_initialized(#v)#at;
                    }
                })
            }
            (Cardinality::Repeated { .. }, Kind::Message(m)) if m.needs_init_check => {
                Some(quote! {
                    for v in &self.#name {
                        ::rsfast::Message::check_initialized(v)#at;
                    }
                })
            }
            (
                Cardinality::Map {
                    value: Kind::Message(m),
                    ..
                },
                _,
            ) if m.needs_init_check => Some(quote! {
                for v in self.#name.values() {
                    ::rsfast::Message::check_initialized(v)#at;
                }
            }),
            _ => None,
        };
        quote!(#required #nested)
    });
    let child = ident(&message.child_module);
    let oneofs = message.oneofs.iter().flat_map(|o| {
        let name = ident(&o.rust_field);
        let enum_name = ident(&o.rust_enum);
        let child = child.clone();
        o.fields.iter().filter_map(move |f| match &f.kind {
            Kind::Message(m) if m.needs_init_check => {
                let variant = ident(&f.variant);
                let proto = &f.proto_name;
                let v = if m.boxed { quote!(&**v) } else { quote!(v) };
                Some(quote! {
                    if let ::core::option::Option::Some(#child::#enum_name::#variant(v)) = &self.#name {
                        ::rsfast::Message::check_initialized(#v).map_err(|e| e.in_field(#msg, #proto))?;
                    }
                })
            }
            _ => None,
        })
    });
    quote! {
        fn check_initialized(&self) -> ::core::result::Result<(), ::rsfast::DecodeError> {
            #(#checks)*
            #(#oneofs)*
            ::core::result::Result::Ok(())
        }
    }
}
