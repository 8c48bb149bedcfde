//! `rsfast::populate::Populate` and `arbitrary::Arbitrary` for every message (the
//! `populate` and `benches` options, or `tests`, which puts them under `#[cfg(test)]`):
//! random valid instances, with nesting bounded by `depth`.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{ident, type_path, types};
use crate::model::{Cardinality, Field, Kind, Message, Populate, Presence, Scalar, ValueTypes};
use crate::options::{BytesType, StringType};

pub(super) fn populate_impls(message: &Message) -> TokenStream {
    let cfg = match message.populate {
        Populate::Off => return TokenStream::new(),
        Populate::TestOnly => quote!(#[cfg(test)]),
        Populate::On => TokenStream::new(),
    };
    let name = ident(&message.rust_name);
    let from = &message.module;
    let mut inits = Vec::new();
    for f in &message.fields {
        let field = ident(&f.rust_name);
        let value = field_value(f, from);
        inits.push(quote!(#field: #value,));
    }
    let child = ident(&message.child_module);
    for o in &message.oneofs {
        let field = ident(&o.rust_field);
        let enum_name = ident(&o.rust_enum);
        let count = Literal::u32_unsuffixed(o.fields.len() as u32);
        let arms = o.fields.iter().enumerate().map(|(i, f)| {
            let index = Literal::u32_unsuffixed(i as u32 + 1);
            let variant = ident(&f.variant);
            let value = value(&f.kind, f.types, from, false);
            // Message members are left unset at the depth limit.
            let guard = matches!(f.kind, Kind::Message(_)).then(|| quote!(if depth > 0));
            quote!(#index #guard => ::core::option::Option::Some(#child::#enum_name::#variant(#value)),)
        });
        inits.push(quote! {
            #field: match ::rsfast::populate::choice(u, #count)? {
                #(#arms)*
                _ => ::core::option::Option::None,
            },
        });
    }
    if message.unknown_fields {
        inits.push(quote!(unknown_fields: ::core::default::Default::default(),));
    }
    let uses_depth = message
        .fields
        .iter()
        .chain(message.oneofs.iter().flat_map(|o| &o.fields))
        .any(holds_messages);
    let depth = if uses_depth {
        quote!(depth)
    } else {
        quote!(_depth)
    };
    let u = if message.fields.is_empty() && message.oneofs.is_empty() {
        quote!(_u)
    } else {
        quote!(u)
    };
    quote! {
        #cfg
        impl ::rsfast::populate::Populate for #name {
            fn populate(
                #u: &mut ::rsfast::populate::arbitrary::Unstructured<'_>,
                #depth: u32,
            ) -> ::rsfast::populate::arbitrary::Result<Self> {
                ::core::result::Result::Ok(#name {
                    #(#inits)*
                })
            }
        }
        #cfg
        impl<'a> ::rsfast::populate::arbitrary::Arbitrary<'a> for #name {
            fn arbitrary(
                u: &mut ::rsfast::populate::arbitrary::Unstructured<'a>,
            ) -> ::rsfast::populate::arbitrary::Result<Self> {
                <Self as ::rsfast::populate::Populate>::populate(u, ::rsfast::populate::DEFAULT_DEPTH)
            }
        }
    }
}

/// Whether the field's values are messages (a map's: its values'), which nest.
fn holds_messages(field: &Field) -> bool {
    match &field.cardinality {
        Cardinality::Map { value, .. } => matches!(value, Kind::Message(_)),
        _ => matches!(field.kind, Kind::Message(_)),
    }
}

/// A random value for the whole field.
fn field_value(field: &Field, from: &[String]) -> TokenStream {
    match &field.cardinality {
        Cardinality::Singular(Presence::Implicit) => value(&field.kind, field.types, from, false),
        // Required fields are set whatever the depth (the message is invalid without).
        Cardinality::Singular(Presence::Required) => {
            let v = value(&field.kind, field.types, from, true);
            quote!(::core::option::Option::Some(#v))
        }
        Cardinality::Singular(_) => {
            let v = value(&field.kind, field.types, from, false);
            let depth_ok = matches!(field.kind, Kind::Message(_)).then(|| quote!(depth > 0 &&));
            quote! {
                if #depth_ok ::rsfast::populate::present(u)? {
                    ::core::option::Option::Some(#v)
                } else {
                    ::core::option::Option::None
                }
            }
        }
        Cardinality::Repeated { .. } => {
            let v = value(&field.kind, field.types, from, false);
            let count = count(holds_messages(field));
            quote! {{
                let n = #count;
                let mut values = ::std::vec::Vec::with_capacity(n);
                for _ in 0..n {
                    values.push(#v);
                }
                values
            }}
        }
        Cardinality::Map { key, value: v } => {
            let ty = types::field_type(field, from);
            let k = value(key, field.types, from, false);
            let v = value(v, field.types, from, false);
            let count = count(holds_messages(field));
            quote! {{
                let n = #count;
                let mut map = <#ty>::default();
                for _ in 0..n {
                    let key = #k;
                    map.insert(key, #v);
                }
                map
            }}
        }
    }
}

fn count(messages: bool) -> TokenStream {
    if messages {
        quote!(if depth > 0 {
            ::rsfast::populate::count(u)?
        } else {
            0
        })
    } else {
        quote!(::rsfast::populate::count(u)?)
    }
}

/// A random value of `kind`; `required` message values are filled even at depth 0.
fn value(kind: &Kind, types: ValueTypes, from: &[String], required: bool) -> TokenStream {
    match kind {
        Kind::Scalar(Scalar::Float) => quote!(::rsfast::populate::float32(u)?),
        Kind::Scalar(Scalar::Double) => quote!(::rsfast::populate::float64(u)?),
        Kind::Scalar(s) => {
            let ty = s.rust_type();
            quote!(::rsfast::populate::value::<#ty>(u)?)
        }
        Kind::String => match types.string {
            StringType::String => quote!(::rsfast::populate::string(u)?),
            StringType::Bytes => quote!(::rsfast::populate::shared_string(u)?),
        },
        Kind::Bytes => match types.bytes {
            BytesType::Vec => quote!(::rsfast::populate::byte_vec(u)?),
            BytesType::Bytes => quote!(::rsfast::populate::shared_bytes(u)?),
        },
        Kind::Enum(e) if e.closed => {
            let path = type_path(&e.path, from);
            let variants = e.variants.iter().map(|v| {
                let v = ident(v);
                quote!(#path::#v)
            });
            quote!(::rsfast::populate::closed_enum(u, &[#(#variants),*])?)
        }
        Kind::Enum(_) => quote!(::rsfast::populate::open_enum(u)?),
        Kind::Message(m) => {
            let path = type_path(&m.path, from);
            let depth = if required {
                quote!(depth.saturating_sub(1))
            } else {
                quote!(depth - 1)
            };
            let v = quote!(<#path as ::rsfast::populate::Populate>::populate(u, #depth)?);
            if m.boxed {
                quote!(::std::boxed::Box::new(#v))
            } else {
                v
            }
        }
    }
}
