//! One text codec per kind of value: generated code names them statically per field.

use core::marker::PhantomData;

use super::{format_f32, format_f64, Parser, Printer, TextEnum, TextError, TextMessage};
use crate::OpenEnum;

/// How values of one kind print and parse.
pub trait TextCodec {
    type Value;
    /// Messages: the `:` before the value is optional.
    const IS_MESSAGE: bool = false;
    /// Prints the value after its field name (`: 1` or ` { ... }`) and the newline.
    fn print(value: &Self::Value, p: &mut Printer<'_>);
    /// Parses the value (after the separator).
    fn parse(p: &mut Parser<'_>) -> Result<Self::Value, TextError>;
}

macro_rules! integer {
    ($($name:ident($ty:ty, $read:ident $(, $min:expr)?);)*) => {$(
        #[derive(Debug)]
        pub struct $name;
        impl TextCodec for $name {
            type Value = $ty;
            fn print(value: &$ty, p: &mut Printer<'_>) {
                p.scalar(value);
            }
            fn parse(p: &mut Parser<'_>) -> Result<$ty, TextError> {
                Ok(p.$read($($min.into(),)? <$ty>::MAX.into())? as $ty)
            }
        }
    )*};
}

integer! {
    I32(i32, signed, i32::MIN);
    I64(i64, signed, i64::MIN);
    U32(u32, unsigned);
    U64(u64, unsigned);
}

#[derive(Debug)]
pub struct F32;
impl TextCodec for F32 {
    type Value = f32;
    fn print(value: &f32, p: &mut Printer<'_>) {
        p.scalar(format_f32(*value));
    }
    fn parse(p: &mut Parser<'_>) -> Result<f32, TextError> {
        // As protobuf's own parsers do: read a double, then round it to a float.
        Ok(p.float()? as f32)
    }
}

#[derive(Debug)]
pub struct F64;
impl TextCodec for F64 {
    type Value = f64;
    fn print(value: &f64, p: &mut Printer<'_>) {
        p.scalar(format_f64(*value));
    }
    fn parse(p: &mut Parser<'_>) -> Result<f64, TextError> {
        p.float()
    }
}

#[derive(Debug)]
pub struct Bool;
impl TextCodec for Bool {
    type Value = bool;
    fn print(value: &bool, p: &mut Printer<'_>) {
        p.scalar(value);
    }
    fn parse(p: &mut Parser<'_>) -> Result<bool, TextError> {
        p.bool()
    }
}

#[derive(Debug)]
pub struct Str;
impl TextCodec for Str {
    type Value = String;
    fn print(value: &String, p: &mut Printer<'_>) {
        p.scalar(format_args!("\"{}\"", super::escape_str(value)));
    }
    fn parse(p: &mut Parser<'_>) -> Result<String, TextError> {
        p.string()
    }
}

/// `string` fields generated as `rsfast::BytesString` (option `string=bytes`), as
/// [`Str`].
#[derive(Debug)]
pub struct SharedStr;
impl TextCodec for SharedStr {
    type Value = crate::BytesString;
    fn print(value: &crate::BytesString, p: &mut Printer<'_>) {
        p.scalar(format_args!("\"{}\"", super::escape_str(value)));
    }
    fn parse(p: &mut Parser<'_>) -> Result<crate::BytesString, TextError> {
        p.string().map(crate::BytesString::from)
    }
}

#[derive(Debug)]
pub struct Bytes;
impl TextCodec for Bytes {
    type Value = Vec<u8>;
    fn print(value: &Vec<u8>, p: &mut Printer<'_>) {
        p.scalar(format_args!("\"{}\"", super::escape_bytes(value)));
    }
    fn parse(p: &mut Parser<'_>) -> Result<Vec<u8>, TextError> {
        p.string_bytes()
    }
}

/// `bytes` fields generated as `bytes::Bytes` (option `bytes=bytes`), as [`Bytes`].
#[derive(Debug)]
pub struct SharedBytes;
impl TextCodec for SharedBytes {
    type Value = bytes::Bytes;
    fn print(value: &bytes::Bytes, p: &mut Printer<'_>) {
        p.scalar(format_args!("\"{}\"", super::escape_bytes(&value[..])));
    }
    fn parse(p: &mut Parser<'_>) -> Result<bytes::Bytes, TextError> {
        p.string_bytes().map(bytes::Bytes::from)
    }
}

/// An open enum: any number is kept; declared values print by name.
#[derive(Debug)]
pub struct Enum<E>(PhantomData<E>);
impl<E: TextEnum> TextCodec for Enum<E> {
    type Value = OpenEnum<E>;
    fn print(value: &OpenEnum<E>, p: &mut Printer<'_>) {
        match value.known() {
            Some(e) => p.scalar(e.as_str_name()),
            None => p.scalar(value.value()),
        }
    }
    fn parse(p: &mut Parser<'_>) -> Result<OpenEnum<E>, TextError> {
        let n = p.enum_value(|name| E::from_name(name).map(E::to_i32))?;
        Ok(OpenEnum::from_i32(n))
    }
}

/// A closed enum: an undeclared number is an error.
#[derive(Debug)]
pub struct ClosedEnum<E>(PhantomData<E>);
impl<E: TextEnum> TextCodec for ClosedEnum<E> {
    type Value = E;
    fn print(value: &E, p: &mut Printer<'_>) {
        p.scalar(value.as_str_name());
    }
    fn parse(p: &mut Parser<'_>) -> Result<E, TextError> {
        let start = p.position();
        let n = p.enum_value(|name| E::from_name(name).map(E::to_i32))?;
        E::from_i32(n).ok_or_else(|| p.error_at(start, format!("undeclared enum value {n}")))
    }
}

/// A message in `{ }` or `< >`.
#[derive(Debug)]
pub struct Msg<M>(PhantomData<M>);
impl<M: TextMessage + Default> TextCodec for Msg<M> {
    type Value = M;
    const IS_MESSAGE: bool = true;
    fn print(value: &M, p: &mut Printer<'_>) {
        p.message(value);
    }
    fn parse(p: &mut Parser<'_>) -> Result<M, TextError> {
        let mut message = M::default();
        p.merge_message_body(&mut message)?;
        Ok(message)
    }
}

/// A boxed message (a field on a cycle).
#[derive(Debug)]
pub struct BoxMsg<M>(PhantomData<M>);
impl<M: TextMessage + Default> TextCodec for BoxMsg<M> {
    type Value = Box<M>;
    const IS_MESSAGE: bool = true;
    fn print(value: &Box<M>, p: &mut Printer<'_>) {
        p.message(&**value);
    }
    fn parse(p: &mut Parser<'_>) -> Result<Box<M>, TextError> {
        Msg::<M>::parse(p).map(Box::new)
    }
}
