//! Type definitions: message structs, enums, oneof enums, getters and `clear`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{ident, type_path};
use crate::model::{
    Cardinality, DefaultValue, Enum, Field, Kind, Message, Oneof, Presence, Scalar, ValueTypes,
};
use crate::options::{BytesType, MapType, StringType};

fn doc(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| format!(" {l}"));
    quote!(#(#[doc = #lines])*)
}

/// The Rust type of one value of `kind` (with `bytes` the type of bytes values), seen
/// from module `from`.
pub(super) fn value_type(kind: &Kind, types: ValueTypes, from: &[String]) -> TokenStream {
    match kind {
        Kind::Scalar(s) => s.rust_type(),
        Kind::String => match types.string {
            StringType::String => quote!(::std::string::String),
            StringType::Bytes => quote!(::rsfast::BytesString),
        },
        Kind::Bytes => match types.bytes {
            BytesType::Vec => quote!(::std::vec::Vec<u8>),
            BytesType::Bytes => quote!(::rsfast::bytes::Bytes),
        },
        Kind::Enum(e) => {
            let path = type_path(&e.path, from);
            if e.closed {
                path
            } else {
                quote!(::rsfast::OpenEnum<#path>)
            }
        }
        Kind::Message(m) => {
            let path = type_path(&m.path, from);
            if m.boxed {
                quote!(::std::boxed::Box<#path>)
            } else {
                path
            }
        }
    }
}

/// The Rust type of a struct field.
pub(super) fn field_type(field: &Field, from: &[String]) -> TokenStream {
    match &field.cardinality {
        Cardinality::Singular(Presence::Implicit) => value_type(&field.kind, field.types, from),
        Cardinality::Singular(_) => {
            let t = value_type(&field.kind, field.types, from);
            quote!(::core::option::Option<#t>)
        }
        Cardinality::Repeated { .. } => {
            let t = value_type(&field.kind, field.types, from);
            quote!(::std::vec::Vec<#t>)
        }
        Cardinality::Map { key, value } => {
            let k = value_type(key, field.types, from);
            let v = value_type(value, field.types, from);
            match field.map {
                MapType::HashMap => quote!(::std::collections::HashMap<#k, #v>),
                MapType::BTreeMap => quote!(::std::collections::BTreeMap<#k, #v>),
            }
        }
    }
}

/// Attributes given as options (checked to parse when the options were read).
pub(super) fn attributes(attributes: &[String]) -> TokenStream {
    attributes
        .iter()
        .map(|a| a.parse::<TokenStream>().unwrap_or_default())
        .collect()
}

/// The derives of a message struct or one of its oneof enums: `PartialEq`, `Eq`,
/// `Hash` and `Debug` unless the `eq` (bitwise) or `debug` options write them out.
fn derives(message: &Message, default: bool) -> TokenStream {
    let mut traits = vec![quote!(Clone)];
    if !message.eq.bitwise {
        traits.push(quote!(PartialEq));
        if message.eq.eq {
            traits.push(quote!(Eq));
        }
        if message.eq.hash {
            traits.push(quote!(Hash));
        }
    }
    if default {
        traits.push(quote!(Default));
    }
    if !message.debug {
        traits.push(quote!(Debug));
    }
    quote!(#[derive(#(#traits),*)])
}

pub(super) fn message_struct(message: &Message) -> TokenStream {
    let name = ident(&message.rust_name);
    let docs = doc(&message.doc);
    let fields = message.fields.iter().map(|f| {
        let docs = doc(&f.doc);
        let name = ident(&f.rust_name);
        let ty = field_type(f, &message.module);
        let attributes = attributes(&f.attributes);
        quote!(#docs #attributes pub #name: #ty,)
    });
    let child = ident(&message.child_module);
    let oneofs = message.oneofs.iter().map(|o| {
        let docs = doc(&o.doc);
        let name = ident(&o.rust_field);
        let ty = ident(&o.rust_enum);
        quote!(#docs pub #name: ::core::option::Option<#child::#ty>,)
    });
    let unknown = message.unknown_fields.then(|| {
        quote! {
            /// Fields not in the schema, kept to be re-emitted on encode.
            pub unknown_fields: ::rsfast::UnknownFields,
        }
    });
    let derives = derives(message, true);
    let attributes = attributes(&message.attributes);
    quote! {
        #docs
        #derives
        #attributes
        pub struct #name {
            #(#fields)*
            #(#oneofs)*
            #unknown
        }
    }
}

/// Default-aware getters for explicit-presence scalar, string, bytes and enum fields.
pub(super) fn getters(message: &Message) -> TokenStream {
    let getters: Vec<_> = message
        .fields
        .iter()
        .filter(|f| {
            matches!(
                f.cardinality,
                Cardinality::Singular(Presence::Explicit | Presence::Required)
            )
        })
        .filter_map(|f| getter(f, &message.module))
        .collect();
    if getters.is_empty() {
        return TokenStream::new();
    }
    let name = ident(&message.rust_name);
    quote! {
        impl #name {
            #(#getters)*
        }
    }
}

fn getter(field: &Field, from: &[String]) -> Option<TokenStream> {
    let name = ident(&field.rust_name);
    let doc = format!(
        " The value of `{}`, or its default when unset.",
        field.proto_name
    );
    let (ty, access) = match &field.kind {
        Kind::Message(_) => return None,
        Kind::String => (quote!(&str), quote!(self.#name.as_deref())),
        Kind::Bytes => (quote!(&[u8]), quote!(self.#name.as_deref())),
        kind => (value_type(kind, field.types, from), quote!(self.#name)),
    };
    let value = match (&field.kind, &field.default) {
        (_, None) => quote!(#access.unwrap_or_default()),
        (Kind::String, Some(DefaultValue::String(text))) => quote!(#access.unwrap_or(#text)),
        (Kind::Bytes, Some(DefaultValue::Bytes(bytes))) => {
            let lit = Literal::byte_string(bytes);
            quote!(#access.unwrap_or(#lit))
        }
        (kind, default) => {
            let default = default_value(kind, default.as_ref(), from);
            quote!(#access.unwrap_or(#default))
        }
    };
    Some(quote! {
        #[doc = #doc]
        #[inline]
        pub fn #name(&self) -> #ty {
            #value
        }
    })
}

/// The default of a scalar or enum field: its `[default = ...]` or the type's zero.
fn default_value(kind: &Kind, explicit: Option<&DefaultValue>, from: &[String]) -> TokenStream {
    match (kind, explicit) {
        (Kind::Scalar(s), Some(value)) => scalar_literal(*s, value),
        (Kind::Scalar(Scalar::Bool), None) => quote!(false),
        (Kind::Scalar(s @ (Scalar::Float | Scalar::Double)), None) => {
            scalar_literal(*s, &DefaultValue::Float(0.0))
        }
        (Kind::Scalar(s), None) => scalar_literal(*s, &DefaultValue::Signed(0)),
        (Kind::Enum(e), Some(DefaultValue::Enum(variant, number))) => {
            if e.closed {
                let path = type_path(&e.path, from);
                let variant = ident(variant);
                quote!(#path::#variant)
            } else {
                let number = Literal::i32_unsuffixed(*number);
                quote!(::rsfast::OpenEnum::from_i32(#number))
            }
        }
        _ => quote!(::core::default::Default::default()),
    }
}

fn scalar_literal(s: Scalar, value: &DefaultValue) -> TokenStream {
    let ty = s.rust_type();
    let lit = match *value {
        DefaultValue::Bool(b) => return quote!(#b),
        DefaultValue::Float(f) if f.is_nan() => return quote!(#ty::NAN),
        DefaultValue::Float(f) if f == f64::INFINITY => return quote!(#ty::INFINITY),
        DefaultValue::Float(f) if f == f64::NEG_INFINITY => return quote!(#ty::NEG_INFINITY),
        DefaultValue::Float(f) if s == Scalar::Float => Literal::f32_suffixed(f as f32),
        DefaultValue::Float(f) => Literal::f64_suffixed(f),
        // The most negative values are spelled as constants: `-9223372036854775808i64`
        // is a negated literal that overflows before the minus applies.
        DefaultValue::Signed(v) if v == i64::MIN => return quote!(i64::MIN),
        DefaultValue::Signed(v) if v == i64::from(i32::MIN) && ty.to_string() == "i32" => {
            return quote!(i32::MIN)
        }
        DefaultValue::Signed(v) => match ty.to_string().as_str() {
            "i32" => Literal::i32_suffixed(v as i32),
            "u32" => Literal::u32_suffixed(v as u32),
            "u64" => Literal::u64_suffixed(v as u64),
            _ => Literal::i64_suffixed(v),
        },
        DefaultValue::Unsigned(v) => match ty.to_string().as_str() {
            "u32" => Literal::u32_suffixed(v as u32),
            _ => Literal::u64_suffixed(v),
        },
        _ => return quote!(::core::default::Default::default()),
    };
    quote!(#lit)
}

/// The module holding a message's nested messages, enums and oneof enums.
pub(super) fn child_module(message: &Message) -> TokenStream {
    if message.messages.is_empty()
        && message.enums.is_empty()
        && message.oneofs.is_empty()
        && message.extensions.is_empty()
    {
        return TokenStream::new();
    }
    let name = ident(&message.child_module);
    let doc = format!(" Nested types of `{}`.", message.full_name);
    let mut child = message.module.clone();
    child.push(message.child_module.clone());
    let items = super::module_items(&message.messages, &message.enums, &message.extensions);
    let oneofs = message
        .oneofs
        .iter()
        .map(|o| oneof_enum(message, o, &child));
    quote! {
        #[doc = #doc]
        #[allow(clippy::module_inception)]
        pub mod #name {
            #items
            #(#oneofs)*
        }
    }
}

fn oneof_enum(message: &Message, oneof: &Oneof, module: &[String]) -> TokenStream {
    let name = ident(&oneof.rust_enum);
    let docs = doc(&oneof.doc);
    let variants = oneof.fields.iter().map(|f| {
        let docs = doc(&f.doc);
        let variant = ident(&f.variant);
        let ty = value_type(&f.kind, f.types, module);
        let attributes = attributes(&f.attributes);
        quote!(#docs #attributes #variant(#ty),)
    });
    let derives = derives(message, false);
    let attributes = attributes(&oneof.attributes);
    let eq = super::eq::oneof_eq(message, oneof);
    let debug = super::debug::oneof_debug(message, oneof);
    quote! {
        #docs
        #derives
        #attributes
        #[allow(clippy::large_enum_variant, clippy::enum_variant_names)]
        pub enum #name {
            #(#variants)*
        }
        #eq
        #debug
    }
}

pub(super) fn enum_items(e: &Enum) -> TokenStream {
    let name = ident(&e.rust_name);
    let docs = doc(&e.doc);
    let variants = e.values.iter().map(|v| {
        let docs = doc(&v.doc);
        let variant = ident(&v.variant);
        let number = Literal::i32_unsuffixed(v.number);
        quote!(#docs #variant = #number,)
    });
    let from_arms = e.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let number = Literal::i32_unsuffixed(v.number);
        quote!(#number => ::core::option::Option::Some(#name::#variant),)
    });
    let name_arms = e.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let text = &v.proto_name;
        quote!(#name::#variant => #text,)
    });
    let from_name_arms = e.values.iter().map(|v| {
        let variant = ident(&v.variant);
        let text = &v.proto_name;
        quote!(#text => ::core::option::Option::Some(#name::#variant),)
    });
    let first = ident(&e.values[0].variant);
    let attributes = attributes(&e.attributes);
    quote! {
        #docs
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #attributes
        #[repr(i32)]
        pub enum #name {
            #(#variants)*
        }
        impl ::core::default::Default for #name {
            /// The first declared value, as protobuf defines it.
            fn default() -> Self {
                #name::#first
            }
        }
        impl ::rsfast::Enum for #name {
            fn from_i32(value: i32) -> ::core::option::Option<Self> {
                match value {
                    #(#from_arms)*
                    _ => ::core::option::Option::None,
                }
            }
            fn to_i32(self) -> i32 {
                self as i32
            }
            fn as_str_name(self) -> &'static str {
                match self {
                    #(#name_arms)*
                }
            }
        }
        impl #name {
            /// The value with this name as written in the .proto file.
            pub fn from_str_name(name: &str) -> ::core::option::Option<Self> {
                match name {
                    #(#from_name_arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }
        impl ::core::convert::From<#name> for i32 {
            fn from(value: #name) -> i32 {
                value as i32
            }
        }
    }
}

/// `clear`: every field back to its default, keeping allocations of strings and vectors.
pub(super) fn clear_body(message: &Message) -> TokenStream {
    let fields = message.fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        match (&f.cardinality, &f.kind) {
            (Cardinality::Singular(Presence::Implicit), Kind::String | Kind::Bytes)
            | (Cardinality::Repeated { .. } | Cardinality::Map { .. }, _) => {
                quote!(self.#name.clear();)
            }
            (Cardinality::Singular(Presence::Implicit), _) => {
                quote!(self.#name = ::core::default::Default::default();)
            }
            (Cardinality::Singular(_), _) => quote!(self.#name = ::core::option::Option::None;),
        }
    });
    let oneofs = message.oneofs.iter().map(|o| {
        let name = ident(&o.rust_field);
        quote!(self.#name = ::core::option::Option::None;)
    });
    let unknown = message
        .unknown_fields
        .then(|| quote!(self.unknown_fields.clear();));
    quote! {
        #(#fields)*
        #(#oneofs)*
        #unknown
    }
}

/// `rsfast::Extendable` for messages with extension ranges: their extensions live in
/// the unknown fields.
pub(super) fn extendable_impl(message: &Message) -> TokenStream {
    if !message.extendable {
        return TokenStream::new();
    }
    let name = ident(&message.rust_name);
    quote! {
        impl ::rsfast::Extendable for #name {
            fn extension_storage(&self) -> &::rsfast::UnknownFields {
                &self.unknown_fields
            }
            fn extension_storage_mut(&mut self) -> &mut ::rsfast::UnknownFields {
                &mut self.unknown_fields
            }
        }
    }
}

/// An extension's typed handle: `pub const NAME: Extension<Extendee, Type>`.
pub(super) fn extension_const(ext: &crate::model::Extension) -> TokenStream {
    // Extension constants sit in their scope's module; paths are resolved from there.
    let from = &ext.module;
    let name = ident(&ext.const_name);
    let docs = doc(&ext.doc);
    let extendee = type_path(&ext.extendee, from);
    let len_kind = |kind: &Kind| match kind {
        Kind::String => quote!(::rsfast::extension::Str),
        Kind::Bytes => quote!(::rsfast::extension::Bytes),
        Kind::Message(m) => {
            let path = type_path(&m.path, from);
            if m.delimited {
                quote!(::rsfast::extension::Group<#path>)
            } else {
                quote!(::rsfast::extension::Msg<#path>)
            }
        }
        _ => unreachable!("scalars and enums are not length-delimited"),
    };
    let ty = match (&ext.kind, ext.repeated) {
        (Kind::Scalar(_) | Kind::Enum(_), repeated) => {
            // Enum extensions read as open enums: any number is returned as is.
            let codec = match &ext.kind {
                Kind::Enum(e) => {
                    let path = type_path(&e.path, from);
                    quote!(::rsfast::scalar::Enum<#path>)
                }
                kind => super::codec_type(kind, from),
            };
            match repeated {
                None => quote!(::rsfast::extension::Optional<#codec>),
                Some(packed) => quote!(::rsfast::extension::Repeated<#codec, #packed>),
            }
        }
        (kind, None) => {
            let k = len_kind(kind);
            quote!(::rsfast::extension::OptionalLen<#k>)
        }
        (kind, Some(_)) => {
            let k = len_kind(kind);
            quote!(::rsfast::extension::RepeatedLen<#k>)
        }
    };
    let number = Literal::u32_unsuffixed(ext.number);
    let full_name = &ext.full_name;
    quote! {
        #docs
        pub const #name: ::rsfast::Extension<#extendee, #ty> =
            ::rsfast::Extension::new(#number, #full_name);
    }
}
