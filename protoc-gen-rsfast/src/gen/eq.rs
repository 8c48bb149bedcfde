//! `PartialEq`, `Eq` and `Hash` written out for messages of the `eq` option with
//! `float_eq=bitwise` that hold floats: floats compare and hash by bit pattern through
//! `rsfast::eq::{BitEq, BitHash}`, everything else as derived. Other messages derive.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::model::{Cardinality, Field, Kind, Message, Oneof, Scalar};

/// Whether the values of `field` (a map's values) are floats.
fn holds_floats(field: &Field) -> bool {
    let value = match &field.cardinality {
        Cardinality::Map { value, .. } => value,
        _ => &field.kind,
    };
    matches!(value, Kind::Scalar(Scalar::Float | Scalar::Double))
}

/// Compares `a` and `b`: places (`self.x`) or, with `by_ref`, references.
fn field_eq(field: &Field, a: TokenStream, b: TokenStream, by_ref: bool) -> TokenStream {
    match (holds_floats(field), by_ref) {
        (true, true) => quote!(::rsfast::eq::BitEq::bit_eq(#a, #b)),
        (true, false) => quote!(::rsfast::eq::BitEq::bit_eq(&#a, &#b)),
        (false, _) => quote!(#a == #b),
    }
}

fn field_hash(field: &Field, v: TokenStream) -> TokenStream {
    if holds_floats(field) {
        quote!(::rsfast::eq::BitHash::bit_hash(#v, state);)
    } else {
        quote!(::core::hash::Hash::hash(#v, state);)
    }
}

/// The written-out impls for a bitwise message; nothing for the others.
pub(super) fn message_eq(message: &Message) -> TokenStream {
    if !message.eq.bitwise {
        return TokenStream::new();
    }
    let name = ident(&message.rust_name);
    let mut compares = Vec::new();
    let mut hashes = Vec::new();
    for f in &message.fields {
        let field = ident(&f.rust_name);
        compares.push(field_eq(
            f,
            quote!(self.#field),
            quote!(other.#field),
            false,
        ));
        hashes.push(field_hash(f, quote!(&self.#field)));
    }
    let mut others: Vec<&str> = message
        .oneofs
        .iter()
        .map(|o| o.rust_field.as_str())
        .collect();
    if message.unknown_fields {
        others.push("unknown_fields");
    }
    for field in others.into_iter().map(ident) {
        compares.push(quote!(self.#field == other.#field));
        hashes.push(quote!(::core::hash::Hash::hash(&self.#field, state);));
    }
    if compares.is_empty() {
        compares.push(quote!(true));
    }
    let hash = message.eq.hash.then(|| {
        quote! {
            impl ::core::hash::Hash for #name {
                fn hash<H: ::core::hash::Hasher>(&self, state: &mut H) {
                    #(#hashes)*
                }
            }
        }
    });
    quote! {
        impl ::core::cmp::PartialEq for #name {
            fn eq(&self, other: &Self) -> bool {
                #(#compares)&&*
            }
        }
        impl ::core::cmp::Eq for #name {}
        #hash
    }
}

/// The written-out impls for a oneof enum of a bitwise message.
pub(super) fn oneof_eq(message: &Message, oneof: &Oneof) -> TokenStream {
    if !message.eq.bitwise {
        return TokenStream::new();
    }
    let name = ident(&oneof.rust_enum);
    let compare_arms = oneof.fields.iter().map(|f| {
        let variant = ident(&f.variant);
        let eq = field_eq(f, quote!(a), quote!(b), true);
        quote!((#name::#variant(a), #name::#variant(b)) => #eq,)
    });
    let otherwise = (oneof.fields.len() > 1).then(|| quote!(_ => false,));
    let hash_arms = oneof.fields.iter().map(|f| {
        let variant = ident(&f.variant);
        let hash = field_hash(f, quote!(v));
        quote!(#name::#variant(v) => { #hash })
    });
    let hash = message.eq.hash.then(|| {
        quote! {
            impl ::core::hash::Hash for #name {
                fn hash<H: ::core::hash::Hasher>(&self, state: &mut H) {
                    ::core::hash::Hash::hash(&::core::mem::discriminant(self), state);
                    match self {
                        #(#hash_arms)*
                    }
                }
            }
        }
    });
    quote! {
        impl ::core::cmp::PartialEq for #name {
            fn eq(&self, other: &Self) -> bool {
                match (self, other) {
                    #(#compare_arms)*
                    #otherwise
                }
            }
        }
        impl ::core::cmp::Eq for #name {}
        #hash
    }
}
