//! Hostile input: every malformed encoding must come back as a `DecodeError` of the
//! right kind, naming the field it happened in, and never panic, overflow the stack or
//! allocate what the input merely claims.
//!
//! The binary installs a counting global allocator. It counts per thread, and only
//! inside [`measure`], so tests running in parallel on other threads do not disturb a
//! measurement.

use std::alloc::{GlobalAlloc, Layout, System};
use std::any::type_name;
use std::cell::Cell;
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};

use rsfast::{DecodeError, DecodeErrorKind as K, Message, UnknownFields, DEFAULT_RECURSION_LIMIT};
use rsfast_tests::rsfast_gen::rsfast::test::{
    oneofs, other, outer, repeated, Color, Keywords, Maps, Oneofs, Optionals, Outer, Ping, Pong,
    Repeated, Scalars, Tree,
};
use rsfast_tests::rsfast_gen::rsfast::test2::{
    closed, groups, has_required, Closed, Defaults, Groups, HasRequired, Kind, Level, Packed,
    Required,
};

// ---------------------------------------------------------------------------------------
// Counting allocator
// ---------------------------------------------------------------------------------------

struct Counting;

thread_local! {
    // All const-initialised and without destructors: touching them never allocates, so
    // they are safe to use from inside the allocator.
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
    static TOTAL: Cell<usize> = const { Cell::new(0) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

/// Records `grow` newly requested bytes in a single allocation of `size` bytes.
fn record_alloc(size: usize, grow: isize) {
    let _ = ACTIVE.try_with(|active| {
        if !active.get() {
            return;
        }
        LARGEST.set(LARGEST.get().max(size));
        TOTAL.set(TOTAL.get() + grow.max(0) as usize);
        COUNT.set(COUNT.get() + 1);
        let live = LIVE.get() + grow;
        LIVE.set(live);
        PEAK.set(PEAK.get().max(live));
    });
}

fn record_free(size: usize) {
    let _ = ACTIVE.try_with(|active| {
        if active.get() {
            LIVE.set(LIVE.get() - size as isize);
        }
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record_alloc(layout.size(), layout.size() as isize);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        record_alloc(layout.size(), layout.size() as isize);
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record_free(layout.size());
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record_alloc(new_size, new_size as isize - layout.size() as isize);
        // SAFETY: forwarded unchanged.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What one [`measure`]d closure allocated on this thread.
#[derive(Clone, Copy, Debug)]
struct AllocStats {
    /// The largest single allocation (or reallocation target), in bytes.
    largest: usize,
    /// Bytes requested in all, counting only the growth of reallocations.
    total: usize,
    /// Allocation calls.
    count: usize,
    /// The most bytes live at once, relative to the start.
    peak: usize,
}

/// Runs `f` and reports what it allocated on this thread.
fn measure<R>(f: impl FnOnce() -> R) -> (R, AllocStats) {
    LARGEST.set(0);
    TOTAL.set(0);
    COUNT.set(0);
    LIVE.set(0);
    PEAK.set(0);
    ACTIVE.set(true);
    let result = f();
    ACTIVE.set(false);
    let stats = AllocStats {
        largest: LARGEST.get(),
        total: TOTAL.get(),
        count: COUNT.get(),
        peak: PEAK.get().max(0) as usize,
    };
    (result, stats)
}

#[test]
fn the_allocator_counts() {
    let (v, stats) = measure(|| vec![0u8; 1000]);
    assert_eq!(stats.largest, 1000);
    assert_eq!(stats.count, 1);
    drop(v);
    // Another thread's allocations are not counted here.
    let (_, stats) = measure(|| {
        std::thread::spawn(|| vec![0u8; 1 << 20])
            .join()
            .unwrap()
            .len()
    });
    assert!(stats.largest < 1 << 20, "{stats:?}");
}

// ---------------------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------------------

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

/// A tag: field number and wire type.
fn key(field: u32, wire_type: u8) -> Vec<u8> {
    varint(u64::from(field) << 3 | u64::from(wire_type))
}

/// A length-delimited record.
fn ld(field: u32, payload: &[u8]) -> Vec<u8> {
    cat(&[&key(field, 2), &varint(payload.len() as u64), payload])
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic>".to_owned()
    }
}

/// Decodes, turning a panic into a test failure that names the input.
fn try_decode<M: Message + Debug>(bytes: &[u8]) -> Result<M, DecodeError> {
    match catch_unwind(AssertUnwindSafe(|| M::decode(bytes))) {
        Ok(result) => result,
        Err(payload) => panic!(
            "BUG: decoding {bytes:02x?} as {} panicked: {}",
            type_name::<M>(),
            panic_message(&*payload)
        ),
    }
}

/// The error path as `message.field` strings, outermost first.
fn path_of(e: &DecodeError) -> Vec<String> {
    e.path().map(|(m, f)| format!("{m}.{f}")).collect()
}

/// Decoding `bytes` as `M` must fail with `kind`, in exactly the fields of `path`
/// (outermost first), and say so in its message.
#[track_caller]
fn expect_err<M: Message + Debug>(bytes: &[u8], kind: K, path: &[&str]) -> DecodeError {
    let e = match try_decode::<M>(bytes) {
        Ok(m) => panic!(
            "{} accepted hostile input {bytes:02x?} as {m:?}",
            type_name::<M>()
        ),
        Err(e) => e,
    };
    assert_eq!(e.kind(), &kind, "input {bytes:02x?}: {e}");
    assert_eq!(path_of(&e), path, "input {bytes:02x?}: {e}");
    let text = e.to_string();
    for field in path {
        assert!(text.contains(field), "{text:?} does not name {field}");
    }
    assert!(
        text.contains(&kind.to_string()),
        "{text:?} does not say {kind}"
    );
    e
}

/// Like [`expect_err`] for errors outside any known field (an unknown field, a tag):
/// only the kind is checked.
#[track_caller]
fn expect_kind<M: Message + Debug>(bytes: &[u8], kind: K) -> DecodeError {
    let e = match try_decode::<M>(bytes) {
        Ok(m) => panic!(
            "{} accepted hostile input {bytes:02x?} as {m:?}",
            type_name::<M>()
        ),
        Err(e) => e,
    };
    assert_eq!(e.kind(), &kind, "input {bytes:02x?}: {e}");
    e
}

#[track_caller]
fn expect_ok<M: Message + Debug>(bytes: &[u8]) -> M {
    try_decode::<M>(bytes)
        .unwrap_or_else(|e| panic!("{} rejected {bytes:02x?}: {e}", type_name::<M>()))
}

/// Decodes `bytes` as `M` without panicking; on success the message must re-encode to
/// exactly `encoded_len` bytes that decode to an equal message.
fn decode_checked<M: Message + Debug + PartialEq>(bytes: &[u8]) -> Result<(), DecodeError> {
    let m = try_decode::<M>(bytes)?;
    let result = catch_unwind(AssertUnwindSafe(|| {
        let encoded = m.encode_to_vec();
        assert_eq!(encoded.len(), m.encoded_len(), "encoded_len");
        let again = M::decode(&encoded).unwrap_or_else(|e| panic!("re-decode failed: {e}"));
        // NaN floats make PartialEq fail; then at least the encodings must agree in size.
        #[allow(clippy::eq_op)]
        let has_nan = m != m;
        if has_nan {
            assert_eq!(again.encoded_len(), encoded.len(), "re-encoded length");
        } else {
            assert_eq!(again, m, "re-decoded message differs");
        }
    }));
    if let Err(payload) = result {
        panic!(
            "BUG: round trip of {} decoded from {bytes:02x?} failed: {}",
            type_name::<M>(),
            panic_message(&*payload)
        );
    }
    Ok(())
}

/// Decodes `bytes` as every message type under test; none may panic.
fn decode_as_everything(bytes: &[u8]) {
    let _ = decode_checked::<Scalars>(bytes);
    let _ = decode_checked::<Optionals>(bytes);
    let _ = decode_checked::<Repeated>(bytes);
    let _ = decode_checked::<Maps>(bytes);
    let _ = decode_checked::<Oneofs>(bytes);
    let _ = decode_checked::<Tree>(bytes);
    let _ = decode_checked::<Ping>(bytes);
    let _ = decode_checked::<Keywords>(bytes);
    let _ = decode_checked::<Outer>(bytes);
    let _ = decode_checked::<Defaults>(bytes);
    let _ = decode_checked::<Required>(bytes);
    let _ = decode_checked::<HasRequired>(bytes);
    let _ = decode_checked::<Groups>(bytes);
    let _ = decode_checked::<Closed>(bytes);
    let _ = decode_checked::<Packed>(bytes);
}

// ---------------------------------------------------------------------------------------
// Rich valid messages
// ---------------------------------------------------------------------------------------

fn scalars_full() -> Scalars {
    Scalars {
        f_int32: -5,
        f_int64: i64::MIN,
        f_uint32: u32::MAX,
        f_uint64: u64::MAX,
        f_sint32: i32::MIN,
        f_sint64: -1,
        f_fixed32: 7,
        f_fixed64: u64::MAX - 1,
        f_sfixed32: -9,
        f_sfixed64: -10,
        f_float: 1.5,
        f_double: -2.25e300,
        f_bool: true,
        f_string: "héllo ✓ 😀".into(),
        f_bytes: vec![0, 1, 0xff, 0x80],
        f_enum: Color::Blue.into(),
        unknown_fields: UnknownFields::new(),
    }
}

fn optionals_full() -> Optionals {
    Optionals {
        o_int32: Some(0),
        o_int64: Some(-1),
        o_uint32: Some(1 << 31),
        o_uint64: Some(0),
        o_sint32: Some(-64),
        o_sint64: Some(i64::MAX),
        o_fixed32: Some(0),
        o_fixed64: Some(1),
        o_sfixed32: Some(i32::MIN),
        o_sfixed64: Some(0),
        o_float: Some(-0.0),
        o_double: Some(f64::INFINITY),
        o_bool: Some(false),
        o_string: Some(String::new()),
        o_bytes: Some(vec![7; 200]),
        o_enum: Some(Color::Green.into()),
        unknown_fields: UnknownFields::new(),
    }
}

fn repeated_full() -> Repeated {
    Repeated {
        r_int32: vec![0, -1, i32::MAX, i32::MIN],
        r_int64: vec![i64::MIN, 1, 300],
        r_uint32: vec![u32::MAX, 0, 128],
        r_uint64: vec![u64::MAX, 1 << 40],
        r_sint32: vec![-1, 1, i32::MIN],
        r_sint64: vec![i64::MIN, i64::MAX],
        r_fixed32: vec![1, 2, 3],
        r_fixed64: vec![4, 5],
        r_sfixed32: vec![-6],
        r_sfixed64: vec![-7, 8],
        r_float: vec![1.0, -0.0, f32::MAX],
        r_double: vec![f64::MIN_POSITIVE, 2.0],
        r_bool: vec![true, false, true],
        r_string: vec!["a".into(), String::new(), "ü".repeat(70)],
        r_bytes: vec![vec![], vec![0xff; 3]],
        r_enum: vec![
            Color::Red.into(),
            rsfast::OpenEnum::from_i32(77),
            Color::Blue.into(),
        ],
        r_message: vec![
            repeated::Nested {
                a: 1,
                b: "x".into(),
                unknown_fields: UnknownFields::new(),
            },
            repeated::Nested::default(),
        ],
        unpacked_int32: vec![-2, 2],
        unpacked_double: vec![0.5],
        unpacked_enum: vec![Color::Green.into(), rsfast::OpenEnum::from_i32(-100)],
        unpacked_sint64: vec![-3, 3],
        unknown_fields: UnknownFields::new(),
    }
}

fn maps_full() -> Maps {
    let mut m = Maps::default();
    m.int32_int32.insert(-1, 1);
    m.int32_int32.insert(0, 0);
    m.int64_int64.insert(i64::MIN, i64::MAX);
    m.uint32_uint32.insert(u32::MAX, 5);
    m.uint64_uint64.insert(u64::MAX, 6);
    m.sint32_sint32.insert(-7, -8);
    m.sint64_sint64.insert(-9, i64::MIN);
    m.fixed32_fixed32.insert(10, 11);
    m.fixed64_fixed64.insert(12, 13);
    m.sfixed32_sfixed32.insert(-14, -15);
    m.sfixed64_sfixed64.insert(-16, -17);
    m.bool_bool.insert(true, false);
    m.bool_bool.insert(false, true);
    m.string_string.insert("ключ".into(), "значение".into());
    m.string_string.insert(String::new(), String::new());
    m.string_bytes.insert("b".into(), vec![0xfe, 0xff]);
    m.int32_float.insert(3, 2.5);
    m.int32_double.insert(4, -1e-300);
    m.string_enum
        .insert("e".into(), rsfast::OpenEnum::from_i32(99));
    m.string_enum.insert("f".into(), Color::Blue.into());
    m.string_message.insert("s".into(), scalars_full());
    m.uint64_foreign.insert(
        1 << 50,
        other::Point {
            x: -1,
            y: 1,
            unknown_fields: UnknownFields::new(),
        },
    );
    m
}

fn oneofs_full() -> Oneofs {
    let inner = Oneofs {
        name: "inner".into(),
        between: 3,
        choice: Some(oneofs::Choice::CMessage(scalars_full())),
        second: Some(oneofs::Second::SSint32(-5)),
        unknown_fields: UnknownFields::new(),
    };
    let middle = Oneofs {
        choice: Some(oneofs::Choice::CSelf(Box::new(inner))),
        second: Some(oneofs::Second::SUint64(u64::MAX)),
        ..Default::default()
    };
    Oneofs {
        name: "outer".into(),
        between: -1,
        choice: Some(oneofs::Choice::CSelf(Box::new(middle))),
        second: None,
        unknown_fields: UnknownFields::new(),
    }
}

/// Unknown records of every wire type, including nested groups.
fn unknown_zoo() -> UnknownFields {
    let mut u = UnknownFields::new();
    u.push_raw(100 << 3, &varint(u64::MAX));
    u.push_raw(101 << 3 | 1, &[1, 2, 3, 4, 5, 6, 7, 8]);
    u.push_raw(102 << 3 | 2, &[3, b'a', b'b', b'c']);
    u.push_raw(103 << 3 | 5, &[9, 9, 9, 9]);
    // Group 104 holding a varint and group 105 holding a fixed32.
    let group = cat(&[
        &key(1, 0),
        &[5],
        &key(105, 3),
        &key(2, 5),
        &[1, 2, 3, 4],
        &key(105, 4),
        &key(104, 4),
    ]);
    u.push_raw(104 << 3 | 3, &group);
    u
}

fn tree_full() -> Tree {
    let leaf = |value| Tree {
        value,
        ..Default::default()
    };
    let mut t = Tree {
        value: 1,
        left: Some(Box::new(Tree {
            value: 2,
            left: Some(Box::new(leaf(3))),
            right: Some(Box::new(Tree {
                unknown_fields: unknown_zoo(),
                ..leaf(4)
            })),
            ..Default::default()
        })),
        right: Some(Box::new(leaf(-5))),
        children: vec![leaf(6), Tree::default(), leaf(7)],
        unknown_fields: unknown_zoo(),
        ..Default::default()
    };
    t.named.insert("a".into(), leaf(8));
    t.named.insert(String::new(), Tree::default());
    let mut deep = leaf(9);
    deep.named.insert("x".into(), leaf(10));
    t.named.insert("deep".into(), deep);
    t
}

fn groups_full() -> Groups {
    let inner = Groups {
        data: Some(groups::Data {
            a: Some(-1),
            b: Some("inner".into()),
            unknown_fields: unknown_zoo(),
        }),
        item: vec![groups::Item {
            x: Some(5),
            ..Default::default()
        }],
        after: Some(0),
        unknown_fields: UnknownFields::new(),
    };
    Groups {
        data: Some(groups::Data {
            a: Some(1),
            b: Some("data".into()),
            unknown_fields: UnknownFields::new(),
        }),
        item: vec![
            groups::Item {
                x: Some(2),
                nested: Some(inner),
                unknown_fields: UnknownFields::new(),
            },
            groups::Item::default(),
            groups::Item {
                x: Some(i32::MIN),
                ..Default::default()
            },
        ],
        after: Some(7),
        unknown_fields: unknown_zoo(),
    }
}

fn closed_full() -> Closed {
    let mut c = Closed {
        single: Some(Kind::C),
        list: vec![Kind::A, Kind::B],
        packed_list: vec![Kind::C, Kind::A],
        choice: Some(closed::Choice::OneName("name".into())),
        ..Default::default()
    };
    c.by_id.insert(-1, Level::Two);
    c.by_id.insert(1, Level::Zero);
    // Undeclared values, kept as unknown fields as decoding would.
    c.unknown_fields.push_varint(1, 3);
    c.unknown_fields.push_varint(2, (-1i64) as u64);
    c.unknown_fields
        .push_len_delimited(4, &cat(&[&key(1, 0), &[2], &key(2, 0), &[9]]));
    c
}

fn required(id: i32, name: &str) -> Required {
    Required {
        id: Some(id),
        name: Some(name.into()),
        ..Default::default()
    }
}

fn has_required_full() -> HasRequired {
    let mut single = required(1, "one");
    single.child = Some(Box::new(required(2, "two")));
    single.children = vec![required(3, "three"), required(4, "")];
    let mut h = HasRequired {
        single: Some(single),
        pick: Some(has_required::Pick::Picked(required(5, "five"))),
        ..Default::default()
    };
    h.by_name.insert("k".into(), required(6, "six"));
    h
}

fn defaults_full() -> Defaults {
    Defaults {
        d_int32: Some(1),
        d_int64: Some(2),
        d_uint32: Some(3),
        d_uint64: Some(4),
        d_sint32: Some(5),
        d_sint64: Some(6),
        d_fixed32: Some(7),
        d_fixed64: Some(8),
        d_sfixed32: Some(9),
        d_sfixed64: Some(10),
        d_float: Some(11.0),
        d_double: Some(12.0),
        d_bool: Some(false),
        d_string: Some("s".into()),
        d_bytes: Some(vec![1]),
        d_enum: Some(Kind::B),
        d_inf: Some(0.0),
        d_neg_inf: Some(1.0),
        d_nan: Some(2.0),
        no_default: Some(0),
        enum_no_default: Some(Kind::A),
        unknown_fields: UnknownFields::new(),
    }
}

fn packed_full() -> Packed {
    Packed {
        plain: vec![1, -1, 300],
        packed: vec![-2, 2, 1 << 20],
        packed_fixed: vec![u64::MAX, 0],
        packed_bool: vec![true, false],
        unknown_fields: UnknownFields::new(),
    }
}

fn outer_full() -> Outer {
    let inner = |note: &str| outer::middle::Inner {
        level: outer::middle::inner::Level::High.into(),
        note: note.into(),
        unknown_fields: UnknownFields::new(),
    };
    Outer {
        middle: Some(outer::Middle {
            inner: Some(inner("a")),
            inners: vec![inner("b"), inner("")],
            unknown_fields: UnknownFields::new(),
        }),
        level: outer::middle::inner::Level::High.into(),
        point: Some(other::Point {
            x: 3,
            y: -4,
            unknown_fields: UnknownFields::new(),
        }),
        shape: other::Shape::Square.into(),
        path: vec![
            other::Point {
                x: 1,
                y: 2,
                unknown_fields: UnknownFields::new(),
            },
            other::Point::default(),
        ],
        unknown_fields: UnknownFields::new(),
    }
}

fn ping_full() -> Ping {
    Ping {
        depth: 1,
        pong: Some(Box::new(Pong {
            ping: Some(Box::new(Ping {
                depth: 2,
                pong: Some(Box::default()),
                unknown_fields: UnknownFields::new(),
            })),
            unknown_fields: UnknownFields::new(),
        })),
        unknown_fields: UnknownFields::new(),
    }
}

fn keywords_full() -> Keywords {
    Keywords {
        r#type: 1,
        self_: "self".into(),
        r#match: true,
        r#async: -1,
        unknown_fields_: "uf".into(),
        crate_: 5,
        unknown_fields: unknown_zoo(),
    }
}

/// The rich encodings used by the sweeps, each with its type's name.
fn rich_encodings() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("Scalars", scalars_full().encode_to_vec()),
        ("Optionals", optionals_full().encode_to_vec()),
        ("Repeated", repeated_full().encode_to_vec()),
        ("Maps", maps_full().encode_to_vec()),
        ("Oneofs", oneofs_full().encode_to_vec()),
        ("Tree", tree_full().encode_to_vec()),
        ("Groups", groups_full().encode_to_vec()),
        ("Closed", closed_full().encode_to_vec()),
        ("HasRequired", has_required_full().encode_to_vec()),
        ("Defaults", defaults_full().encode_to_vec()),
        ("Packed", packed_full().encode_to_vec()),
        ("Outer", outer_full().encode_to_vec()),
        ("Ping", ping_full().encode_to_vec()),
        ("Keywords", keywords_full().encode_to_vec()),
    ]
}

// ---------------------------------------------------------------------------------------
// Truncation and mutation sweeps
// ---------------------------------------------------------------------------------------

/// Every prefix of `msg`'s encoding either decodes or fails with an error that a
/// truncation can cause; the whole encoding decodes back to `msg`.
fn check_prefixes<M: Message + Debug + PartialEq>(msg: &M) {
    let bytes = msg.encode_to_vec();
    assert!(
        bytes.len() >= 8,
        "{} encoding is not rich",
        type_name::<M>()
    );
    assert_eq!(&expect_ok::<M>(&bytes), msg);
    let mut failures = 0;
    for n in 0..bytes.len() {
        match try_decode::<M>(&bytes[..n]) {
            Ok(_) => {}
            Err(e) => {
                failures += 1;
                assert!(
                    matches!(
                        e.kind(),
                        K::Truncated
                            | K::LengthOutOfBounds { .. }
                            | K::UnterminatedGroup { .. }
                            | K::MissingRequiredField
                    ),
                    "{} prefix of {n} bytes {:02x?}: unexpected error {e}",
                    type_name::<M>(),
                    &bytes[..n]
                );
            }
        }
    }
    assert!(failures > 0, "no prefix of {} failed", type_name::<M>());
}

#[test]
fn every_prefix_of_a_rich_encoding_decodes_or_errors() {
    check_prefixes(&scalars_full());
    check_prefixes(&optionals_full());
    check_prefixes(&repeated_full());
    check_prefixes(&maps_full());
    check_prefixes(&oneofs_full());
    check_prefixes(&tree_full());
    check_prefixes(&groups_full());
    check_prefixes(&closed_full());
    check_prefixes(&has_required_full());
    check_prefixes(&defaults_full());
    check_prefixes(&packed_full());
    check_prefixes(&outer_full());
    check_prefixes(&ping_full());
    check_prefixes(&keywords_full());
}

#[test]
fn prefixes_decoded_as_other_types_never_panic() {
    for (_, bytes) in rich_encodings() {
        for n in 0..=bytes.len() {
            decode_as_everything(&bytes[..n]);
        }
    }
}

#[test]
fn single_byte_mutations_never_panic() {
    for (_, bytes) in rich_encodings() {
        for i in 0..bytes.len() {
            let b = bytes[i];
            let mut variants = vec![0x00, 0x01, 0x7f, 0x80, 0xff, b ^ 0x01, b ^ 0x80];
            // Every other wire type, including 6 and 7.
            variants.extend((0..8).map(|w| (b & !7) | w));
            variants.sort_unstable();
            variants.dedup();
            let mut mutated = bytes.clone();
            for v in variants {
                mutated[i] = v;
                decode_as_everything(&mutated);
            }
            // Deleting the byte shifts everything after it.
            let mut deleted = bytes.clone();
            deleted.remove(i);
            decode_as_everything(&deleted);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Varints
// ---------------------------------------------------------------------------------------

#[test]
fn overlong_varints_are_rejected() {
    let eleven = [0xffu8; 10]
        .iter()
        .copied()
        .chain([0x01])
        .collect::<Vec<u8>>();
    // As a value.
    expect_err::<Scalars>(
        &cat(&[&key(2, 0), &eleven]),
        K::VarintOverflow,
        &["rsfast.test.Scalars.f_int64"],
    );
    // Zero-padded: 11 bytes whose value is tiny.
    let padded = [
        0x81u8, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00,
    ];
    expect_err::<Scalars>(
        &cat(&[&key(4, 0), &padded]),
        K::VarintOverflow,
        &["rsfast.test.Scalars.f_uint64"],
    );
    // As a tag.
    expect_kind::<Scalars>(&eleven, K::VarintOverflow);
    // As a length prefix.
    expect_err::<Scalars>(
        &cat(&[&key(14, 2), &eleven, b"abc"]),
        K::VarintOverflow,
        &["rsfast.test.Scalars.f_string"],
    );
    // Inside a packed field, a nested message, a map entry and an unknown field.
    expect_err::<Repeated>(
        &ld(2, &eleven),
        K::VarintOverflow,
        &["rsfast.test.Repeated.r_int64"],
    );
    expect_err::<Tree>(
        &ld(2, &cat(&[&key(1, 0), &eleven])),
        K::VarintOverflow,
        &["rsfast.test.Tree.left", "rsfast.test.Tree.value"],
    );
    expect_err::<Maps>(
        &ld(2, &cat(&[&key(1, 0), &eleven])),
        K::VarintOverflow,
        &["rsfast.test.Maps.int64_int64"],
    );
    expect_kind::<Tree>(&cat(&[&key(99, 0), &eleven]), K::VarintOverflow);
    expect_err::<Closed>(
        &cat(&[&key(1, 0), &eleven]),
        K::VarintOverflow,
        &["rsfast.test2.Closed.single"],
    );
    expect_err::<Closed>(
        &ld(3, &eleven),
        K::VarintOverflow,
        &["rsfast.test2.Closed.packed_list"],
    );
}

#[test]
fn tenth_varint_byte_above_one_is_rejected() {
    let nine = [0xffu8; 9];
    for last in [0x02u8, 0x03, 0x7f] {
        let v = cat(&[&nine, &[last]]);
        expect_err::<Scalars>(
            &cat(&[&key(2, 0), &v]),
            K::VarintOverflow,
            &["rsfast.test.Scalars.f_int64"],
        );
        expect_err::<Scalars>(
            &cat(&[&key(1, 0), &v]),
            K::VarintOverflow,
            &["rsfast.test.Scalars.f_int32"],
        );
        expect_kind::<Scalars>(&v, K::VarintOverflow);
        expect_err::<Scalars>(
            &cat(&[&key(15, 2), &v]),
            K::VarintOverflow,
            &["rsfast.test.Scalars.f_bytes"],
        );
    }
    // 0x01 in the tenth byte is the largest legal varint: u64::MAX.
    let max = cat(&[&nine, &[0x01]]);
    let m = expect_ok::<Scalars>(&cat(&[&key(4, 0), &max]));
    assert_eq!(m.f_uint64, u64::MAX);
    // Ten bytes that still have the continuation bit set, then the input ends.
    expect_err::<Scalars>(
        &cat(&[&key(4, 0), &[0xff; 10]]),
        K::VarintOverflow,
        &["rsfast.test.Scalars.f_uint64"],
    );
}

#[test]
fn truncated_varints_and_fixed_values() {
    expect_err::<Scalars>(
        &[0x08, 0x80],
        K::Truncated,
        &["rsfast.test.Scalars.f_int32"],
    );
    expect_err::<Scalars>(
        &[0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        K::Truncated,
        &["rsfast.test.Scalars.f_int32"],
    );
    expect_err::<Scalars>(
        &[0x3d, 1, 2, 3],
        K::Truncated,
        &["rsfast.test.Scalars.f_fixed32"],
    );
    expect_err::<Scalars>(
        &[0x61, 1, 2, 3, 4, 5, 6, 7],
        K::Truncated,
        &["rsfast.test.Scalars.f_double"],
    );
    expect_kind::<Scalars>(&[0x80], K::Truncated);
    expect_kind::<Tree>(&[0xf9, 0x06, 1, 2], K::Truncated);
}

#[test]
fn tags_above_32_bits_are_rejected() {
    // 2^32: field number 2^29, wire type 0, does not fit a u32 tag.
    expect_kind::<Scalars>(
        &[0x80, 0x80, 0x80, 0x80, 0x10, 0x00],
        K::InvalidTag(1 << 32),
    );
    expect_kind::<Tree>(
        &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
        K::InvalidTag(u64::MAX),
    );
    // The largest field number is fine (an unknown field).
    let m = expect_ok::<Scalars>(&cat(&[&key((1 << 29) - 1, 0), &[1]]));
    assert!(!m.unknown_fields.is_empty());
}

// ---------------------------------------------------------------------------------------
// Lengths
// ---------------------------------------------------------------------------------------

#[test]
fn length_prefixes_past_the_end_are_rejected() {
    expect_err::<Scalars>(
        &[0x72, 5, b'a', b'b'],
        K::LengthOutOfBounds {
            len: 5,
            remaining: 2,
        },
        &["rsfast.test.Scalars.f_string"],
    );
    // Off by one.
    expect_err::<Scalars>(
        &[0x7a, 3, 1, 2],
        K::LengthOutOfBounds {
            len: 3,
            remaining: 2,
        },
        &["rsfast.test.Scalars.f_bytes"],
    );
    for len in [1u64 << 31, 1 << 32, 1 << 62, i64::MAX as u64, u64::MAX] {
        let prefix = varint(len);
        expect_err::<Scalars>(
            &cat(&[&[0x72], &prefix, b"xy"]),
            K::LengthOutOfBounds { len, remaining: 2 },
            &["rsfast.test.Scalars.f_string"],
        );
        expect_err::<Tree>(
            &cat(&[&[0x12], &prefix]),
            K::LengthOutOfBounds { len, remaining: 0 },
            &["rsfast.test.Tree.left"],
        );
        expect_err::<Repeated>(
            &cat(&[&[0x0a], &prefix, &[1]]),
            K::LengthOutOfBounds { len, remaining: 1 },
            &["rsfast.test.Repeated.r_int32"],
        );
        expect_err::<Repeated>(
            &cat(&[&[0x3a], &prefix, &[1, 2, 3, 4]]),
            K::LengthOutOfBounds { len, remaining: 4 },
            &["rsfast.test.Repeated.r_fixed32"],
        );
        expect_err::<Repeated>(
            &cat(&[&[0x8a, 0x01], &prefix]),
            K::LengthOutOfBounds { len, remaining: 0 },
            &["rsfast.test.Repeated.r_message"],
        );
        expect_err::<Maps>(
            &cat(&[&[0x62], &prefix]),
            K::LengthOutOfBounds { len, remaining: 0 },
            &["rsfast.test.Maps.string_string"],
        );
        expect_err::<Oneofs>(
            &cat(&[&[0x22], &prefix]),
            K::LengthOutOfBounds { len, remaining: 0 },
            &["rsfast.test.Oneofs.c_bytes"],
        );
        expect_err::<Closed>(
            &cat(&[&[0x1a], &prefix]),
            K::LengthOutOfBounds { len, remaining: 0 },
            &["rsfast.test2.Closed.packed_list"],
        );
        expect_err::<Packed>(
            &cat(&[&[0x1a], &prefix]),
            K::LengthOutOfBounds { len, remaining: 0 },
            &["rsfast.test2.Packed.packed_fixed"],
        );
        // An unknown length-delimited field.
        expect_kind::<Tree>(
            &cat(&[&key(77, 2), &prefix, &[0; 8]]),
            K::LengthOutOfBounds { len, remaining: 8 },
        );
        // As a length-delimited frame.
        let mut framed: &[u8] = &cat(&[&prefix, &[0x08, 0x01]]);
        let e = Scalars::decode_length_delimited(&mut framed).unwrap_err();
        assert_eq!(e.kind(), &K::LengthOutOfBounds { len, remaining: 2 });
    }
}

#[test]
fn inner_lengths_are_bounded_by_the_enclosing_message() {
    // The string inside a nested message claims 5 bytes; the message holds 2, though the
    // buffer as a whole has more.
    let nested = cat(&[&[0x8a, 0x01, 2, 0x12, 5], b"abcdef"]);
    expect_err::<Repeated>(
        &nested,
        K::LengthOutOfBounds {
            len: 5,
            remaining: 0,
        },
        &[
            "rsfast.test.Repeated.r_message",
            "rsfast.test.Repeated.Nested.b",
        ],
    );
    // A map key claims more than the entry holds.
    let entry = cat(&[&[0x62, 2, 0x0a, 5], b"abcdef"]);
    expect_err::<Maps>(
        &entry,
        K::LengthOutOfBounds {
            len: 5,
            remaining: 0,
        },
        &["rsfast.test.Maps.string_string"],
    );
    // A group cannot close outside the message it started in.
    expect_err::<Tree>(
        &[0x12, 1, 0x33, 0x34],
        K::UnterminatedGroup { field_number: 6 },
        &["rsfast.test.Tree.left"],
    );
    expect_err::<Groups>(
        &cat(&[&[0x23, 0x32, 1, 0x0b], &[0x0c, 0x24]]),
        K::UnterminatedGroup { field_number: 1 },
        &[
            "rsfast.test2.Groups.item",
            "rsfast.test2.Groups.Item.nested",
            "rsfast.test2.Groups.data",
        ],
    );
}

// ---------------------------------------------------------------------------------------
// UTF-8
// ---------------------------------------------------------------------------------------

/// Byte strings that are not UTF-8: a stray continuation byte, 0xff, an overlong
/// encoding of '/', a surrogate, a code point past U+10FFFF, a truncated sequence.
const NOT_UTF8: &[&[u8]] = &[
    &[0x80],
    &[b'o', b'k', 0xff],
    &[0xc0, 0xaf],
    &[0xed, 0xa0, 0x80],
    &[0xf4, 0x90, 0x80, 0x80],
    &[0xe2, 0x82],
];

#[test]
fn invalid_utf8_in_strings_is_rejected() {
    for bad in NOT_UTF8 {
        // Top level.
        expect_err::<Scalars>(
            &ld(14, bad),
            K::InvalidUtf8,
            &["rsfast.test.Scalars.f_string"],
        );
        expect_err::<Optionals>(
            &ld(14, bad),
            K::InvalidUtf8,
            &["rsfast.test.Optionals.o_string"],
        );
        // After a valid occurrence of the same field.
        expect_err::<Scalars>(
            &cat(&[&ld(14, b"fine"), &ld(14, bad)]),
            K::InvalidUtf8,
            &["rsfast.test.Scalars.f_string"],
        );
        // Nested message.
        expect_err::<Repeated>(
            &ld(17, &ld(2, bad)),
            K::InvalidUtf8,
            &[
                "rsfast.test.Repeated.r_message",
                "rsfast.test.Repeated.Nested.b",
            ],
        );
        expect_err::<Outer>(
            &ld(1, &ld(2, &ld(2, bad))),
            K::InvalidUtf8,
            &[
                "rsfast.test.Outer.middle",
                "rsfast.test.Outer.Middle.inners",
                "rsfast.test.Outer.Middle.Inner.note",
            ],
        );
        // Repeated string, after a valid element.
        expect_err::<Repeated>(
            &cat(&[&ld(14, b"ok"), &ld(14, bad)]),
            K::InvalidUtf8,
            &["rsfast.test.Repeated.r_string"],
        );
        // Map key and map value.
        expect_err::<Maps>(
            &ld(12, &cat(&[&ld(1, bad), &ld(2, b"v")])),
            K::InvalidUtf8,
            &["rsfast.test.Maps.string_string"],
        );
        expect_err::<Maps>(
            &ld(12, &cat(&[&ld(1, b"k"), &ld(2, bad)])),
            K::InvalidUtf8,
            &["rsfast.test.Maps.string_string"],
        );
        expect_err::<Maps>(
            &ld(13, &ld(1, bad)),
            K::InvalidUtf8,
            &["rsfast.test.Maps.string_bytes"],
        );
        expect_err::<Maps>(
            &ld(17, &cat(&[&ld(1, b"k"), &ld(2, &ld(14, bad))])),
            K::InvalidUtf8,
            &[
                "rsfast.test.Maps.string_message",
                "rsfast.test.Scalars.f_string",
            ],
        );
        expect_err::<Tree>(
            &ld(5, &ld(1, bad)),
            K::InvalidUtf8,
            &["rsfast.test.Tree.named"],
        );
        // Oneof string, directly and one level down.
        expect_err::<Oneofs>(
            &ld(3, bad),
            K::InvalidUtf8,
            &["rsfast.test.Oneofs.c_string"],
        );
        expect_err::<Oneofs>(
            &ld(7, &ld(3, bad)),
            K::InvalidUtf8,
            &["rsfast.test.Oneofs.c_self", "rsfast.test.Oneofs.c_string"],
        );
        expect_err::<Oneofs>(
            &ld(5, &ld(14, bad)),
            K::InvalidUtf8,
            &[
                "rsfast.test.Oneofs.c_message",
                "rsfast.test.Scalars.f_string",
            ],
        );
        // proto2 strings, in a group and in a oneof.
        expect_err::<Groups>(
            &cat(&[&key(1, 3), &ld(3, bad), &key(1, 4)]),
            K::InvalidUtf8,
            &["rsfast.test2.Groups.data", "rsfast.test2.Groups.Data.b"],
        );
        expect_err::<Closed>(
            &ld(6, bad),
            K::InvalidUtf8,
            &["rsfast.test2.Closed.one_name"],
        );
        // bytes fields take anything.
        assert_eq!(expect_ok::<Scalars>(&ld(15, bad)).f_bytes, *bad);
        assert_eq!(
            expect_ok::<Oneofs>(&ld(4, bad)).choice,
            Some(oneofs::Choice::CBytes(bad.to_vec()))
        );
        // An unknown string field is not validated.
        assert!(!expect_ok::<Scalars>(&ld(99, bad)).unknown_fields.is_empty());
    }
}

// ---------------------------------------------------------------------------------------
// Tags: wire types, field number zero, groups
// ---------------------------------------------------------------------------------------

#[test]
fn wire_types_6_and_7_are_rejected() {
    for wt in [6u8, 7] {
        let kind = K::InvalidWireType(wt);
        // One-byte and multi-byte tags, known and unknown field numbers.
        expect_kind::<Scalars>(&key(1, wt), kind.clone());
        expect_kind::<Scalars>(&cat(&[&key(16, wt), &[0]]), kind.clone());
        expect_kind::<Tree>(&cat(&[&key(1000, wt), &[0]]), kind.clone());
        // After a valid field.
        expect_kind::<Scalars>(&cat(&[&[0x08, 0x01], &key(2, wt)]), kind.clone());
        // In a nested message, a map entry, a group and an unknown group.
        expect_err::<Tree>(
            &ld(2, &key(1, wt)),
            kind.clone(),
            &["rsfast.test.Tree.left"],
        );
        expect_err::<Tree>(
            &ld(5, &key(1, wt)),
            kind.clone(),
            &["rsfast.test.Tree.named"],
        );
        expect_err::<Maps>(
            &ld(1, &key(3, wt)),
            kind.clone(),
            &["rsfast.test.Maps.int32_int32"],
        );
        expect_err::<Groups>(
            &cat(&[&key(1, 3), &key(2, wt), &key(1, 4)]),
            kind.clone(),
            &["rsfast.test2.Groups.data"],
        );
        expect_kind::<Tree>(&cat(&[&key(9, 3), &key(2, wt), &key(9, 4)]), kind.clone());
        // In a packed field's payload they are just bytes.
        assert_eq!(
            expect_ok::<Repeated>(&ld(1, &key(1, wt))).r_int32,
            vec![i32::from(8 | wt)]
        );
    }
}

#[test]
fn field_number_zero_is_rejected() {
    for wt in 0..8u8 {
        expect_kind::<Scalars>(&[wt, 0, 0], K::FieldNumberZero);
        expect_kind::<Tree>(&[0x08, 0x01, wt, 0], K::FieldNumberZero);
    }
    // Non-canonical two-byte encoding of tag 0.
    expect_kind::<Scalars>(&[0x80, 0x00, 0x00], K::FieldNumberZero);
    expect_err::<Tree>(
        &ld(2, &[0x00, 0x00]),
        K::FieldNumberZero,
        &["rsfast.test.Tree.left"],
    );
    expect_err::<Maps>(
        &ld(12, &[0x02, 0x00]),
        K::FieldNumberZero,
        &["rsfast.test.Maps.string_string"],
    );
    expect_err::<Groups>(
        &[0x0b, 0x00, 0x00, 0x0c],
        K::FieldNumberZero,
        &["rsfast.test2.Groups.data"],
    );
    expect_kind::<Tree>(&[0x33, 0x00, 0x00, 0x34], K::FieldNumberZero);
}

#[test]
fn end_group_without_start_is_rejected() {
    expect_kind::<Scalars>(&[0x0c], K::UnexpectedEndGroup { field_number: 1 });
    expect_kind::<Scalars>(
        &[0x08, 0x01, 0x2c],
        K::UnexpectedEndGroup { field_number: 5 },
    );
    // Field 4 of Groups is a group: its end tag alone is still unexpected.
    expect_kind::<Groups>(&[0x24], K::UnexpectedEndGroup { field_number: 4 });
    expect_kind::<Groups>(&[0x0c], K::UnexpectedEndGroup { field_number: 1 });
    // A multi-byte end tag.
    expect_kind::<Tree>(&key(1000, 4), K::UnexpectedEndGroup { field_number: 1000 });
    // Inside a nested message and a map entry.
    expect_err::<Tree>(
        &ld(2, &[0x0c]),
        K::UnexpectedEndGroup { field_number: 1 },
        &["rsfast.test.Tree.left"],
    );
    expect_err::<Maps>(
        &ld(12, &[0x0c]),
        K::UnexpectedEndGroup { field_number: 1 },
        &["rsfast.test.Maps.string_string"],
    );
    // The end tag of the enclosing group does not close a nested message early.
    expect_err::<Groups>(
        &[0x23, 0x32, 0x01, 0x24, 0x24],
        K::UnexpectedEndGroup { field_number: 4 },
        &[
            "rsfast.test2.Groups.item",
            "rsfast.test2.Groups.Item.nested",
        ],
    );
}

#[test]
fn mismatched_end_group_is_rejected() {
    // Data (field 1) closed by the end tag of Item (field 4).
    expect_err::<Groups>(
        &[0x0b, 0x24],
        K::UnexpectedEndGroup { field_number: 4 },
        &["rsfast.test2.Groups.data"],
    );
    expect_err::<Groups>(
        &[0x0b, 0x10, 0x01, 0x1c],
        K::UnexpectedEndGroup { field_number: 3 },
        &["rsfast.test2.Groups.data"],
    );
    expect_err::<Groups>(
        &[0x23, 0x28, 0x01, 0x0c],
        K::UnexpectedEndGroup { field_number: 1 },
        &["rsfast.test2.Groups.item"],
    );
    // An unknown group inside Data closed by the wrong end tag.
    expect_err::<Groups>(
        &[0x0b, 0x2b, 0x3c, 0x0c],
        K::UnexpectedEndGroup { field_number: 7 },
        &["rsfast.test2.Groups.data"],
    );
    // Unknown groups at the top level.
    expect_kind::<Tree>(&[0x33, 0x3c], K::UnexpectedEndGroup { field_number: 7 });
    expect_kind::<Tree>(
        &[0x33, 0x3b, 0x34, 0x3c],
        K::UnexpectedEndGroup { field_number: 6 },
    );
    // Well-formed versions decode.
    let g = expect_ok::<Groups>(&[0x0b, 0x10, 0x01, 0x2b, 0x2c, 0x0c, 0x23, 0x24]);
    assert_eq!(g.data.as_ref().and_then(|d| d.a), Some(1));
    assert_eq!(g.item.len(), 1);
    expect_ok::<Tree>(&[0x33, 0x3b, 0x3c, 0x34]);
}

#[test]
fn unterminated_groups_are_rejected() {
    expect_err::<Groups>(
        &[0x0b],
        K::UnterminatedGroup { field_number: 1 },
        &["rsfast.test2.Groups.data"],
    );
    expect_err::<Groups>(
        &[0x0b, 0x10, 0x01],
        K::UnterminatedGroup { field_number: 1 },
        &["rsfast.test2.Groups.data"],
    );
    expect_err::<Groups>(
        &[0x23, 0x28, 0x01],
        K::UnterminatedGroup { field_number: 4 },
        &["rsfast.test2.Groups.item"],
    );
    expect_err::<Groups>(
        &[0x23, 0x24, 0x23],
        K::UnterminatedGroup { field_number: 4 },
        &["rsfast.test2.Groups.item"],
    );
    expect_kind::<Tree>(&[0x33], K::UnterminatedGroup { field_number: 6 });
    expect_kind::<Tree>(
        &[0x33, 0x3b, 0x3c],
        K::UnterminatedGroup { field_number: 6 },
    );
    expect_kind::<Scalars>(&key(1000, 3), K::UnterminatedGroup { field_number: 1000 });
    expect_err::<Groups>(
        &[0x0b, 0x2b],
        K::UnterminatedGroup { field_number: 5 },
        &["rsfast.test2.Groups.data"],
    );
}

// ---------------------------------------------------------------------------------------
// Recursion
// ---------------------------------------------------------------------------------------

/// `levels` messages nested in one another through field `field` (length-delimited),
/// around `innermost`. Built outside-in, in linear time.
fn nest(field: u32, levels: usize, innermost: &[u8]) -> Vec<u8> {
    let tag = key(field, 2);
    let mut sizes = vec![innermost.len()];
    for i in 0..levels {
        let inner = sizes[i];
        sizes.push(tag.len() + varint(inner as u64).len() + inner);
    }
    let mut out = Vec::with_capacity(sizes[levels]);
    for i in (0..levels).rev() {
        out.extend_from_slice(&tag);
        out.extend_from_slice(&varint(sizes[i] as u64));
    }
    out.extend_from_slice(innermost);
    assert_eq!(out.len(), sizes[levels]);
    out
}

fn tree_depth(t: &Tree) -> usize {
    let mut depth = 0;
    let mut node = t;
    while let Some(next) = &node.left {
        depth += 1;
        node = next;
    }
    depth
}

#[track_caller]
fn expect_too_deep<M: Message + Debug>(bytes: &[u8], path_len: usize, path_elem: &[&str]) {
    let e = expect_kind::<M>(bytes, K::RecursionLimitExceeded);
    let path = path_of(&e);
    assert_eq!(path.len(), path_len, "{e}");
    for (i, p) in path.iter().enumerate() {
        assert_eq!(p, path_elem[i % path_elem.len()], "path element {i} of {e}");
    }
}

#[test]
fn recursion_limit_via_tree_left() {
    assert_eq!(DEFAULT_RECURSION_LIMIT, 100);
    let leaf = [0x08, 0x2a]; // value = 42
    for levels in [1, 50, 98, 99, 100] {
        let t = expect_ok::<Tree>(&nest(2, levels, &leaf));
        assert_eq!(tree_depth(&t), levels);
    }
    for levels in [101, 102, 150, 1000, 100_000] {
        expect_too_deep::<Tree>(&nest(2, levels, &leaf), 101, &["rsfast.test.Tree.left"]);
    }
    // The limit counts from where decoding starts; a message that merely could be deep
    // is not rejected.
    let wide = nest(4, 1, &[]).repeat(10_000);
    assert_eq!(expect_ok::<Tree>(&wide).children.len(), 10_000);
}

#[test]
fn recursion_limit_via_other_paths() {
    // children (repeated) and right, mixed with left.
    let mut mixed = vec![0x08, 0x01];
    for i in 0..101 {
        mixed = ld([2, 3, 4][i % 3], &mixed);
    }
    expect_kind::<Tree>(&mixed, K::RecursionLimitExceeded);
    // Oneof self-recursion.
    expect_ok::<Oneofs>(&nest(7, 100, &[]));
    expect_too_deep::<Oneofs>(&nest(7, 101, &[]), 101, &["rsfast.test.Oneofs.c_self"]);
    // Mutual recursion Ping -> Pong -> Ping.
    expect_ok::<Ping>(&nest(1, 100, &[]));
    expect_too_deep::<Ping>(
        &nest(1, 101, &[]),
        101,
        &["rsfast.test.Ping.pong", "rsfast.test.Pong.ping"],
    );
    // A map value costs two levels: the entry and the message.
    let mut named = Vec::new();
    for _ in 0..50 {
        named = ld(5, &ld(2, &named));
    }
    expect_ok::<Tree>(&named);
    let too_deep = ld(5, &ld(2, &named));
    expect_too_deep::<Tree>(&too_deep, 51, &["rsfast.test.Tree.named"]);
    // Required.child, checked before required fields are.
    expect_kind::<Required>(&nest(3, 101, &[]), K::RecursionLimitExceeded);
}

/// Groups nested `levels` deep through Item.nested: each level is a group and a message.
fn groups_chain(levels: usize) -> Vec<u8> {
    let mut g = vec![0x38, 0x01]; // after = 1
    for _ in 0..levels {
        g = cat(&[&[0x23], &ld(6, &g), &[0x24]]);
    }
    g
}

#[test]
fn recursion_limit_via_groups() {
    // 50 levels use the whole budget of 100.
    let g = expect_ok::<Groups>(&groups_chain(50));
    let mut depth = 0;
    let mut node = &g;
    while let Some(next) = node.item.first().and_then(|i| i.nested.as_ref()) {
        depth += 1;
        node = next;
    }
    assert_eq!(depth, 50);
    assert_eq!(node.after, Some(1));
    expect_too_deep::<Groups>(
        &groups_chain(51),
        101,
        &[
            "rsfast.test2.Groups.item",
            "rsfast.test2.Groups.Item.nested",
        ],
    );
    expect_kind::<Groups>(&groups_chain(5000), K::RecursionLimitExceeded);
}

#[test]
fn recursion_limit_via_unknown_groups() {
    let groups = |n: usize| cat(&[&vec![0x33; n], &vec![0x34; n]]);
    for n in [1, 99, 100] {
        let bytes = groups(n);
        let t = expect_ok::<Tree>(&bytes);
        // Kept as one unknown record, re-emitted as it came.
        assert_eq!(t.unknown_fields.as_bytes(), bytes.as_slice());
        assert_eq!(t.encode_to_vec(), bytes);
    }
    expect_kind::<Tree>(&groups(101), K::RecursionLimitExceeded);
    // Only start tags, a million of them: rejected without exhausting the stack.
    expect_kind::<Tree>(&vec![0x33; 1_000_000], K::RecursionLimitExceeded);
    expect_kind::<Scalars>(&vec![0x0b; 1_000_000], K::RecursionLimitExceeded);
    // The budget is shared with the messages around the group: 60 levels of Tree.left
    // leave 40 for groups.
    expect_ok::<Tree>(&nest(2, 60, &groups(40)));
    let e = expect_kind::<Tree>(&nest(2, 60, &groups(41)), K::RecursionLimitExceeded);
    assert_eq!(path_of(&e).len(), 60, "{e}");
    // Unknown groups inside a known group (Groups.Data): the group itself is one level.
    let in_data = cat(&[&[0x0b], &[0x2b; 99], &[0x2c; 99], &[0x0c]]);
    expect_ok::<Groups>(&in_data);
    let in_data = cat(&[&[0x0b], &[0x2b; 100], &[0x2c; 100], &[0x0c]]);
    expect_err::<Groups>(
        &in_data,
        K::RecursionLimitExceeded,
        &["rsfast.test2.Groups.data"],
    );
}

// ---------------------------------------------------------------------------------------
// Packed fields
// ---------------------------------------------------------------------------------------

#[test]
fn packed_fixed_width_lengths_must_be_multiples() {
    for len in [1usize, 2, 3, 5, 7] {
        let payload = vec![0u8; len];
        for (field, name) in [(7, "r_fixed32"), (9, "r_sfixed32"), (11, "r_float")] {
            expect_err::<Repeated>(
                &ld(field, &payload),
                K::InvalidPackedLength,
                &[&format!("rsfast.test.Repeated.{name}")],
            );
        }
    }
    for len in [1usize, 4, 7, 9, 15] {
        let payload = vec![0u8; len];
        for (field, name) in [
            (8, "r_fixed64"),
            (10, "r_sfixed64"),
            (12, "r_double"),
            (19, "unpacked_double"),
        ] {
            expect_err::<Repeated>(
                &ld(field, &payload),
                K::InvalidPackedLength,
                &[&format!("rsfast.test.Repeated.{name}")],
            );
        }
        expect_err::<Packed>(
            &ld(3, &payload),
            K::InvalidPackedLength,
            &["rsfast.test2.Packed.packed_fixed"],
        );
    }
    // Valid multiples decode; an empty packed record is fine.
    assert_eq!(
        expect_ok::<Repeated>(&ld(7, &[1, 0, 0, 0, 2, 0, 0, 0])).r_fixed32,
        vec![1, 2]
    );
    assert!(expect_ok::<Repeated>(&ld(7, &[])).r_fixed32.is_empty());
    // Nothing is appended from a rejected record.
    let mut m = Repeated::default();
    let e = m
        .merge(&cat(&[&ld(7, &[1, 0, 0, 0]), &ld(7, &[2, 0, 0, 0, 3])]))
        .unwrap_err();
    assert_eq!(e.kind(), &K::InvalidPackedLength);
    assert_eq!(m.r_fixed32, vec![1]);
}

#[test]
fn packed_varints_truncated_inside_their_record() {
    expect_err::<Repeated>(
        &ld(1, &[0x01, 0x80]),
        K::Truncated,
        &["rsfast.test.Repeated.r_int32"],
    );
    expect_err::<Repeated>(
        &ld(13, &[0xff]),
        K::Truncated,
        &["rsfast.test.Repeated.r_bool"],
    );
    expect_err::<Repeated>(
        &ld(16, &[0x80]),
        K::Truncated,
        &["rsfast.test.Repeated.r_enum"],
    );
    expect_err::<Closed>(
        &ld(3, &[0x01, 0x80]),
        K::Truncated,
        &["rsfast.test2.Closed.packed_list"],
    );
    expect_err::<Closed>(
        &ld(2, &[0x01, 0x80]),
        K::Truncated,
        &["rsfast.test2.Closed.list"],
    );
    // The varint continues past the record into bytes that follow it.
    expect_err::<Packed>(
        &cat(&[&ld(2, &[0x80]), &[0x08, 0x01]]),
        K::Truncated,
        &["rsfast.test2.Packed.packed"],
    );
}

// ---------------------------------------------------------------------------------------
// Required fields
// ---------------------------------------------------------------------------------------

#[test]
fn missing_required_fields_are_named() {
    let id = "rsfast.test2.Required.id";
    let name = "rsfast.test2.Required.name";
    let ok = [0x08, 0x01, 0x12, 0x00]; // id = 1, name = ""
    expect_ok::<Required>(&ok);
    expect_err::<Required>(&[], K::MissingRequiredField, &[id]);
    expect_err::<Required>(&[0x08, 0x01], K::MissingRequiredField, &[name]);
    expect_err::<Required>(&[0x12, 0x00], K::MissingRequiredField, &[id]);
    // Nested in Required itself.
    expect_err::<Required>(
        &cat(&[&ok, &ld(3, &[0x08, 0x01])]),
        K::MissingRequiredField,
        &["rsfast.test2.Required.child", name],
    );
    expect_err::<Required>(
        &cat(&[&ok, &ld(4, &ok), &ld(4, &[0x12, 0x00])]),
        K::MissingRequiredField,
        &["rsfast.test2.Required.children", id],
    );
    expect_err::<Required>(
        &cat(&[&ok, &ld(3, &cat(&[&ok, &ld(3, &[])]))]),
        K::MissingRequiredField,
        &[
            "rsfast.test2.Required.child",
            "rsfast.test2.Required.child",
            id,
        ],
    );
    // HasRequired.single.
    expect_ok::<HasRequired>(&ld(1, &ok));
    expect_err::<HasRequired>(
        &ld(1, &[0x08, 0x01]),
        K::MissingRequiredField,
        &["rsfast.test2.HasRequired.single", name],
    );
    // HasRequired.by_name: a value missing a field, and an entry with no value at all.
    expect_ok::<HasRequired>(&ld(2, &cat(&[&ld(1, b"k"), &ld(2, &ok)])));
    expect_err::<HasRequired>(
        &ld(2, &cat(&[&ld(1, b"k"), &ld(2, &[0x12, 0x01, b'x'])])),
        K::MissingRequiredField,
        &["rsfast.test2.HasRequired.by_name", id],
    );
    expect_err::<HasRequired>(
        &ld(2, &ld(1, b"k")),
        K::MissingRequiredField,
        &["rsfast.test2.HasRequired.by_name", id],
    );
    // HasRequired.picked, and a picked message replaced by the other member.
    expect_err::<HasRequired>(
        &ld(3, &[0x12, 0x00]),
        K::MissingRequiredField,
        &["rsfast.test2.HasRequired.picked", id],
    );
    expect_ok::<HasRequired>(&cat(&[&ld(3, &[0x12, 0x00]), &[0x20, 0x01]]));
    // A required field split across two occurrences of the message is complete.
    expect_ok::<HasRequired>(&cat(&[&ld(1, &[0x08, 0x01]), &ld(1, &[0x12, 0x00])]));
    // Through the length-delimited entry point too.
    let mut framed: &[u8] = &[2, 0x08, 0x01];
    let e = Required::decode_length_delimited(&mut framed).unwrap_err();
    assert_eq!(e.kind(), &K::MissingRequiredField);
    assert_eq!(path_of(&e), [name]);
}

// ---------------------------------------------------------------------------------------
// Map entries
// ---------------------------------------------------------------------------------------

#[test]
fn map_entries_with_invalid_keys_are_rejected() {
    let eleven = [0xffu8; 10]
        .iter()
        .copied()
        .chain([0x01])
        .collect::<Vec<u8>>();
    // Truncated, overlong and out-of-range varint keys.
    expect_err::<Maps>(
        &ld(1, &[0x08, 0x80]),
        K::Truncated,
        &["rsfast.test.Maps.int32_int32"],
    );
    expect_err::<Maps>(
        &ld(4, &cat(&[&[0x08], &eleven])),
        K::VarintOverflow,
        &["rsfast.test.Maps.uint64_uint64"],
    );
    expect_err::<Maps>(
        &ld(6, &cat(&[&[0x08], &[0xff; 9], &[0x02]])),
        K::VarintOverflow,
        &["rsfast.test.Maps.sint64_sint64"],
    );
    // Truncated fixed-width keys.
    expect_err::<Maps>(
        &ld(7, &[0x0d, 1, 2]),
        K::Truncated,
        &["rsfast.test.Maps.fixed32_fixed32"],
    );
    expect_err::<Maps>(
        &ld(10, &[0x09, 1, 2, 3]),
        K::Truncated,
        &["rsfast.test.Maps.sfixed64_sfixed64"],
    );
    // String keys: invalid UTF-8, past the entry's end.
    expect_err::<Maps>(
        &ld(16, &ld(1, &[0xff])),
        K::InvalidUtf8,
        &["rsfast.test.Maps.string_enum"],
    );
    expect_err::<Maps>(
        &ld(12, &[0x0a, 0x7f]),
        K::LengthOutOfBounds {
            len: 0x7f,
            remaining: 0,
        },
        &["rsfast.test.Maps.string_string"],
    );
    // Bad tags inside the entry.
    expect_err::<Maps>(
        &ld(18, &[0x0e]),
        K::InvalidWireType(6),
        &["rsfast.test.Maps.uint64_foreign"],
    );
    expect_err::<Maps>(
        &ld(18, &[0x00, 0x00]),
        K::FieldNumberZero,
        &["rsfast.test.Maps.uint64_foreign"],
    );
    expect_err::<Maps>(
        &ld(11, &[0x0b]),
        K::UnterminatedGroup { field_number: 1 },
        &["rsfast.test.Maps.bool_bool"],
    );
    expect_err::<Closed>(
        &ld(4, &[0x08, 0x80]),
        K::Truncated,
        &["rsfast.test2.Closed.by_id"],
    );
    expect_err::<HasRequired>(
        &ld(2, &ld(1, &[0xc3, 0x28])),
        K::InvalidUtf8,
        &["rsfast.test2.HasRequired.by_name"],
    );
    // A key of the wrong wire type is an unknown field of the entry, skipped: the key
    // stays at its default.
    let m = expect_ok::<Maps>(&ld(1, &[0x0d, 1, 2, 3, 4, 0x10, 0x05]));
    assert_eq!(m.int32_int32.get(&0), Some(&5));
    // But it must still be well-formed.
    expect_err::<Maps>(
        &ld(1, &[0x0d, 1, 2]),
        K::Truncated,
        &["rsfast.test.Maps.int32_int32"],
    );
}

// ---------------------------------------------------------------------------------------
// Allocation bounds
// ---------------------------------------------------------------------------------------

/// Fixed cost of an error: the boxed error and its field path (4 entries of 32 bytes).
const ERROR_OVERHEAD: usize = 128;

fn allocation_bound(input: &[u8]) -> usize {
    ERROR_OVERHEAD + 2 * input.len()
}

#[track_caller]
fn check_bounded<M: Message + Debug>(input: &[u8]) -> AllocStats {
    let (result, stats) = measure(|| try_decode::<M>(input).map(drop));
    let bound = allocation_bound(input);
    assert!(
        stats.largest <= bound,
        "BUG: decoding {} bytes as {} ({:?}) made a {}-byte allocation (bound {bound}): {stats:?}; input {:02x?}",
        input.len(),
        type_name::<M>(),
        result.as_ref().map_err(|e| e.to_string()),
        stats.largest,
        &input[..input.len().min(32)],
    );
    stats
}

#[test]
fn hostile_lengths_allocate_nothing_they_claim() {
    let claim = |prefix: &[u8], len: u64, pad: usize| {
        let mut v = cat(&[prefix, &varint(len)]);
        v.resize(v.len() + pad, 0);
        v
    };
    let huge = [1u64 << 31, (1 << 31) - 1, 1 << 40, 1 << 62, u64::MAX];
    for len in huge {
        // The 10-byte buffer claiming a 2^31-byte string, and friends.
        check_bounded::<Scalars>(&claim(&[0x72], len, 4));
        check_bounded::<Scalars>(&claim(&[0x7a], len, 4));
        check_bounded::<Optionals>(&claim(&[0x7a], len, 4));
        check_bounded::<Repeated>(&claim(&[0x72], len, 4));
        check_bounded::<Repeated>(&claim(&[0x7a], len, 4));
        check_bounded::<Oneofs>(&claim(&[0x1a], len, 4));
        check_bounded::<Oneofs>(&claim(&[0x22], len, 4));
        // Packed fields claiming a huge length, varint and fixed-width.
        check_bounded::<Repeated>(&claim(&[0x0a], len, 4));
        check_bounded::<Repeated>(&claim(&[0x3a], len, 4));
        check_bounded::<Repeated>(&claim(&[0x62], len, 8));
        check_bounded::<Packed>(&claim(&[0x1a], len, 8));
        check_bounded::<Closed>(&claim(&[0x1a], len, 4));
        // Messages, map entries, unknown fields.
        check_bounded::<Tree>(&claim(&[0x12], len, 4));
        check_bounded::<Tree>(&claim(&[0x2a], len, 4));
        check_bounded::<Maps>(&claim(&[0x62], len, 4));
        check_bounded::<Tree>(&claim(&key(77, 2), len, 4));
        // A small entry whose key claims a huge length.
        let key_claim = claim(&[0x0a], len, 0);
        check_bounded::<Maps>(&cat(&[&ld(12, &key_claim), &[0; 4]]));
        // After valid data, the claim still adds nothing: only the valid string's
        // bytes are allocated.
        let after = cat(&[&ld(14, &[b'v'; 300]), &claim(&[0x7a], len, 0)]);
        check_bounded::<Scalars>(&after);
        let after = cat(&[&ld(15, &[b'v'; 300]), &claim(&[0x7a], len, 0)]);
        check_bounded::<Repeated>(&after);
    }
    // The exact 10-byte case from the threat model.
    let ten = [0x72, 0x80, 0x80, 0x80, 0x80, 0x08, b'a', b'b', b'c', b'd'];
    assert_eq!(ten.len(), 10);
    let stats = check_bounded::<Scalars>(&ten);
    assert!(stats.total <= 4 * allocation_bound(&ten), "{stats:?}");
}

#[test]
fn valid_large_fields_allocate_about_their_size() {
    // A 1 MiB string, packed fixed32 and double payloads: one allocation each, of the
    // payload's size.
    let big = vec![b'a'; 1 << 20];
    let stats = check_bounded::<Scalars>(&ld(14, &big));
    assert!(stats.largest >= 1 << 20, "{stats:?}");
    check_bounded::<Repeated>(&ld(7, &vec![1; 4000]));
    check_bounded::<Repeated>(&ld(12, &vec![1; 8000]));
    check_bounded::<Packed>(&ld(3, &vec![1; 8000]));
    // Unknown fields: kept bytes grow by doubling at most.
    let mut unknown = Vec::new();
    for i in 0..5000u32 {
        unknown.extend_from_slice(&cat(&[&key(100 + i % 7, 0), &[1]]));
    }
    check_bounded::<Tree>(&unknown);
}

/// Decodes `make(n)` for growing `n` and checks that memory grows linearly: the peak for
/// 8n is at most about 8 times the peak for n, and each element costs at most its
/// in-memory size (twice, for vector doubling) plus a constant.
fn check_linear<M: Message + Debug>(
    what: &str,
    per_element: usize,
    make: impl Fn(usize) -> Vec<u8>,
) {
    let mut peaks = Vec::new();
    for n in [1000, 8000] {
        let input = make(n);
        let (result, stats) = measure(|| try_decode::<M>(&input).map(drop));
        result.unwrap_or_else(|e| panic!("{what}: {e}"));
        let bound = 2 * n * per_element + 4 * input.len() + 4096;
        assert!(
            stats.peak <= bound && stats.largest <= bound,
            "BUG: {what} x{n} ({} input bytes) peaked at {} bytes (largest {}; bound {bound}): {stats:?}",
            input.len(),
            stats.peak,
            stats.largest
        );
        peaks.push(stats.peak);
    }
    assert!(
        peaks[1] <= 10 * peaks[0] + 4096,
        "{what}: not linear: {peaks:?}"
    );
}

#[test]
fn adversarial_valid_inputs_allocate_proportionally() {
    use std::mem::size_of;
    check_linear::<Repeated>(
        "empty Repeated.r_message",
        size_of::<repeated::Nested>(),
        |n| [0x8a, 0x01, 0x00].repeat(n),
    );
    check_linear::<Tree>("empty Tree.children", size_of::<Tree>(), |n| {
        [0x22, 0x00].repeat(n)
    });
    check_linear::<Groups>("empty Groups.item", size_of::<groups::Item>(), |n| {
        [0x23, 0x24].repeat(n)
    });
    check_linear::<Repeated>("empty Repeated.r_string", size_of::<String>(), |n| {
        [0x72, 0x00].repeat(n)
    });
    check_linear::<Repeated>("packed varint int64", size_of::<i64>(), |n| {
        ld(2, &vec![1; n])
    });
    // Map entries with distinct keys: each entry owns its key and value. A hash table
    // holds (key, value) plus a control byte and up to 8/7 load.
    check_linear::<Tree>(
        "Tree.named entries",
        2 * (size_of::<(String, Tree)>() + 1) + 16,
        |n| {
            let mut v = Vec::new();
            for i in 0..n {
                v.extend_from_slice(&ld(5, &ld(1, format!("{i:05}").as_bytes())));
            }
            v
        },
    );
    // The same key over and over: one entry, no growth.
    let same_key = [0x2a, 0x00].repeat(10_000);
    let (result, stats) = measure(|| try_decode::<Tree>(&same_key).map(drop));
    result.unwrap();
    assert!(stats.peak < 4096, "{stats:?}");
    // Closed enums routed to unknown fields one by one.
    check_linear::<Closed>("undeclared closed enum values", 4, |n| {
        ld(3, &vec![0x63; n])
    });
}

#[test]
fn deep_nesting_errors_allocate_a_bounded_path() {
    // A recursion-limit error carries a path of up to 101 entries, whatever the input's
    // size: its allocations are bounded by the limit, not by the input.
    for levels in [101, 1000, 100_000] {
        let input = nest(2, levels, &[]);
        let (result, stats) = measure(|| try_decode::<Tree>(&input).map(drop));
        assert_eq!(result.unwrap_err().kind(), &K::RecursionLimitExceeded);
        assert!(stats.largest <= 8192, "{levels} levels: {stats:?}");
        assert!(stats.total <= 32768, "{levels} levels: {stats:?}");
    }
    let starts = vec![0x33; 1_000_000];
    let (result, stats) = measure(|| try_decode::<Tree>(&starts).map(drop));
    assert_eq!(result.unwrap_err().kind(), &K::RecursionLimitExceeded);
    assert!(stats.largest <= 1024, "{stats:?}");
}

// ---------------------------------------------------------------------------------------
// Non-canonical tags
// ---------------------------------------------------------------------------------------

#[test]
fn non_canonical_tags_are_accepted() {
    // Tag 8 (Scalars.f_int32) written in two bytes.
    assert_eq!(expect_ok::<Scalars>(&[0x88, 0x00, 0x05]).f_int32, 5);
    // A known group closed by a two-byte end tag.
    let g = expect_ok::<Groups>(&[0x0b, 0x10, 0x07, 0x8c, 0x00]);
    assert_eq!(g.data.as_ref().and_then(|d| d.a), Some(7));
    assert_eq!(g.encode_to_vec(), [0x0b, 0x10, 0x07, 0x0c]);
}

#[test]
fn unknown_group_contents_exclude_a_non_canonical_end_tag() {
    // Unknown group 6 holding `field 1 = 1`, closed by end tag 0x34 written in two bytes
    // (0xb4 0x00). The record survives as it came, but its reported contents must be
    // just the group's fields.
    let input = [0x33, 0x08, 0x01, 0xb4, 0x00];
    let t = expect_ok::<Tree>(&input);
    assert_eq!(t.encode_to_vec(), input);
    let fields: Vec<_> = t.unknown_fields.iter().collect();
    assert_eq!(
        fields,
        [(6, rsfast::UnknownValue::Group(&[0x08, 0x01]))],
        "BUG: UnknownFields::iter assumes a canonical end-group tag"
    );
}

// ---------------------------------------------------------------------------------------
// string=bytes: rsfast::BytesString fields (the json_bytes golden)
// ---------------------------------------------------------------------------------------

/// Decoding `bytes` as `M` must fail with `kind` in the fields of `path`, both from a
/// slice and from a `Bytes` ([`Message::decode_bytes`], the path that slices strings).
#[track_caller]
fn expect_err_both<M: Message + Debug>(bytes: &[u8], kind: K, path: &[&str]) {
    expect_err::<M>(bytes, kind.clone(), path);
    let shared = rsfast::bytes::Bytes::copy_from_slice(bytes);
    let e = match catch_unwind(AssertUnwindSafe(|| M::decode_bytes(&shared))) {
        Ok(Ok(m)) => panic!("decode_bytes accepted hostile input {bytes:02x?} as {m:?}"),
        Ok(Err(e)) => e,
        Err(_) => panic!("BUG: decode_bytes of {bytes:02x?} panicked"),
    };
    assert_eq!(e.kind(), &kind, "input {bytes:02x?}: {e}");
    assert_eq!(path_of(&e), path, "input {bytes:02x?}: {e}");
}

/// `BytesString` fields validate UTF-8 exactly as `String` fields do, naming the field,
/// whether the input is copied or sliced.
#[test]
fn invalid_utf8_in_bytes_strings_is_rejected() {
    use rsfast_tests::rsfast_json_bytes::rsfast::test as zc;
    use rsfast_tests::rsfast_json_bytes::rsfast::test2 as zc2;
    for bad in NOT_UTF8 {
        expect_err_both::<zc::Scalars>(
            &ld(14, bad),
            K::InvalidUtf8,
            &["rsfast.test.Scalars.f_string"],
        );
        expect_err_both::<zc::Optionals>(
            &cat(&[&ld(14, b"fine"), &ld(14, bad)]),
            K::InvalidUtf8,
            &["rsfast.test.Optionals.o_string"],
        );
        expect_err_both::<zc::Repeated>(
            &cat(&[&ld(14, b"ok"), &ld(14, bad)]),
            K::InvalidUtf8,
            &["rsfast.test.Repeated.r_string"],
        );
        expect_err_both::<zc::Repeated>(
            &ld(17, &ld(2, bad)),
            K::InvalidUtf8,
            &[
                "rsfast.test.Repeated.r_message",
                "rsfast.test.Repeated.Nested.b",
            ],
        );
        expect_err_both::<zc::Maps>(
            &ld(12, &cat(&[&ld(1, bad), &ld(2, b"v")])),
            K::InvalidUtf8,
            &["rsfast.test.Maps.string_string"],
        );
        expect_err_both::<zc::Maps>(
            &ld(12, &cat(&[&ld(1, b"k"), &ld(2, bad)])),
            K::InvalidUtf8,
            &["rsfast.test.Maps.string_string"],
        );
        expect_err_both::<zc::Oneofs>(
            &ld(3, bad),
            K::InvalidUtf8,
            &["rsfast.test.Oneofs.c_string"],
        );
        expect_err_both::<zc2::Defaults>(
            &ld(14, bad),
            K::InvalidUtf8,
            &["rsfast.test2.Defaults.d_string"],
        );
        expect_err_both::<zc2::Groups>(
            &cat(&[&key(1, 3), &ld(3, bad), &key(1, 4)]),
            K::InvalidUtf8,
            &["rsfast.test2.Groups.data", "rsfast.test2.Groups.Data.b"],
        );
        expect_err_both::<zc2::Closed>(
            &ld(6, bad),
            K::InvalidUtf8,
            &["rsfast.test2.Closed.one_name"],
        );
    }
}

/// With `string=bytes`, `decode_bytes` slices every string out of the input: decoding
/// string fields (singular, optional, oneof, proto2 with a default) allocates nothing,
/// where `String` fields allocate once each; repeated strings and maps allocate only
/// their containers. From a plain slice each string is copied once.
#[test]
fn decode_bytes_allocates_nothing_for_bytes_strings() {
    use rsfast::bytes::Bytes;
    use rsfast_tests::rsfast_json_bytes::rsfast::test as zc;
    use rsfast_tests::rsfast_json_bytes::rsfast::test2 as zc2;
    const LONG: &str = "a string long enough that String would surely allocate";

    // A `Bytes` made from a `Vec` allocates a small shared header the first time it is
    // sliced or cloned (bytes' promotion), once per buffer however many fields share it:
    // the inputs here are cloned once first, so only what decoding itself allocates
    // is counted.
    let shared_input = |encoded: Vec<u8>| {
        let input = Bytes::from(encoded);
        drop(input.clone());
        input
    };
    let in_input = |input: &Bytes, s: &str| {
        let range = input.as_ptr() as usize..input.as_ptr() as usize + input.len();
        range.contains(&(s.as_ptr() as usize))
    };

    // Singular, optional and oneof strings, and a bytes field.
    let msg = zc::Scalars {
        f_string: LONG.into(),
        f_bytes: Bytes::from_static(b"bytes too"),
        f_int32: 7,
        ..Default::default()
    };
    // Unpromoted, the header is the one allocation.
    let fresh = Bytes::from(msg.encode_to_vec());
    let (_, stats) = measure(|| zc::Scalars::decode_bytes(&fresh).unwrap());
    assert!(stats.count <= 1 && stats.largest <= 64, "{stats:?}");
    let input = shared_input(msg.encode_to_vec());
    let (decoded, stats) = measure(|| zc::Scalars::decode_bytes(&input).unwrap());
    assert_eq!(stats.count, 0, "{stats:?}");
    assert_eq!(decoded, msg);
    assert!(in_input(&input, &decoded.f_string));
    // From a slice: one copy each for the string and the bytes.
    let (copied, stats) = measure(|| zc::Scalars::decode(&input).unwrap());
    assert_eq!(stats.count, 2, "{stats:?}");
    assert_eq!(copied, msg);
    assert!(!in_input(&input, &copied.f_string));
    // The same encoding into String fields (and Vec<u8>) allocates for each.
    let (owned, stats) = measure(|| Scalars::decode(&input).unwrap());
    assert_eq!(stats.count, 2, "{stats:?}");
    assert_eq!(owned.f_string, LONG);

    let msg = zc::Optionals {
        o_string: Some(LONG.into()),
        ..Default::default()
    };
    let input = shared_input(msg.encode_to_vec());
    let (decoded, stats) = measure(|| zc::Optionals::decode_bytes(&input).unwrap());
    assert_eq!(stats.count, 0, "{stats:?}");
    assert_eq!(decoded, msg);

    let msg = zc::Oneofs {
        name: LONG.into(),
        choice: Some(zc::oneofs::Choice::CString(LONG.into())),
        ..Default::default()
    };
    let input = shared_input(msg.encode_to_vec());
    let (decoded, stats) = measure(|| zc::Oneofs::decode_bytes(&input).unwrap());
    assert_eq!(stats.count, 0, "{stats:?}");
    assert_eq!(decoded, msg);

    // proto2: a set string with a default, and an unset one reading its static default.
    let msg = zc2::Defaults {
        d_string: Some(LONG.into()),
        ..Default::default()
    };
    let input = shared_input(msg.encode_to_vec());
    let (decoded, stats) = measure(|| zc2::Defaults::decode_bytes(&input).unwrap());
    assert_eq!(stats.count, 0, "{stats:?}");
    assert_eq!(decoded.d_string(), LONG);
    let (unset, stats) = measure(|| zc2::Defaults::decode_bytes(&Bytes::new()).unwrap());
    assert_eq!(stats.count, 0, "{stats:?}");
    assert_eq!(unset.d_string(), "hello \"world\"\n");

    // Repeated: one allocation, the vector's; String fields add one per element.
    let msg = zc::Repeated {
        r_string: vec![LONG.into(), LONG.into(), LONG.into()],
        ..Default::default()
    };
    let input = shared_input(msg.encode_to_vec());
    let (decoded, stats) = measure(|| zc::Repeated::decode_bytes(&input).unwrap());
    assert_eq!(stats.count, 1, "{stats:?}");
    assert_eq!(decoded, msg);
    assert!(decoded.r_string.iter().all(|s| in_input(&input, s)));
    let (_, stats) = measure(|| Repeated::decode(&input).unwrap());
    assert_eq!(stats.count, 4, "{stats:?}");

    // A map's keys and values are slices too: only the table allocates.
    let mut msg = zc::Maps::default();
    msg.string_string.insert(LONG.into(), LONG.into());
    let input = shared_input(msg.encode_to_vec());
    let (decoded, stats) = measure(|| zc::Maps::decode_bytes(&input).unwrap());
    assert_eq!(stats.count, 1, "{stats:?}");
    assert_eq!(decoded, msg);
    let (key, value) = decoded.string_string.iter().next().unwrap();
    assert!(in_input(&input, key) && in_input(&input, value));
    assert_eq!(decoded.string_string.get(LONG).map(|v| &v[..]), Some(LONG));
}
