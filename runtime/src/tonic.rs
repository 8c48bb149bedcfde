//! A [tonic](https://docs.rs/tonic) codec for rsfast messages (cargo feature `tonic`).
//!
//! Client and server code generated with the `grpc` option names [`RsfastCodec`] as its
//! codec, so rsfast messages travel through tonic with rsfast's encode and decode:
//!
//! - encoding reserves [`Message::encoded_len`] bytes in tonic's buffer and writes the
//!   message straight into it, back to front, with no intermediate buffer;
//! - decoding reads the message from the buffer tonic hands over, in place when its bytes
//!   are contiguous (they are, for tonic's buffers) and after one copy otherwise.
//!
//! Decode errors become `INTERNAL` statuses carrying the error's message, as with
//! tonic-prost's codec.

use std::fmt;
use std::marker::PhantomData;

use ::tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use ::tonic::Status;
use bytes::Buf;

use crate::{DecodeError, Message};

/// A [`Codec`] for rsfast messages: `E` is the message this side sends, `D` the one it
/// receives. Generated code creates it with `RsfastCodec::default()` and lets inference
/// pick the types.
pub struct RsfastCodec<E, D> {
    _types: PhantomData<fn(E) -> D>,
}

impl<E, D> RsfastCodec<E, D> {
    pub fn new() -> Self {
        RsfastCodec {
            _types: PhantomData,
        }
    }
}

impl<E, D> Default for RsfastCodec<E, D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E, D> Clone for RsfastCodec<E, D> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E, D> Copy for RsfastCodec<E, D> {}

impl<E, D> fmt::Debug for RsfastCodec<E, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsfastCodec").finish()
    }
}

impl<E, D> Codec for RsfastCodec<E, D>
where
    E: Message + Send + 'static,
    D: Message + Send + 'static,
{
    type Encode = E;
    type Decode = D;
    type Encoder = RsfastEncoder<E>;
    type Decoder = RsfastDecoder<D>;

    fn encoder(&mut self) -> Self::Encoder {
        RsfastEncoder { _type: PhantomData }
    }

    fn decoder(&mut self) -> Self::Decoder {
        RsfastDecoder { _type: PhantomData }
    }
}

/// Encodes rsfast messages into tonic's buffer (see [`RsfastCodec`]).
pub struct RsfastEncoder<M> {
    _type: PhantomData<fn(M)>,
}

impl<M> fmt::Debug for RsfastEncoder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsfastEncoder").finish()
    }
}

impl<M: Message> Encoder for RsfastEncoder<M> {
    type Item = M;
    type Error = Status;

    fn encode(&mut self, item: M, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        // Reserved first, so that the message is written straight into tonic's buffer.
        let len = item.encoded_len();
        dst.reserve(len);
        crate::message::write_into(dst, len, |w| item.write_to(w));
        Ok(())
    }
}

/// Decodes rsfast messages from tonic's buffer (see [`RsfastCodec`]).
pub struct RsfastDecoder<M> {
    _type: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for RsfastDecoder<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsfastDecoder").finish()
    }
}

impl<M: Message> Decoder for RsfastDecoder<M> {
    type Item = M;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<M>, Status> {
        take_message(src).map(Some).map_err(from_decode_error)
    }
}

/// Protobuf parse errors are `INTERNAL`, as gRPC's status code guide says (and as
/// tonic-prost maps them).
fn from_decode_error(error: DecodeError) -> Status {
    Status::internal(error.to_string())
}

