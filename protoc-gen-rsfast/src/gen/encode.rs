//! `write_to`: fields written back to front (highest number first, unknown fields before
//! all of them), so the output is in field-number order and nested lengths are known
//! when their prefixes are written.

use proc_macro2::TokenStream;
use quote::quote;

use super::{codec, ident, implicit_is_set, is_copy, slots, tag_slice, wire_type, Slot};
use crate::model::{Cardinality, Field, Kind, Message, Presence};
use crate::options::MapType;

pub(super) fn write_to_body(message: &Message) -> TokenStream {
    let from = &message.module;
    let unknown = message
        .unknown_fields
        .then(|| quote!(self.unknown_fields.write_to(w);));
    let parts = slots(message).into_iter().rev().map(|slot| match slot {
        Slot::Field(f) => write_field(f, from),
        Slot::Oneof(o, members) => super::oneof_run(
            message,
            o,
            &members,
            |_| true,
            |f, v| write_record(&f.kind, f.number, v, from),
        ),
    });
    quote! {
        #unknown
        #(#parts)*
    }
}

fn write_field(field: &Field, from: &[String]) -> TokenStream {
    let name = ident(&field.rust_name);
    let kind = &field.kind;
    match &field.cardinality {
        Cardinality::Singular(Presence::Implicit) => {
            let place = quote!(self.#name);
            let is_set = implicit_is_set(kind, &place);
            let write = write_record(kind, field.number, &place, from);
            quote!(if #is_set { #write })
        }
        Cardinality::Singular(_) => {
            let write = write_record(kind, field.number, &quote!(v), from);
            if is_copy(kind) {
                quote!(if let ::core::option::Option::Some(v) = self.#name { #write })
            } else {
                quote!(if let ::core::option::Option::Some(v) = &self.#name { #write })
            }
        }
        Cardinality::Repeated { packed: true } => {
            let codec = codec(kind, from);
            let tag = tag_slice(field.number, 2);
            quote! {
                if !self.#name.is_empty() {
                    #codec::write_packed(w, #tag, &self.#name);
                }
            }
        }
        Cardinality::Repeated { packed: false } if is_copy(kind) => {
            let codec = codec(kind, from);
            let tag = tag_slice(field.number, wire_type(kind));
            quote!(#codec::write_unpacked(w, #tag, &self.#name);)
        }
        Cardinality::Repeated { packed: false } => {
            let write = write_record(kind, field.number, &quote!(v), from);
            quote! {
                for v in self.#name.iter().rev() {
                    #write
                }
            }
        }
        Cardinality::Map { key, value } => {
            let k = if is_copy(key) { quote!(*k) } else { quote!(k) };
            let v = if is_copy(value) {
                quote!(*v)
            } else {
                quote!(v)
            };
            let write_value = write_record(value, 2, &v, from);
            let write_key = write_record(key, 1, &k, from);
            let tag = tag_slice(field.number, 2);
            // Written back to front: a BTreeMap in reverse lands in key order.
            let entries = match field.map {
                MapType::HashMap => quote!(&self.#name),
                MapType::BTreeMap => quote!(self.#name.iter().rev()),
            };
            quote! {
                for (k, v) in #entries {
                    let end = w.remaining();
                    #write_value
                    #write_key
                    w.put_tagged_varint(#tag, (end - w.remaining()) as u64);
                }
            }
        }
    }
}

/// Writes one record (value, then tag in front of it); `v` is the value (by value for
/// scalars and enums, by reference otherwise).
fn write_record(kind: &Kind, number: u32, v: &TokenStream, from: &[String]) -> TokenStream {
    let tag = tag_slice(number, wire_type(kind));
    match kind {
        // Value and tag go in together: one bounds check per record.
        Kind::Scalar(_) | Kind::Enum(_) => {
            let codec = codec(kind, from);
            quote!(#codec::write_tagged(w, #tag, #v);)
        }
        Kind::String => quote!(w.put_tagged_bytes(#tag, #v.as_bytes());),
        Kind::Bytes => quote!(w.put_tagged_bytes(#tag, &#v[..]);),
        Kind::Message(m) if m.delimited => {
            let number = proc_macro2::Literal::u32_unsuffixed(number);
            let v = if m.boxed { quote!(&**#v) } else { quote!(#v) };
            quote!(w.put_group(#v, #number);)
        }
        Kind::Message(m) => {
            let v = if m.boxed { quote!(&**#v) } else { quote!(#v) };
            quote!(w.put_tagged_message(#tag, #v);)
        }
    }
}
