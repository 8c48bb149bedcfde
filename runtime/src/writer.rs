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

    /// [`Writer::put_slice`] for a payload of any length: one of at most 16 bytes (most
    /// strings) is copied inline by two overlapping loads and stores instead of a
    /// `memcpy` call.
    #[inline]
    fn put_body(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let at = self.claim(n);
        let out = self.at(at);
        let src = bytes.as_ptr();
        // SAFETY: `claim` reserved `n` bytes from `at`; every access below is inside
        // `src[..n]` and `out[..n]` (the branches bound `n`), and a `&[u8]` cannot
        // overlap the buffer.
        unsafe {
            if n > 16 {
                core::ptr::copy_nonoverlapping(src, out, n);
            } else if n >= 8 {
                let head = src.cast::<u64>().read_unaligned();
                let tail = src.add(n - 8).cast::<u64>().read_unaligned();
                out.cast::<u64>().write_unaligned(head);
                out.add(n - 8).cast::<u64>().write_unaligned(tail);
            } else if n >= 4 {
                let head = src.cast::<u32>().read_unaligned();
                let tail = src.add(n - 4).cast::<u32>().read_unaligned();
                out.cast::<u32>().write_unaligned(head);
                out.add(n - 4).cast::<u32>().write_unaligned(tail);
            } else if n > 0 {
                out.write(*src);
                out.add(n / 2).write(*src.add(n / 2));
                out.add(n - 1).write(*src.add(n - 1));
            }
        }
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
        if value < 1 << 14 {
            // Two bytes (lengths of 128 B to 16 KiB): one store, no length computation.
            let two = (value as u16 & 0x7f) | 0x80 | ((value as u16 >> 7) << 8);
            let at = self.claim(2);
            // SAFETY: `claim` reserved 2 bytes from `at`.
            unsafe { self.at(at).cast::<[u8; 2]>().write(two.to_le_bytes()) };
            return;
        }
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

    /// A length-delimited sub-message: its fields, then (in front) their length.
    #[inline]
    pub fn put_message<M: Message>(&mut self, message: &M) {
        self.put_tagged_message(&[], message);
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
        self.put_body(bytes);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_and_bodies_match_the_reference_encoding() {
        let mut expect = [0u8; 10];
        for shift in 0..64 {
            for v in [1u64 << shift, (1u64 << shift) - 1, (1u64 << shift) + 1] {
                let n = wire::encode_varint(v, &mut expect);
                let mut out = [0u8; 12];
                let mut w = Writer::new(&mut out);
                w.put_tagged_varint(&[8], v);
                assert_eq!(w.remaining(), 12 - 1 - n, "{v}");
                assert_eq!(&out[12 - 1 - n..], [&[8][..], &expect[..n]].concat(), "{v}");
            }
        }
        // Bodies of every length around the inline-copy cases.
        for n in 0..40usize {
            let body: Vec<u8> = (0..n as u8).map(|b| b.wrapping_mul(37) ^ 0x5a).collect();
            let mut out = vec![0u8; n + 2];
            let mut w = Writer::new(&mut out);
            w.put_tagged_bytes(&[18], &body);
            assert_eq!(w.remaining(), 0);
            assert_eq!(out, [&[18, n as u8][..], &body].concat(), "{n}");
        }
    }

    #[test]
    #[should_panic(expected = "wrote more than encoded_len")]
    fn writing_past_the_start_panics() {
        let mut out = [0u8; 3];
        let mut w = Writer::new(&mut out);
        w.put_tagged_bytes(&[10], b"abc");
    }
}
