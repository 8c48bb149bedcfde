//! The `json` option: serde `Serialize` and `Deserialize` per message (the canonical
//! proto3 JSON mapping, through the codecs in `rsfast::json::codec`), enum name lookup,
//! and `register_json_types` per package for `Any`.
//!
//! Serialize writes lowerCamel names and skips what is not present (implicit fields at
//! their default, unset optional fields, empty lists and maps). Deserialize matches
//! member names as bytes against both the JSON and the .proto name of each field,
//! treats `null` as "not set", and rejects a field given twice and a second oneof member.

use std::collections::HashSet;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{ident, implicit_is_set, type_path, types::value_type, value_codec};
use crate::model::ValueTypes;
use crate::model::{Cardinality, Enum, Field, Kind, Message, Package, Presence, TypePath};

const VALUE: &str = "google.protobuf.Value";
const NULL_VALUE: &str = "google.protobuf.NullValue";

/// The `rsfast::json::codec` codec of one value of `kind`, seen from module `from`.
fn codec(kind: &Kind, types: ValueTypes, from: &[String]) -> TokenStream {
    let module = quote!(::rsfast::json::codec);
    match kind {
        // Value and NullValue have JSON forms of their own.
        Kind::Enum(e) if e.full_name == NULL_VALUE && !e.closed => quote!(#module::NullValue),
        Kind::Message(m) if m.full_name == VALUE && !m.boxed => quote!(#module::ValueMsg),
        kind => value_codec(module, kind, types, from),
    }
}

/// `Serialize`, `Deserialize` and `rsfast::json::JsonMessage` for one message.
pub(super) fn message_impls(message: &Message) -> TokenStream {
    if !message.json {
        return TokenStream::new();
    }
    let name = ident(&message.rust_name);
    let serialize = serialize_body(message);
    let write = write_body(message);
    let merge = merge_body(message);
    quote! {
        impl ::rsfast::serde::Serialize for #name {
            fn serialize<S: ::rsfast::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                #serialize
            }
        }
        impl ::rsfast::json::JsonWrite for #name {
            fn write_json(
                &self,
                w: &mut ::rsfast::json::JsonWriter<'_>,
            ) -> ::core::result::Result<(), ::rsfast::json::Error> {
                #write
            }
        }
        impl<'de> ::rsfast::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::rsfast::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                ::rsfast::json::deserialize_message(deserializer)
            }
        }
        impl ::rsfast::json::JsonMessage for #name {
            fn merge_json<'de, A: ::rsfast::serde::de::MapAccess<'de>>(
                &mut self,
                mut map: A,
            ) -> ::core::result::Result<(), A::Error> {
                #merge
            }
        }
    }
}

