//! The backward writer: messages are written back to front into a buffer of exactly
//! `encoded_len()` bytes, so a nested message's length is known when its prefix is
//! written and no size is ever computed twice.

use core::mem::MaybeUninit;

use crate::wire;
use crate::Message;

/// Writes into a slice from its end towards its start.
///
/// Bounds are checked: a `Message` whose `encoded_len` understates what `write_to` writes
/// panics here instead of corrupting memory. The slice may be uninitialized (a `Vec`'s
/// spare capacity): every byte between [`Writer::remaining`] and the end has been
/// written, because each write moves the position down by exactly what it writes.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [MaybeUninit<u8>],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// A writer that fills `buf` from its end.
    #[inline]
    pub fn new(buf: &'a mut [u8]) -> Self {
        // SAFETY: `MaybeUninit<u8>` has `u8`'s layout, and the writer only ever stores
        // initialized bytes, so `buf` stays initialized.
        let buf = unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) };
        Writer::new_uninit(buf)
    }

    /// A writer that fills possibly uninitialized memory from its end.
    #[inline]
    pub fn new_uninit(buf: &'a mut [MaybeUninit<u8>]) -> Self {
        let pos = buf.len();
        Writer { buf, pos }
    }

    /// Bytes still free in front of what has been written.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.pos
    }

    #[inline]
    pub fn put_u8(&mut self, byte: u8) {
        self.pos -= 1;
        self.buf[self.pos] = MaybeUninit::new(byte);
    }

    #[inline]
    pub fn put_slice(&mut self, bytes: &[u8]) {
        let start = self.pos - bytes.len();
        let out = &mut self.buf[start..self.pos];
        // SAFETY: `out` is exactly `bytes.len()` bytes (the slicing above checked it),
        // and a `&[u8]` cannot overlap the `&mut` buffer.
        unsafe {
            core::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                out.as_mut_ptr().cast::<u8>(),
                out.len(),
            );
        }
        self.pos = start;
    }

    #[inline]
    pub fn put_varint(&mut self, value: u64) {
        if value < 0x80 {
            self.put_u8(value as u8);
        } else {
            self.put_varint_multi(value);
        }
    }

    /// Writes a varint of two or more bytes in place: its length is known up front.
    #[inline]
    fn put_varint_multi(&mut self, mut value: u64) {
        let len = wire::varint_len(value);
        let start = self.pos - len;
        let out = &mut self.buf[start..self.pos];
        let (last, body) = out
            .split_last_mut()
            .expect("a varint has at least one byte");
        for b in body {
            *b = MaybeUninit::new((value as u8) | 0x80);
            value >>= 7;
        }
        *last = MaybeUninit::new(value as u8);
        self.pos = start;
    }

    #[inline]
    pub fn put_fixed32(&mut self, value: u32) {
        self.put_slice(&value.to_le_bytes());
    }

    #[inline]
    pub fn put_fixed64(&mut self, value: u64) {
        self.put_slice(&value.to_le_bytes());
    }

    /// A length-delimited payload: the bytes, then (in front) their length.
    #[inline]
    pub fn put_bytes(&mut self, bytes: &[u8]) {
        self.put_slice(bytes);
        self.put_varint(bytes.len() as u64);
    }

    /// A length-delimited sub-message: its fields, then (in front) their length.
    #[inline]
    pub fn put_message<M: Message>(&mut self, message: &M) {
        let end = self.pos;
        message.write_to(self);
        self.put_varint((end - self.pos) as u64);
    }

    /// A group (delimited encoding): start tag, fields, end tag. Written back to front.
    #[inline]
    pub fn put_group<M: Message>(&mut self, message: &M, field_number: u32) {
        self.put_varint(wire::tag(field_number, wire::WireType::EndGroup) as u64);
        message.write_to(self);
        self.put_varint(wire::tag(field_number, wire::WireType::StartGroup) as u64);
    }
}
