//! The `Message` trait: what every generated message implements.

use bytes::BufMut;

use crate::{wire, DecodeError, EncodeError, Reader, Writer};

/// A protobuf message with generated, specialised encode, decode and size code.
///
/// Generated code implements the four required methods; everything users call is provided.
pub trait Message: Default {
    /// The exact number of bytes [`Message::write_to`] writes.
    fn encoded_len(&self) -> usize;

    /// Writes the message back to front into `writer`, which has at least
    /// `encoded_len()` bytes of room.
    fn write_to(&self, writer: &mut Writer<'_>);

    /// Merges fields from `reader` until the end of input (`end_group == 0`) or the
    /// end-group tag of field `end_group`.
    fn merge_from(&mut self, reader: &mut Reader<'_>, end_group: u32) -> Result<(), DecodeError>;

    /// Resets every field to its default, keeping allocations where it can.
    fn clear(&mut self);

    /// Fails if a required field (proto2) is missing here or in a nested message.
    fn check_initialized(&self) -> Result<(), DecodeError> {
        Ok(())
    }

    /// Decodes a message from `buf`.
    fn decode(buf: &[u8]) -> Result<Self, DecodeError> {
        let mut message = Self::default();
        message.merge(buf)?;
        Ok(message)
    }

    /// Merges the fields encoded in `buf` into `self`: singular fields are replaced,
    /// repeated fields appended, sub-messages merged.
    fn merge(&mut self, buf: &[u8]) -> Result<(), DecodeError> {
        self.merge_from(&mut Reader::new(buf), 0)?;
        self.check_initialized()
    }

    /// Decodes a message from `buf`; its `bytes::Bytes` fields (the `bytes=bytes`
    /// option) are slices of `buf`, not copies.
    fn decode_bytes(buf: &bytes::Bytes) -> Result<Self, DecodeError> {
        let mut message = Self::default();
        message.merge_bytes(buf)?;
        Ok(message)
    }

    /// [`Message::merge`] from a `bytes::Bytes`, sharing its memory as
    /// [`Message::decode_bytes`] does.
    fn merge_bytes(&mut self, buf: &bytes::Bytes) -> Result<(), DecodeError> {
        self.merge_from(&mut Reader::new_shared(buf), 0)?;
        self.check_initialized()
    }

    /// Decodes a length-prefixed message from the front of `buf` and advances `buf` past it.
    fn decode_length_delimited(buf: &mut &[u8]) -> Result<Self, DecodeError> {
        let mut message = Self::default();
        message.merge_length_delimited(buf)?;
        Ok(message)
    }

    /// Merges a length-prefixed message from the front of `buf` and advances `buf` past it.
    fn merge_length_delimited(&mut self, buf: &mut &[u8]) -> Result<(), DecodeError> {
        let mut reader = Reader::new(buf);
        let payload = reader.read_bytes()?;
        *buf = reader.remaining();
        self.merge(payload)
    }

    /// Encodes into a new vector of exactly the right size.
    fn encode_to_vec(&self) -> Vec<u8> {
        let len = self.encoded_len();
        // One exact allocation up front (`reserve` on an empty vector takes the growth
        // path, which is not inlined).
        let mut buf = Vec::with_capacity(len);
        append_written(&mut buf, len, |w| self.write_to(w));
        buf
    }

    /// Appends the encoding to `buf`, reusing its capacity.
    fn encode_into_vec(&self, buf: &mut Vec<u8>) {
        let len = self.encoded_len();
        buf.reserve(len);
        append_written(buf, len, |w| self.write_to(w));
    }

    /// Encodes with a length prefix into a new vector.
    fn encode_length_delimited_to_vec(&self) -> Vec<u8> {
        let total = wire::len_delimited_len(self.encoded_len());
        let mut buf = Vec::with_capacity(total);
        append_written(&mut buf, total, |w| w.put_message(self));
        buf
    }

    /// Encodes into `buf`; fails without writing if it has too little room.
    fn encode(&self, buf: &mut impl BufMut) -> Result<(), EncodeError>
    where
        Self: Sized,
    {
        let len = self.encoded_len();
        if buf.remaining_mut() < len {
            return Err(EncodeError::new(len, buf.remaining_mut()));
        }
        write_into(buf, len, |w| self.write_to(w));
        Ok(())
    }

    /// Encodes with a length prefix into `buf`; fails without writing if it has too little room.
    fn encode_length_delimited(&self, buf: &mut impl BufMut) -> Result<(), EncodeError>
    where
        Self: Sized,
    {
        let len = wire::len_delimited_len(self.encoded_len());
        if buf.remaining_mut() < len {
            return Err(EncodeError::new(len, buf.remaining_mut()));
        }
        write_into(buf, len, |w| w.put_message(self));
        Ok(())
    }
}

/// Appends the `len` bytes that `write` writes (exactly that many, back to front) to
/// `buf`, which has room for them: straight into its spare capacity, no zero-filling
/// first.
#[inline]
fn append_written(buf: &mut Vec<u8>, len: usize, write: impl FnOnce(&mut Writer<'_>)) {
    let start = buf.len();
    let mut writer = Writer::new_uninit(&mut buf.spare_capacity_mut()[..len]);
    write(&mut writer);
    assert_eq!(writer.remaining(), 0, "encoded_len disagrees with write_to");
    // SAFETY: the writer filled all `len` bytes (it writes contiguously from the end and
    // reached the start), so they are initialized.
    unsafe { buf.set_len(start + len) };
}

/// Writes the `len` bytes that `write` writes into `buf`, which has room for them: in
/// place when the room is contiguous (a `BytesMut` or `Vec` with capacity), else into
/// a temporary vector that is then copied.
pub(crate) fn write_into(buf: &mut impl BufMut, len: usize, write: impl FnOnce(&mut Writer<'_>)) {
    let chunk = buf.chunk_mut();
    if chunk.len() < len {
        // A chain of buffers.
        let mut tmp = Vec::with_capacity(len);
        append_written(&mut tmp, len, write);
        buf.put_slice(&tmp);
        return;
    }
    // SAFETY: `chunk` has at least `len` bytes we may write, possibly uninitialized
    // (which `MaybeUninit` allows), borrowed exclusively through `buf`.
    let out = unsafe {
        core::slice::from_raw_parts_mut(
            chunk.as_mut_ptr().cast::<core::mem::MaybeUninit<u8>>(),
            len,
        )
    };
    let mut writer = Writer::new_uninit(out);
    write(&mut writer);
    assert_eq!(writer.remaining(), 0, "encoded_len disagrees with write_to");
    // SAFETY: as in `append_written`: all `len` bytes were written.
    unsafe { buf.advance_mut(len) };
}