fn serialize_body(message: &Message) -> TokenStream {
    let from = &message.module;
    let entry = |field: &Field, wrapper: TokenStream| {
        let json = &field.json_name;
        quote!(::rsfast::serde::ser::SerializeMap::serialize_entry(&mut map, #json, &#wrapper)?;)
    };
    let fields = message.fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        match &f.cardinality {
            Cardinality::Singular(Presence::Implicit) => {
                let c = codec(&f.kind, f.types, from);
                let set = implicit_is_set(&f.kind, &quote!(self.#name));
                let put = entry(f, quote!(::rsfast::json::codec::Ser::<#c>(&self.#name)));
                quote!(if #set { #put })
            }
            Cardinality::Singular(_) => {
                let c = codec(&f.kind, f.types, from);
                let put = entry(f, quote!(::rsfast::json::codec::Ser::<#c>(v)));
                quote!(if let ::core::option::Option::Some(v) = &self.#name { #put })
            }
            Cardinality::Repeated { .. } => {
                let c = codec(&f.kind, f.types, from);
                let put = entry(
                    f,
                    quote!(::rsfast::json::codec::SerRepeated::<#c>(&self.#name)),
                );
                quote!(if !self.#name.is_empty() { #put })
            }
            Cardinality::Map { key, value } => {
                let k = value_type(key, f.types, from);
                let c = codec(value, f.types, from);
                let put = entry(
                    f,
                    quote!(::rsfast::json::codec::SerMap::<#k, #c>(&self.#name)),
                );
                quote!(if !self.#name.is_empty() { #put })
            }
        }
    });
    let child = ident(&message.child_module);
    let oneofs = message.oneofs.iter().map(|o| {
        let name = ident(&o.rust_field);
        let enum_name = ident(&o.rust_enum);
        let arms = o.fields.iter().map(|f| {
            let variant = ident(&f.variant);
            let c = codec(&f.kind, f.types, from);
            let put = entry(f, quote!(::rsfast::json::codec::Ser::<#c>(v)));
            quote!(::core::option::Option::Some(#child::#enum_name::#variant(v)) => { #put })
        });
        quote! {
            match &self.#name {
                #(#arms)*
                ::core::option::Option::None => {}
            }
        }
    });
    let binding = if message.fields.is_empty() && message.oneofs.is_empty() {
        quote!(map)
    } else {
        quote!(mut map)
    };
    let binding = if message.extendable {
        quote!(mut map)
    } else {
        binding
    };
    let extensions = message.extendable.then(|| {
        quote! {
            ::rsfast::json::serialize_extensions(
                &mut map,
                <Self as ::rsfast::Name>::FULL_NAME,
                &self.unknown_fields,
            )?;
        }
    });
    quote! {
        let #binding = serializer.serialize_map(::core::option::Option::None)?;
        #(#fields)*
        #(#oneofs)*
        #extensions
        ::rsfast::serde::ser::SerializeMap::end(map)
    }
}

/// `"name":` as bytes, escaped for JSON once, here.
fn quoted_key(json_name: &str) -> Literal {
    let mut key = String::from("\"");
    for c in json_name.chars() {
        match c {
            '"' => key.push_str("\\\""),
            '\\' => key.push_str("\\\\"),
            c if (c as u32) < 0x20 => key.push_str(&format!("\\u{:04x}", c as u32)),
            c => key.push(c),
        }
    }
    key.push_str("\":");
    Literal::byte_string(key.as_bytes())
}

/// The direct writer's version of [`serialize_body`]: the same members, same order.
fn write_body(message: &Message) -> TokenStream {
    let from = &message.module;
    let member = |field: &Field, write: TokenStream| {
        let key = quoted_key(&field.json_name);
        quote! {
            w.key(#key);
            #write
        }
    };
    let fields = message.fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        match &f.cardinality {
            Cardinality::Singular(Presence::Implicit) => {
                let c = codec(&f.kind, f.types, from);
                let set = implicit_is_set(&f.kind, &quote!(self.#name));
                let put = member(
                    f,
                    quote!(<#c as ::rsfast::json::Codec>::write(&self.#name, w)?;),
                );
                quote!(if #set { #put })
            }
            Cardinality::Singular(_) => {
                let c = codec(&f.kind, f.types, from);
                let put = member(f, quote!(<#c as ::rsfast::json::Codec>::write(v, w)?;));
                quote!(if let ::core::option::Option::Some(v) = &self.#name { #put })
            }
            Cardinality::Repeated { .. } => {
                let c = codec(&f.kind, f.types, from);
                let put = member(
                    f,
                    quote!(w.list(&self.#name, <#c as ::rsfast::json::Codec>::write)?;),
                );
                quote!(if !self.#name.is_empty() { #put })
            }
            Cardinality::Map { value, .. } => {
                let c = codec(value, f.types, from);
                let put = member(
                    f,
                    quote!(w.map(&self.#name, <#c as ::rsfast::json::Codec>::write)?;),
                );
                quote!(if !self.#name.is_empty() { #put })
            }
        }
    });
    let child = ident(&message.child_module);
    let oneofs = message.oneofs.iter().map(|o| {
        let name = ident(&o.rust_field);
        let enum_name = ident(&o.rust_enum);
        let arms = o.fields.iter().map(|f| {
            let variant = ident(&f.variant);
            let c = codec(&f.kind, f.types, from);
            let put = member(f, quote!(<#c as ::rsfast::json::Codec>::write(v, w)?;));
            quote!(::core::option::Option::Some(#child::#enum_name::#variant(v)) => { #put })
        });
        quote! {
            match &self.#name {
                #(#arms)*
                ::core::option::Option::None => {}
            }
        }
    });
    let extensions = message
        .extendable
        .then(|| quote!(w.extensions(<Self as ::rsfast::Name>::FULL_NAME, &self.unknown_fields)?;));
    quote! {
        let object = w.begin_object();
        #(#fields)*
        #(#oneofs)*
        #extensions
        w.end_object(object);
        ::core::result::Result::Ok(())
    }
}

/// Match patterns for a field: its JSON name and, when different, its .proto name;
/// names another field already claimed are left out (protoc forbids real clashes).
fn patterns(field: &Field, taken: &mut HashSet<String>) -> Vec<Literal> {
    [&field.json_name, &field.proto_name]
        .into_iter()
        .filter(|n| taken.insert((*n).clone()))
        .map(|n| Literal::string(n))
        .collect()
}

fn merge_body(message: &Message) -> TokenStream {
    let from = &message.module;
    let mut taken = HashSet::new();
    let all: Vec<(&Field, Option<&crate::model::Oneof>)> = message
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
    let count = Literal::usize_unsuffixed(all.len());
    let child = ident(&message.child_module);
    let arms: Vec<TokenStream> = all
        .iter()
        .enumerate()
        .filter_map(|(index, (f, oneof))| {
            let pats = patterns(f, &mut taken);
            if pats.is_empty() {
                return None;
            }
            let index = Literal::usize_unsuffixed(index);
            let json = &f.json_name;
            let name = ident(&f.rust_name);
            let read = |wrapper: TokenStream| {
                quote! {
                    map.next_value::<#wrapper>()
                        .map_err(|e| ::rsfast::json::in_path(e, #json))?
                }
            };
            let store = match (oneof, &f.cardinality) {
                (Some(o), _) => {
                    let c = codec(&f.kind, f.types, from);
                    let value = read(quote!(::rsfast::json::codec::Field<#c>));
                    let field = ident(&o.rust_field);
                    let enum_name = ident(&o.rust_enum);
                    let variant = ident(&f.variant);
                    let oneof_name = o.rust_field.trim_start_matches("r#");
                    quote! {
                        if let ::core::option::Option::Some(v) = #value.0 {
                            if self.#field.is_some() {
                                return ::core::result::Result::Err(
                                    ::rsfast::json::duplicate_oneof(#oneof_name),
                                );
                            }
                            self.#field = ::core::option::Option::Some(#child::#enum_name::#variant(v));
                        }
                    }
                }
                (None, Cardinality::Singular(Presence::Implicit)) => {
                    let c = codec(&f.kind, f.types, from);
                    let value = read(quote!(::rsfast::json::codec::Field<#c>));
                    quote! {
                        if let ::core::option::Option::Some(v) = #value.0 {
                            self.#name = v;
                        }
                    }
                }
                (None, Cardinality::Singular(_)) => {
                    let c = codec(&f.kind, f.types, from);
                    let value = read(quote!(::rsfast::json::codec::Field<#c>));
                    quote!(self.#name = #value.0;)
                }
                (None, Cardinality::Repeated { .. }) => {
                    let c = codec(&f.kind, f.types, from);
                    let value = read(quote!(::rsfast::json::codec::Repeated<#c>));
                    quote!(self.#name = #value.0;)
                }
                (None, Cardinality::Map { key, value }) => {
                    let k = value_type(key, f.types, from);
                    let c = codec(value, f.types, from);
                    let value = read(quote!(::rsfast::json::codec::Map<#k, #c>));
                    quote!(self.#name = #value.0;)
                }
            };
            Some(quote! {
                #(#pats)|* => {
                    if ::core::mem::replace(&mut seen[#index], true) {
                        return ::core::result::Result::Err(::rsfast::json::duplicate_field(#json));
                    }
                    #store
                }
            })
        })
        .collect();
    let full_name = &message.full_name;
    let seen = (!arms.is_empty()).then(|| quote!(let mut seen = [false; #count];));
    let other = if message.extendable {
        quote! {
            ::rsfast::json::extension_or_unknown_field(&mut map, &key, #full_name, &mut self.unknown_fields)?
        }
    } else {
        quote!(::rsfast::json::unknown_field(&mut map, &key, #full_name)?)
    };
    let dispatch = if arms.is_empty() {
        quote!(#other;)
    } else {
        quote! {
            match &*key {
                #(#arms)*
                _ => #other,
            }
        }
    };
    quote! {
        #seen
        while let ::core::option::Option::Some(key) = map.next_key::<::rsfast::json::Key<'de>>()? {
            #dispatch
        }
        ::core::result::Result::Ok(())
    }
}

/// `rsfast::json::EnumName` for one enum.
pub(super) fn enum_impl(e: &Enum) -> TokenStream {
    if !e.json {
        return TokenStream::new();
    }
    let name = ident(&e.rust_name);
    let arms = e.all_names.iter().map(|(text, number)| {
        let number = Literal::i32_unsuffixed(*number);
        quote!(#text => ::rsfast::Enum::from_i32(#number),)
    });
    quote! {
        impl ::rsfast::json::EnumName for #name {
            /// Any declared name, aliases included.
            fn from_name(name: &str) -> ::core::option::Option<Self> {
                match name {
                    #(#arms)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}

/// `register_json_types`: every message of the package, for `Any` in JSON.
pub(super) fn register_fn(package: &Package) -> TokenStream {
    if !package.json {
        return TokenStream::new();
    }
    let from = &package.module;
    let mut paths = Vec::new();
    fn collect(messages: &[Message], from: &[String], out: &mut Vec<TokenStream>) {
        for m in messages {
            out.push(type_path(
                &TypePath {
                    module: m.module.clone(),
                    name: m.rust_name.clone(),
                },
                from,
            ));
            collect(&m.messages, from, out);
        }
    }
    collect(&package.messages, from, &mut paths);
    let mut extensions = Vec::new();
    fn collect_extensions<'a>(
        scope: &'a [crate::model::Extension],
        messages: &'a [Message],
        out: &mut Vec<&'a crate::model::Extension>,
    ) {
        out.extend(scope);
        for m in messages {
            collect_extensions(&m.extensions, &m.messages, out);
        }
    }
    collect_extensions(&package.extensions, &package.messages, &mut extensions);
    let extensions = extensions.iter().map(|ext| {
        let path = type_path(
            &TypePath {
                module: ext.module.clone(),
                name: ext.const_name.clone(),
            },
            from,
        );
        // Extensions read enums as open enums whatever the enum says.
        let value = match &ext.kind {
            Kind::Enum(e) => {
                let path = type_path(&e.path, from);
                quote!(::rsfast::json::codec::Enum<#path>)
            }
            Kind::Message(m) => {
                let path = type_path(&m.path, from);
                quote!(::rsfast::json::codec::Msg<#path>)
            }
            // Extension values of type string and bytes are always `String` and `Vec<u8>`.
            kind => codec(kind, ValueTypes::OWNED, from),
        };
        let c = match ext.repeated {
            Some(_) => quote!(::rsfast::json::codec::List<#value>),
            None => value,
        };
        quote!(registry.register_extension::<#c, _, _>(&#path);)
    });
    let doc = format!(
        " Registers the messages of `{}` for `Any` in JSON.",
        package.name
    );
    quote! {
        #[doc = #doc]
        pub fn register_json_types(registry: &mut ::rsfast::json::Registry) {
            #(registry.register::<#paths>();)*
            #(#extensions)*
        }
    }
}