/// Decodes one message from all the remaining bytes of `buf` and consumes them: from the
/// buffer itself when they are contiguous, else after copying them once.
fn take_message<M: Message>(buf: &mut impl Buf) -> Result<M, DecodeError> {
    let len = buf.remaining();
    let chunk = buf.chunk();
    if chunk.len() == len {
        let message = M::decode(chunk);
        buf.advance(len);
        message
    } else {
        let bytes = buf.copy_to_bytes(len);
        M::decode(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Reader, UnknownFields, Writer};
    use bytes::BufMut;

    /// A message made of unknown fields only: it round-trips any valid encoding.
    #[derive(Default, Debug, PartialEq)]
    struct Raw {
        unknown_fields: UnknownFields,
    }

    impl Message for Raw {
        fn encoded_len(&self) -> usize {
            self.unknown_fields.encoded_len()
        }
        fn write_to(&self, w: &mut Writer<'_>) {
            self.unknown_fields.write_to(w)
        }
        fn merge_from(&mut self, r: &mut Reader<'_>, end_group: u32) -> Result<(), DecodeError> {
            while let Some(tag) = r.next_tag(end_group)? {
                r.skip_field(tag, &mut self.unknown_fields)?;
            }
            Ok(())
        }
        fn clear(&mut self) {
            self.unknown_fields.clear()
        }
    }

    // field 1 = 150, field 2 = "hi"
    const ENCODED: &[u8] = &[0x08, 0x96, 0x01, 0x12, 0x02, b'h', b'i'];

    /// `Message::encode` (whose `write_into` the encoder shares) writes after what the buffer holds,
    /// in place when the room is contiguous.
    #[test]
    fn writes_in_place_after_what_is_there() {
        let message = Raw::decode(ENCODED).unwrap();
        let mut buf = bytes::BytesMut::from(&b"head"[..]);
        buf.reserve(ENCODED.len());
        let room = buf.spare_capacity_mut().as_ptr();
        message.encode(&mut buf).unwrap();
        assert_eq!(&buf[..], [&b"head"[..], ENCODED].concat());
        assert_eq!(buf[4..].as_ptr(), room.cast(), "written in place");
        let mut vec = b"v".to_vec();
        message.encode(&mut vec).unwrap();
        assert_eq!(vec, [&b"v"[..], ENCODED].concat());
    }

    #[test]
    fn writes_through_encode_without_contiguous_room() {
        let message = Raw::decode(ENCODED).unwrap();
        let (mut a, mut b) = ([0u8; 3], [0u8; 8]);
        // Room enough, but in two chunks: encoded aside, then copied.
        let mut split = (&mut a[..]).chain_mut(&mut b[..]);
        message.encode(&mut split).unwrap();
        assert_eq!([&a[..], &b[..ENCODED.len() - 3]].concat(), ENCODED);
        // With a length prefix, in place and across chunks.
        let delimited = [&[ENCODED.len() as u8][..], ENCODED].concat();
        let mut buf = bytes::BytesMut::new();
        message.encode_length_delimited(&mut buf).unwrap();
        assert_eq!(&buf[..], delimited);
        let (mut a, mut b) = ([0u8; 5], [0u8; 3]);
        message
            .encode_length_delimited(&mut (&mut a[..]).chain_mut(&mut b[..]))
            .unwrap();
        assert_eq!([&a[..], &b[..]].concat(), delimited);
        // Too little room: an error, nothing written.
        let mut small = [0u8; 4];
        assert!(message.encode(&mut &mut small[..]).is_err());
        assert_eq!(small, [0; 4]);
    }

    #[test]
    fn reads_contiguous_and_split_buffers() {
        let mut contiguous = ENCODED;
        let message: Raw = take_message(&mut contiguous).unwrap();
        assert!(contiguous.is_empty());
        assert_eq!(message.encode_to_vec(), ENCODED);

        let mut split = (&ENCODED[..4]).chain(&ENCODED[4..]);
        let message: Raw = take_message(&mut split).unwrap();
        assert_eq!(split.remaining(), 0);
        assert_eq!(message.encode_to_vec(), ENCODED);
    }

    #[test]
    fn decode_errors_are_internal() {
        let mut truncated = &ENCODED[..5];
        let err = take_message::<Raw>(&mut truncated).unwrap_err();
        let status = from_decode_error(err.clone());
        assert_eq!(status.code(), ::tonic::Code::Internal);
        assert_eq!(status.message(), err.to_string());
    }
}
