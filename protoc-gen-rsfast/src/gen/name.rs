//! `rsfast::Name`: each message's full proto name, for `Any` type URLs and registries.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::model::Message;

pub(super) fn name_impl(message: &Message) -> TokenStream {
    let name = ident(&message.rust_name);
    let full_name = &message.full_name;
    quote! {
        impl ::rsfast::Name for #name {
            const FULL_NAME: &'static str = #full_name;
        }
    }
}
