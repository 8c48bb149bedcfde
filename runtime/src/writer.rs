//! The backward writer: messages are written back to front into a buffer of exactly
//! `encoded_len()` bytes, so a nested message's length is known when its prefix is
//! written and no size is ever computed twice.

use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::NonNull;

use crate::wire;
use crate::Message;

/// Writes into a slice from its end towards its start.
///
/// Bounds are checked: a `Message` whose `encoded_len` understates what `write_to` writes
/// panics here instead of corrupting memory. The slice may be uninitialized (a `Vec`'s
/// spare capacity): every byte between [`Writer::remaining`] and the end has been
/// written, because each write moves the position down by exactly what it writes.
///
/// The writer keeps only the start of the slice and the position: the position never
/// grows, so one compare (`n <= pos`) checks a write of `n` bytes.
#[derive(Debug)]
pub struct Writer<'a> {
    /// Invariant: `start..start + pos` is inside the borrowed slice.
    start: NonNull<MaybeUninit<u8>>,
    pos: usize,
    _buf: PhantomData<&'a mut [MaybeUninit<u8>]>,
}

// SAFETY: a `Writer` is a `&mut [MaybeUninit<u8>]` and a position, and is shared and
// sent as that borrow is.
unsafe impl Send for Writer<'_> {}
// SAFETY: as above; `&Writer` only reads the position.
unsafe impl Sync for Writer<'_> {}

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
        Writer {
            pos: buf.len(),
            start: NonNull::from(buf).cast(),
            _buf: PhantomData,
        }
    }

    /// Bytes still free in front of what has been written.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.pos
    }

    /// Moves the position down by `n` bytes and returns the new position, or panics if
    /// fewer than `n` bytes are free. The bytes at the new position are then the
    /// caller's to write.
    #[inline(always)]
    fn claim(&mut self, n: usize) -> usize {
        if n > self.pos {
            overflow();
        }
        self.pos -= n;
        self.pos
    }

    /// The address of byte `at`, which must be below the position the writer had when
    /// it was created.
    #[inline(always)]
    fn at(&mut self, at: usize) -> *mut u8 {
        // SAFETY: callers pass positions returned by `claim`, which are below the
        // slice's length (the invariant on `start`).
        unsafe { self.start.as_ptr().add(at).cast::<u8>() }
    }

    #[inline]
    pub fn put_u8(&mut self, byte: u8) {
        let at = self.claim(1);
        // SAFETY: `claim` reserved byte `at` inside the slice.
        unsafe { self.at(at).write(byte) };
    }

    #[inline]
    pub fn put_slice(&mut self, bytes: &[u8]) {
        let at = self.claim(bytes.len());
        // SAFETY: `claim` reserved `bytes.len()` bytes from `at` inside the slice, and a
        // `&[u8]` cannot overlap the buffer the writer borrows mutably.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.at(at), bytes.len()) };
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
        let at = self.claim(len);
        let out = self.at(at);
        for i in 0..len - 1 {
            // SAFETY: `claim` reserved `len` bytes from `at`, and `i < len`.
            unsafe { out.add(i).write((value as u8) | 0x80) };
            value >>= 7;
        }
        // SAFETY: as above; `len >= 1`.
        unsafe { out.add(len - 1).write(value as u8) };
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

    /// A record of tag bytes `tag` and a varint value, back to front. A one-byte value
    /// (the common case) is written together with its tag: one bounds check.
    #[inline]
    pub fn put_tagged_varint(&mut self, tag: &[u8], value: u64) {
        if value < 0x80 {
            let at = self.claim(tag.len() + 1);
            let out = self.at(at);
            // SAFETY: `claim` reserved `tag.len() + 1` bytes from `at`; `tag` cannot
            // overlap the buffer.
            unsafe {
                core::ptr::copy_nonoverlapping(tag.as_ptr(), out, tag.len());
                out.add(tag.len()).write(value as u8);
            }
        } else {
            self.put_varint_multi(value);
            self.put_slice(tag);
        }
    }

    /// A record of tag bytes `tag` and a fixed-width value's bytes: one bounds check.
    #[inline]
    pub fn put_tagged_slice(&mut self, tag: &[u8], bytes: &[u8]) {
        let at = self.claim(tag.len() + bytes.len());
        let out = self.at(at);
        // SAFETY: `claim` reserved both lengths from `at`; neither input can overlap
        // the buffer.
        unsafe {
            core::ptr::copy_nonoverlapping(tag.as_ptr(), out, tag.len());
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), out.add(tag.len()), bytes.len());
        }
    }

    /// A length-delimited record: the bytes, then (in front) their length and `tag`.
    #[inline]
    pub fn put_tagged_bytes(&mut self, tag: &[u8], bytes: &[u8]) {
        self.put_slice(bytes);
        self.put_tagged_varint(tag, bytes.len() as u64);
    }

    /// A sub-message record: its fields, then (in front) their length and `tag`.
    #[inline]
    pub fn put_tagged_message<M: Message>(&mut self, tag: &[u8], message: &M) {
        let end = self.pos;
        message.write_to(self);
        self.put_tagged_varint(tag, (end - self.pos) as u64);
    }

    /// A group (delimited encoding): start tag, fields, end tag. Written back to front.
    #[inline]
    pub fn put_group<M: Message>(&mut self, message: &M, field_number: u32) {
        self.put_varint(wire::tag(field_number, wire::WireType::EndGroup) as u64);
        message.write_to(self);
        self.put_varint(wire::tag(field_number, wire::WireType::StartGroup) as u64);
    }
}

/// A write past the start of the buffer: `encoded_len` understated what `write_to` wrote.
#[cold]
#[inline(never)]
fn overflow() -> ! {
    panic!("rsfast: write_to wrote more than encoded_len")
}
