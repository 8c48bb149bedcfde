//! The `benches` option: `<package>.benches.rs`, criterion benchmarks of `encode`,
//! `decode` and `encoded_len` for every message on populated instances. It holds a
//! module `rsfast_benches` to include next to the package's code:
//!
//! ```text
//! mod benchmarks {
//!     rsfast::include_proto!("benchmarks");
//!     rsfast::include_proto!("benchmarks.benches");
//! }
//! criterion::criterion_group!(benches, benchmarks::rsfast_benches::benches);
//! criterion::criterion_main!(benches);
//! ```

use proc_macro2::TokenStream;
use quote::quote;

use super::{ident, type_path};
use crate::model::{Message, Package, TypePath};

const MODULE: &str = "rsfast_benches";

/// The file's name: `<package>.benches.rs`.
pub(super) fn file_name(package: &Package) -> String {
    let main = crate::names::package_file(&package.name);
    format!("{}.benches.rs", main.trim_end_matches(".rs"))
}

pub(super) fn benches_module(package: &Package) -> TokenStream {
    let mut messages = Vec::new();
    collect(&package.messages, &mut messages);
    let mut from = super::testgen::package_module(package);
    from.push(MODULE.to_owned());
    let calls = messages.iter().map(|m| {
        let path = type_path(
            &TypePath {
                module: m.module.clone(),
                name: m.rust_name.clone(),
            },
            &from,
        );
        let name = &m.full_name;
        quote!(bench_message::<#path>(c, #name);)
    });
    let module = ident(MODULE);
    let doc = format!(
        " Criterion benchmarks of every message of `{}` (the `benches` option).",
        package.name
    );
    quote! {
        #[doc = #doc]
        pub mod #module {
            /// How many populated instances each benchmark encodes or decodes per iteration.
            const INSTANCES: u64 = 16;

            /// Every message's benchmarks: add to a criterion group.
            pub fn benches(c: &mut ::criterion::Criterion) {
                #(#calls)*
            }

            /// `encode`, `decode` and `encoded_len` of `INSTANCES` populated instances of
            /// `M`, in a group named after the message, with throughput in encoded bytes.
            pub fn bench_message<M>(c: &mut ::criterion::Criterion, name: &str)
            where
                M: ::rsfast::Message + ::rsfast::populate::Populate,
            {
                let messages: ::std::vec::Vec<M> =
                    (0..INSTANCES).map(::rsfast::populate::from_seed).collect();
                let encoded: ::std::vec::Vec<::std::vec::Vec<u8>> =
                    messages.iter().map(::rsfast::Message::encode_to_vec).collect();
                let bytes: usize = encoded.iter().map(::std::vec::Vec::len).sum();
                let mut group = c.benchmark_group(name);
                group.throughput(::criterion::Throughput::Bytes(bytes as u64));
                group.bench_function("encode", |b| {
                    let mut buf = ::std::vec::Vec::with_capacity(bytes);
                    b.iter(|| {
                        for m in &messages {
                            buf.clear();
                            m.encode_into_vec(&mut buf);
                            ::std::hint::black_box(&buf);
                        }
                    })
                });
                group.bench_function("decode", |b| {
                    b.iter(|| {
                        for e in &encoded {
                            ::std::hint::black_box(M::decode(::std::hint::black_box(e)).ok());
                        }
                    })
                });
                group.bench_function("encoded_len", |b| {
                    b.iter(|| {
                        for m in &messages {
                            ::std::hint::black_box(::std::hint::black_box(m).encoded_len());
                        }
                    })
                });
                group.finish();
            }
        }
    }
}

fn collect<'a>(messages: &'a [Message], out: &mut Vec<&'a Message>) {
    for m in messages {
        out.push(m);
        collect(&m.messages, out);
    }
}
