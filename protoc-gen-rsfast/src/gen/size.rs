//! `encoded_len`: the exact encoded size, each nested message sized once.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{
    codec, ident, implicit_is_set, is_copy, len_reads_value, slots, tag_bytes, wire_type, Slot,
};
use crate::model::{Cardinality, Field, Kind, Message, Presence};

pub(super) fn encoded_len_body(message: &Message) -> TokenStream {
    let from = &message.module;
    let small: Vec<&Field> = message
        .fields
        .iter()
        .filter(|f| small_message_len(f).is_some())
        .collect();
    let parts = slots(message).into_iter().map(|slot| match slot {
        Slot::Field(f) => small_message_len(f).unwrap_or_else(|| field_len(f, from)),
        Slot::Oneof(o, members) => super::oneof_run(
            message,
            o,
            &members,
            |f| len_reads_value(&f.kind),
            |f, v| {
                let len = record_len(&f.kind, f.number, v, from);
                quote!(len += #len;)
            },
        ),
    });
    let unknown = message
        .unknown_fields
        .then(|| quote!(len += self.unknown_fields.encoded_len();));
    if small.is_empty() {
        return quote! {
            let mut len = 0usize;
            #(#parts)*
            #unknown
            len
        };
    }
    let excess = small.iter().map(|f| {
        let name = ident(&f.rust_name);
        let add = quote!(excess += ::rsfast::wire::prefix_excess(v.encoded_len()););
        match f.cardinality {
            Cardinality::Repeated { .. } => quote!(for v in &self.#name { #add }),
            _ => quote!(if let ::core::option::Option::Some(v) = &self.#name { #add }),
        }
    });
    quote! {
        let mut len = 0usize;
        let mut small = 0usize;
        #(#parts)*
        #unknown
        if small >= 0x80 {
            len += ::rsfast::wire::cold(|| {
                let mut excess = 0usize;
                #(#excess)*
                excess
            });
        }
        len
    }
}

/// The size of a field of small messages (`MessageRef::small`), each counted with a
/// one-byte length prefix, their sizes ORed into `small`; `None` for other fields.
/// A small message's prefix is one byte unless unknown fields make it 128 bytes or
/// longer: one OR per message, where sizing the prefix was a compare and a branch (a
/// mesh's vertices: about a tenth of their size computation). `small` past 127 means
/// some prefix was longer, and the cold path adds what the one-byte guesses missed.
fn small_message_len(field: &Field) -> Option<TokenStream> {
    let Kind::Message(m) = &field.kind else {
        return None;
    };
    if !m.small || m.delimited || m.boxed {
        return None;
    }
    let name = ident(&field.rust_name);
    let record = Literal::usize_unsuffixed(tag_bytes(field.number, 2).len() + 1);
    let add = quote! {
        let n = v.encoded_len();
        len += #record + n;
        small |= n;
    };
    match field.cardinality {
        Cardinality::Singular(Presence::Implicit) | Cardinality::Map { .. } => None,
        Cardinality::Singular(_) => {
            Some(quote!(if let ::core::option::Option::Some(v) = &self.#name { #add }))
        }
        Cardinality::Repeated { .. } => Some(quote!(for v in &self.#name { #add })),
    }
}

fn field_len(field: &Field, from: &[String]) -> TokenStream {
    let name = ident(&field.rust_name);
    let kind = &field.kind;
    match &field.cardinality {
        Cardinality::Singular(Presence::Implicit) => {
            let place = quote!(self.#name);
            let is_set = implicit_is_set(kind, &place);
            let len = record_len(kind, field.number, &place, from);
            quote!(if #is_set { len += #len; })
        }
        Cardinality::Singular(_) if !len_reads_value(kind) => {
            let len = record_len(kind, field.number, &quote!(v), from);
            quote!(if self.#name.is_some() { len += #len; })
        }
        Cardinality::Singular(_) => {
            let len = record_len(kind, field.number, &quote!(v), from);
            if is_copy(kind) {
                quote!(if let ::core::option::Option::Some(v) = self.#name { len += #len; })
            } else {
                quote!(if let ::core::option::Option::Some(v) = &self.#name { len += #len; })
            }
        }
        Cardinality::Repeated { packed: true } => {
            let codec = codec(kind, from);
            let tag_len = tag_len(field.number, 2);
            quote! {
                if !self.#name.is_empty() {
                    len += #tag_len + ::rsfast::wire::len_delimited_len(#codec::packed_len(&self.#name));
                }
            }
        }
        Cardinality::Repeated { packed: false } if is_copy(kind) => {
            let codec = codec(kind, from);
            let tags_len = match tag_bytes(field.number, wire_type(kind)).len() {
                1 => quote!(self.#name.len()),
                n => {
                    let n = Literal::usize_unsuffixed(n);
                    quote!(self.#name.len() * #n)
                }
            };
            quote! {
                len += #tags_len + #codec::packed_len(&self.#name);
            }
        }
        Cardinality::Repeated { packed: false } => {
            let len = record_len(kind, field.number, &quote!(v), from);
            quote! {
                for v in &self.#name {
                    len += #len;
                }
            }
        }
        Cardinality::Map { key, value } => {
            let tag_len = tag_len(field.number, 2);
            let k = if is_copy(key) { quote!(*k) } else { quote!(k) };
            let v = if is_copy(value) {
                quote!(*v)
            } else {
                quote!(v)
            };
            let key_len = record_len(key, 1, &k, from);
            let value_len = record_len(value, 2, &v, from);
            let entry_len = quote! {
                #tag_len + ::rsfast::wire::len_delimited_len(#key_len + #value_len)
            };
            match (len_reads_value(key), len_reads_value(value)) {
                // Fixed-width key and value: every entry has the same size.
                (false, false) => quote!(len += self.#name.len() * (#entry_len);),
                (true, false) => quote! {
                    for k in self.#name.keys() {
                        len += #entry_len;
                    }
                },
                (false, true) => quote! {
                    for v in self.#name.values() {
                        len += #entry_len;
                    }
                },
                (true, true) => quote! {
                    for (k, v) in &self.#name {
                        len += #entry_len;
                    }
                },
            }
        }
    }
}

fn tag_len(number: u32, wire_type: u32) -> Literal {
    Literal::usize_unsuffixed(tag_bytes(number, wire_type).len())
}

/// Size of one record (tag and value) of `kind`; `v` is the value (by value for
/// scalars and enums, by reference otherwise).
fn record_len(kind: &Kind, number: u32, v: &TokenStream, from: &[String]) -> TokenStream {
    let tag_len = tag_len(number, wire_type(kind));
    let value_len = match kind {
        Kind::Scalar(s) if s.fixed_len() > 0 => {
            let n = Literal::usize_unsuffixed(s.fixed_len());
            quote!(#n)
        }
        Kind::Scalar(_) | Kind::Enum(_) => {
            let codec = codec(kind, from);
            quote!(#codec::len(#v))
        }
        Kind::String | Kind::Bytes => quote!(::rsfast::wire::len_delimited_len(#v.len())),
        // The end-group tag is as long as the start-group tag.
        Kind::Message(m) if m.delimited => quote!(#v.encoded_len() + #tag_len),
        Kind::Message(m) if m.boxed => quote!(::rsfast::wire::recursive_message_len(&**#v)),
        Kind::Message(_) => quote!(::rsfast::wire::len_delimited_len(#v.encoded_len())),
    };
    quote!(#tag_len + #value_len)
}
