//! The `text` option: `rsfast::text::TextMessage` per message (print the fields that
//! are set by name, in field-number order; parse by matching names), enum name lookup,
//! and `register_text_types` per package (message types for `Any`, extensions by name).
//!
//! Groups print under their type name and parse under it or the field name; reserved
//! names are skipped; `google.protobuf.Any` prints and parses the expanded
//! `[type_url] { ... }` form through the registry.

use std::collections::HashSet;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{ident, implicit_is_set, match_oneof, slots, type_path, value_codec, Slot};
use crate::model::ValueTypes;
use crate::model::{
    Cardinality, Enum, Extension, Field, Kind, Message, Package, Presence, TextImpls, TypePath,
};

const ANY: &str = "google.protobuf.Any";

/// `#[cfg(feature = "text")]` for the runtime's own well-known types.
fn gate(text: TextImpls) -> Option<TokenStream> {
    (text == TextImpls::FeatureGated).then(|| quote!(#[cfg(feature = "text")]))
}

/// The `rsfast::text::codec` codec of one value of `kind`, seen from module `from`.
fn codec(kind: &Kind, types: ValueTypes, from: &[String]) -> TokenStream {
    value_codec(quote!(::rsfast::text::codec), kind, types, from)
}

/// `rsfast::text::TextMessage` for one message.
pub(super) fn message_impl(message: &Message) -> TokenStream {
    if message.text == TextImpls::No {
        return TokenStream::new();
    }
    let gate = gate(message.text);
    let name = ident(&message.rust_name);
    let print = print_body(message);
    let merge = merge_body(message);
    quote! {
        #gate
        impl ::rsfast::text::TextMessage for #name {
            fn print_text(&self, p: &mut ::rsfast::text::Printer<'_>) {
                #print
            }
            fn merge_text_field(
                &mut self,
                p: &mut ::rsfast::text::Parser<'_>,
                name: &::rsfast::text::FieldName<'_>,
            ) -> ::core::result::Result<bool, ::rsfast::text::TextError> {
                #merge
            }
        }
    }
}

/// The Rust field of the field with .proto name `proto_name` (for `Any`).
fn field_named(message: &Message, proto_name: &str) -> TokenStream {
    let field = message
        .fields
        .iter()
        .find(|f| f.proto_name == proto_name)
        .expect("google.protobuf.Any has type_url and value");
    let name = ident(&field.rust_name);
    quote!(self.#name)
}

fn print_body(message: &Message) -> TokenStream {
    let from = &message.module;
    let any = (message.full_name == ANY).then(|| {
        let type_url = field_named(message, "type_url");
        let value = field_named(message, "value");
        quote! {
            if ::rsfast::text::print_any(&#type_url, &#value, p) {
                return;
            }
        }
    });
    let fields = slots(message).into_iter().map(|slot| match slot {
        Slot::Field(f) => {
            let name = ident(&f.rust_name);
            let text = &f.text_name;
            match &f.cardinality {
                Cardinality::Singular(Presence::Implicit) => {
                    let c = codec(&f.kind, f.types, from);
                    let set = implicit_is_set(&f.kind, &quote!(self.#name));
                    quote!(if #set { p.field::<#c>(#text, &self.#name); })
                }
                Cardinality::Singular(_) => {
                    let c = codec(&f.kind, f.types, from);
                    quote! {
                        if let ::core::option::Option::Some(v) = &self.#name {
                            p.field::<#c>(#text, v);
                        }
                    }
                }
                Cardinality::Repeated { .. } => {
                    let c = codec(&f.kind, f.types, from);
                    quote!(p.repeated::<#c>(#text, &self.#name);)
                }
                Cardinality::Map { key, value } => {
                    let k = codec(key, f.types, from);
                    let v = codec(value, f.types, from);
                    quote!(p.map::<#k, #v, _>(#text, &self.#name);)
                }
            }
        }
        Slot::Oneof(oneof, members) => {
            let child = ident(&message.child_module);
            let field = ident(&oneof.rust_field);
            let enum_name = ident(&oneof.rust_enum);
            let arms = members
                .iter()
                .map(|f| {
                    let variant = ident(&f.variant);
                    let c = codec(&f.kind, f.types, from);
                    let text = &f.text_name;
                    (
                        quote!(::core::option::Option::Some(#child::#enum_name::#variant(v))),
                        quote!(p.field::<#c>(#text, v);),
                    )
                })
                .collect();
            match_oneof(quote!(&self.#field), arms)
        }
    });
    let unknown = if message.extendable {
        quote!(p.extensions_and_unknown_fields(
            <Self as ::rsfast::Name>::FULL_NAME,
            &self.unknown_fields,
        );)
    } else if message.unknown_fields {
        quote!(p.unknown_fields(&self.unknown_fields);)
    } else {
        TokenStream::new()
    };
    let unused = (message.fields.is_empty() && message.oneofs.is_empty() && unknown.is_empty())
        .then(|| quote!(let _ = p;));
    quote! {
        #any
        #(#fields)*
        #unknown
        #unused
    }
}

/// Match patterns for a field: its text name and, when different, its .proto name;
/// names another field already claimed are left out.
fn patterns(field: &Field, taken: &mut HashSet<String>) -> Vec<Literal> {
    [&field.text_name, &field.proto_name]
        .into_iter()
        .filter(|n| taken.insert((*n).clone()))
        .map(|n| Literal::string(n))
        .collect()
}

fn merge_body(message: &Message) -> TokenStream {
    let from = &message.module;
    let mut taken = HashSet::new();
    let mut arms = Vec::new();
    for f in &message.fields {
        let pats = patterns(f, &mut taken);
        if pats.is_empty() {
            continue;
        }
        let name = ident(&f.rust_name);
        let text = &f.text_name;
        let store = match &f.cardinality {
            Cardinality::Singular(Presence::Implicit) => {
                let c = codec(&f.kind, f.types, from);
                quote!(p.set::<#c>(&mut self.#name, #text))
            }
            Cardinality::Singular(_) => {
                let c = codec(&f.kind, f.types, from);
                quote!(p.set_optional::<#c>(&mut self.#name, #text))
            }
            Cardinality::Repeated { .. } => {
                let c = codec(&f.kind, f.types, from);
                quote!(p.add::<#c>(&mut self.#name, #text))
            }
            Cardinality::Map { key, value } => {
                let k = codec(key, f.types, from);
                let v = codec(value, f.types, from);
                quote!(p.add_entries::<#k, #v, _>(&mut self.#name, #text))
            }
        };
        arms.push(quote!(::rsfast::text::FieldName::Ident(#(#pats)|*) => #store,));
    }
    let child = ident(&message.child_module);
    for oneof in &message.oneofs {
        let field = ident(&oneof.rust_field);
        let enum_name = ident(&oneof.rust_enum);
        let oneof_name = oneof.rust_field.trim_start_matches("r#");
        for f in &oneof.fields {
            let pats = patterns(f, &mut taken);
            if pats.is_empty() {
                continue;
            }
            let variant = ident(&f.variant);
            let c = codec(&f.kind, f.types, from);
            let text = &f.text_name;
            arms.push(quote! {
                ::rsfast::text::FieldName::Ident(#(#pats)|*) => p.set_oneof::<#c, _>(
                    &mut self.#field,
                    #oneof_name,
                    #text,
                    #child::#enum_name::#variant,
                ),
            });
        }
    }
    let reserved: Vec<&String> = message
        .reserved_names
        .iter()
        .filter(|n| !taken.contains(*n))
        .collect();
    if !reserved.is_empty() {
        arms.push(quote! {
            ::rsfast::text::FieldName::Ident(#(#reserved)|*) => p.skip_reserved(),
        });
    }
    if message.full_name == ANY {
        let type_url = field_named(message, "type_url");
        let value = field_named(message, "value");
        arms.push(quote! {
            ::rsfast::text::FieldName::Bracketed(name) => {
                ::rsfast::text::merge_any(&mut #type_url, &mut #value, name, p)
            }
        });
    } else if message.extendable {
        arms.push(quote! {
            ::rsfast::text::FieldName::Bracketed(name) => {
                ::rsfast::text::merge_extension(
                    <Self as ::rsfast::Name>::FULL_NAME,
                    &mut self.unknown_fields,
                    name,
                    p,
                )
            }
        });
    }
    if arms.is_empty() {
        return quote! {
            let _ = (p, name);
            ::core::result::Result::Ok(false)
        };
    }
    quote! {
        match name {
            #(#arms)*
            _ => ::core::result::Result::Ok(false),
        }
    }
}

/// `rsfast::text::TextEnum` for one enum.
pub(super) fn enum_impl(e: &Enum) -> TokenStream {
    if e.text == TextImpls::No {
        return TokenStream::new();
    }
    let gate = gate(e.text);
    let name = ident(&e.rust_name);
    quote! {
        #gate
        impl ::rsfast::text::TextEnum for #name {
            fn from_name(name: &str) -> ::core::option::Option<Self> {
                #name::from_str_name(name)
            }
        }
    }
}

/// `register_text_types`: every message of the package (for `Any`) and every
/// extension it declares (for bracketed names).
pub(super) fn register_fn(package: &Package) -> TokenStream {
    if package.text == TextImpls::No {
        return TokenStream::new();
    }
    let gate = gate(package.text);
    let from = &package.module;
    let mut items = Vec::new();
    fn extension(ext: &Extension, from: &[String], out: &mut Vec<TokenStream>) {
        let path = type_path(
            &TypePath {
                module: ext.module.clone(),
                name: ext.const_name.clone(),
            },
            from,
        );
        // Extensions of enum type read as open enums (see `types::extension_const`).
        let kind = match &ext.kind {
            Kind::Enum(e) => Kind::Enum(crate::model::EnumRef {
                closed: false,
                ..e.clone()
            }),
            Kind::Message(m) => Kind::Message(crate::model::MessageRef {
                boxed: false,
                ..m.clone()
            }),
            other => other.clone(),
        };
        // Extension values of type string and bytes are always `String` and `Vec<u8>`.
        let c = codec(&kind, ValueTypes::OWNED, from);
        out.push(match ext.repeated {
            None => quote!(registry.register_extension::<_, _, #c>(&#path);),
            Some(_) => quote!(registry.register_repeated_extension::<_, _, #c>(&#path);),
        });
    }
    fn collect(messages: &[Message], from: &[String], out: &mut Vec<TokenStream>) {
        for m in messages {
            let path = type_path(
                &TypePath {
                    module: m.module.clone(),
                    name: m.rust_name.clone(),
                },
                from,
            );
            out.push(quote!(registry.register::<#path>();));
            for ext in &m.extensions {
                extension(ext, from, out);
            }
            collect(&m.messages, from, out);
        }
    }
    for ext in &package.extensions {
        extension(ext, from, &mut items);
    }
    collect(&package.messages, from, &mut items);
    let doc = format!(
        " Registers the messages and extensions of `{}` for the text format.",
        package.name
    );
    let binding = if items.is_empty() {
        quote!(_registry)
    } else {
        quote!(registry)
    };
    quote! {
        #[doc = #doc]
        #gate
        pub fn register_text_types(#binding: &mut ::rsfast::text::Registry) {
            #(#items)*
        }
    }
}
