//! The readable `Debug` of the `debug` option: bytes as escaped byte strings
//! (`rsfast::debug::Bytes`), unset optional fields and empty unknown fields left out,
//! enum values by name (as `OpenEnum` and the generated enums already print), proto
//! field names.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::model::{Cardinality, Field, Kind, Message, Oneof, Presence};

/// `impl Debug` for a message with the `debug` option; nothing without it (it derives).
pub(super) fn message_debug(message: &Message) -> TokenStream {
    if !message.debug {
        return TokenStream::new();
    }
    let name = ident(&message.rust_name);
    let proto_name = message
        .full_name
        .rsplit('.')
        .next()
        .unwrap_or(&message.full_name);
    let fields = message.fields.iter().map(field_entry);
    let oneofs = message.oneofs.iter().map(|o| {
        let field = ident(&o.rust_field);
        let label = o.rust_field.trim_start_matches("r#");
        quote! {
            if let ::core::option::Option::Some(v) = &self.#field {
                s.field(#label, v);
            }
        }
    });
    let unknown = message.unknown_fields.then(|| {
        quote! {
            if !self.unknown_fields.is_empty() {
                s.field("unknown_fields", &self.unknown_fields);
            }
        }
    });
    quote! {
        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                let mut s = f.debug_struct(#proto_name);
                #(#fields)*
                #(#oneofs)*
                #unknown
                s.finish()
            }
        }
    }
}

/// How one value of `kind` is shown: `place` is the value (`self.x`) or a reference to
/// it (`v`), `by_ref` says which.
fn shown(kind: &Kind, place: TokenStream, by_ref: bool) -> TokenStream {
    match kind {
        Kind::Bytes => quote!(&::rsfast::debug::Bytes(&#place[..])),
        _ if by_ref => place,
        _ => quote!(&#place),
    }
}

fn field_entry(field: &Field) -> TokenStream {
    let name = ident(&field.rust_name);
    let label = &field.proto_name;
    match &field.cardinality {
        Cardinality::Singular(Presence::Implicit) => {
            let value = shown(&field.kind, quote!(self.#name), false);
            quote!(s.field(#label, #value);)
        }
        Cardinality::Singular(_) => {
            let value = shown(&field.kind, quote!(v), true);
            quote! {
                if let ::core::option::Option::Some(v) = &self.#name {
                    s.field(#label, #value);
                }
            }
        }
        Cardinality::Repeated { .. } if matches!(field.kind, Kind::Bytes) => {
            quote!(s.field(#label, &::rsfast::debug::BytesList(&self.#name));)
        }
        Cardinality::Map {
            value: Kind::Bytes, ..
        } => quote!(s.field(#label, &::rsfast::debug::BytesMap(&self.#name));),
        Cardinality::Repeated { .. } | Cardinality::Map { .. } => {
            quote!(s.field(#label, &self.#name);)
        }
    }
}

/// `impl Debug` for a oneof enum of a message with the `debug` option.
pub(super) fn oneof_debug(message: &Message, oneof: &Oneof) -> TokenStream {
    if !message.debug {
        return TokenStream::new();
    }
    let name = ident(&oneof.rust_enum);
    let arms = oneof.fields.iter().map(|f| {
        let variant = ident(&f.variant);
        let label = &f.variant;
        let value = shown(&f.kind, quote!(v), true);
        quote!(#name::#variant(v) => f.debug_tuple(#label).field(#value).finish(),)
    });
    quote! {
        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match self {
                    #(#arms)*
                }
            }
        }
    }
}
