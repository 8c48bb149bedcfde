//! The text format tokenizer and parser: a cursor over the input that reads one token
//! at a time, for the generated `merge_text_field` impls to drive (they know each
//! field's type, so no token is ever read without knowing what it must be).

use super::{Registry, TextCodec, TextError, TextMessage};

/// A field name as written: a plain identifier, or bracketed (`[pkg.ext]` for an
/// extension, `[type.googleapis.com/pkg.Msg]` for an expanded `Any`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldName<'a> {
    Ident(&'a str),
    Bracketed(String),
}

impl std::fmt::Display for FieldName<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FieldName::Ident(name) => f.write_str(name),
            FieldName::Bracketed(name) => write!(f, "[{name}]"),
        }
    }
}

/// A number token: its sign and its text (digits, dots, exponent, suffix letters).
struct Number<'a> {
    negative: bool,
    text: &'a str,
}

/// The parser state: input, position, nesting depth and the registry for `Any` and
/// extensions.
pub struct Parser<'a> {
    input: &'a str,
    pos: usize,
    depth: u32,
    registry: &'a Registry,
    /// Per message body being parsed: the singular fields and oneofs already set
    /// (a second value is an error).
    seen: Vec<Vec<&'static str>>,
    /// Where the field being parsed starts (its name), for errors about the field.
    field_start: usize,
}

impl std::fmt::Debug for Parser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (line, column) = self.line_column(self.pos);
        write!(f, "Parser at {line}:{column}")
    }
}

/// How deep messages may nest (the binary decoder's limit).
const MAX_DEPTH: u32 = crate::DEFAULT_RECURSION_LIMIT;

impl<'a> Parser<'a> {
    pub fn new(input: &'a str, registry: &'a Registry) -> Self {
        Parser {
            input,
            pos: 0,
            depth: 0,
            registry,
            seen: Vec::new(),
            field_start: 0,
        }
    }

    pub fn registry(&self) -> &'a Registry {
        self.registry
    }

    fn bytes(&self) -> &'a [u8] {
        self.input.as_bytes()
    }

    fn peek_byte(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    /// 1-based line and column (in characters) of byte offset `pos`.
    fn line_column(&self, pos: usize) -> (usize, usize) {
        let mut pos = pos.min(self.input.len());
        while !self.input.is_char_boundary(pos) {
            pos -= 1;
        }
        let before = &self.input[..pos];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    /// An error at byte offset `pos`.
    pub fn error_at(&self, pos: usize, message: impl Into<String>) -> TextError {
        let (line, column) = self.line_column(pos);
        TextError {
            line,
            column,
            message: message.into(),
        }
    }

    /// An error at the current position (after whitespace).
    pub fn error(&mut self, message: impl Into<String>) -> TextError {
        self.skip_whitespace();
        self.error_at(self.pos, message)
    }

    /// The current byte offset, after whitespace and comments.
    pub fn position(&mut self) -> usize {
        self.skip_whitespace();
        self.pos
    }

    fn skip_whitespace(&mut self) {
        while let Some(b) = self.peek_byte() {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => self.pos += 1,
                b'#' => {
                    while let Some(b) = self.peek_byte() {
                        self.pos += 1;
                        if b == b'\n' {
                            break;
                        }
                    }
                }
                _ => break,
            }
        }
    }

    /// Consumes `c` (after whitespace) if it is next.
    pub fn consume(&mut self, c: u8) -> bool {
        self.skip_whitespace();
        if self.peek_byte() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8, what: &str) -> Result<(), TextError> {
        if self.consume(c) {
            Ok(())
        } else {
            Err(self.error(format!("expected {what}")))
        }
    }

    /// An identifier (`[A-Za-z_][A-Za-z0-9_]*`), if one is next.
    fn identifier(&mut self) -> Option<&'a str> {
        self.skip_whitespace();
        let bytes = self.bytes();
        let start = self.pos;
        if !bytes
            .get(start)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            return None;
        }
        let mut end = start + 1;
        while bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
        {
            end += 1;
        }
        self.pos = end;
        Some(&self.input[start..end])
    }

    /// Whether the input is exhausted (after whitespace and comments).
    pub fn at_end(&mut self) -> bool {
        self.skip_whitespace();
        self.pos == self.input.len()
    }

    /// The next field name: an identifier or a bracketed name.
    pub fn field_name(&mut self) -> Result<FieldName<'a>, TextError> {
        if self.consume(b'[') {
            let start = self.pos;
            let Some(len) = self.input[start..].find(']') else {
                return Err(self.error("unterminated '[' in field name"));
            };
            self.pos = start + len + 1;
            let name: String = self.input[start..start + len]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_./".contains(&b));
            if !valid {
                return Err(self.error_at(start, format!("invalid name [{name}]")));
            }
            return Ok(FieldName::Bracketed(name));
        }
        match self.identifier() {
            Some(name) => Ok(FieldName::Ident(name)),
            None => Err(self.error("expected a field name")),
        }
    }

    /// Merges fields into `message` until `close` (or the end of input for `None`).
    pub fn merge_fields<M: TextMessage>(
        &mut self,
        message: &mut M,
        close: Option<u8>,
    ) -> Result<(), TextError> {
        self.seen.push(Vec::new());
        let result = self.merge_fields_in_frame(message, close);
        self.seen.pop();
        result
    }

    fn merge_fields_in_frame<M: TextMessage>(
        &mut self,
        message: &mut M,
        close: Option<u8>,
    ) -> Result<(), TextError> {
        loop {
            self.skip_whitespace();
            match (self.peek_byte(), close) {
                (None, None) => return Ok(()),
                (None, Some(c)) => {
                    return Err(self.error(format!("expected '{}' at end of message", c as char)))
                }
                (Some(b), Some(c)) if b == c => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => {}
            }
            let start = self.pos;
            self.field_start = start;
            let name = self.field_name()?;
            if !message.merge_text_field(self, &name)? {
                return Err(
                    self.error_at(start, format!("{} has no field named {name}", M::FULL_NAME))
                );
            }
            // One optional separator after each field.
            if !self.consume(b';') {
                self.consume(b',');
            }
        }
    }

    /// A message body in `{ }` or `< >`, merged into `message`.
    pub fn merge_message_body<M: TextMessage>(&mut self, message: &mut M) -> Result<(), TextError> {
        let close = if self.consume(b'{') {
            b'}'
        } else if self.consume(b'<') {
            b'>'
        } else {
            return Err(self.error("expected '{' or '<'"));
        };
        if self.depth >= MAX_DEPTH {
            return Err(self.error("message nesting too deep"));
        }
        self.depth += 1;
        let result = self.merge_fields(message, Some(close));
        self.depth -= 1;
        result
    }

    /// The separator before a field's value: `:` (required before scalars, optional
    /// before messages and lists of messages).
    fn value_separator(&mut self, is_message: bool) -> Result<(), TextError> {
        if self.consume(b':') || is_message {
            Ok(())
        } else {
            Err(self.error("expected ':'"))
        }
    }

    /// Records that singular field (or oneof) `name` is set in the current message;
    /// an error if it already was.
    pub(crate) fn set_once(&mut self, name: &'static str, what: &str) -> Result<(), TextError> {
        let Some(frame) = self.seen.last_mut() else {
            return Ok(());
        };
        if frame.contains(&name) {
            return Err(self.error_at(
                self.field_start,
                format!("{what} {name} is set more than once"),
            ));
        }
        frame.push(name);
        Ok(())
    }

    /// The value of a singular field of codec `C`, with its separator.
    pub fn field<C: TextCodec>(&mut self, field: &'static str) -> Result<C::Value, TextError> {
        self.set_once(field, "field")?;
        self.value_separator(C::IS_MESSAGE)
            .and_then(|()| C::parse(self))
            .map_err(|e| e.in_field(field))
    }

    /// The value of member `field` of `oneof`: a second member is an error.
    pub fn oneof_field<C: TextCodec>(
        &mut self,
        oneof: &'static str,
        field: &'static str,
    ) -> Result<C::Value, TextError> {
        self.set_once(oneof, "oneof")?;
        self.field::<C>(field)
    }

    // What generated `merge_text_field` arms call: one call per arm, evaluating to the
    // arm's result, keeps that function's stack frame small (it recurses through
    // nested messages).

    /// Sets singular field `name` (implicit presence).
    pub fn set<C: TextCodec>(
        &mut self,
        field: &mut C::Value,
        name: &'static str,
    ) -> Result<bool, TextError> {
        *field = self.field::<C>(name)?;
        Ok(true)
    }

    /// Sets singular field `name` (explicit presence).
    pub fn set_optional<C: TextCodec>(
        &mut self,
        field: &mut Option<C::Value>,
        name: &'static str,
    ) -> Result<bool, TextError> {
        *field = Some(self.field::<C>(name)?);
        Ok(true)
    }

    /// Sets member `name` of `oneof`, wrapped by `variant`.
    pub fn set_oneof<C: TextCodec, O>(
        &mut self,
        field: &mut Option<O>,
        oneof: &'static str,
        name: &'static str,
        variant: fn(C::Value) -> O,
    ) -> Result<bool, TextError> {
        *field = Some(variant(self.oneof_field::<C>(oneof, name)?));
        Ok(true)
    }

    /// Appends to repeated field `name`.
    pub fn add<C: TextCodec>(
        &mut self,
        values: &mut Vec<C::Value>,
        name: &'static str,
    ) -> Result<bool, TextError> {
        self.repeated::<C>(name, values)?;
        Ok(true)
    }

    /// Inserts into map field `name`.
    pub fn add_entries<K, V, S>(
        &mut self,
        map: &mut std::collections::HashMap<K::Value, V::Value, S>,
        name: &'static str,
    ) -> Result<bool, TextError>
    where
        K: TextCodec,
        V: TextCodec,
        K::Value: Default + Eq + std::hash::Hash,
        V::Value: Default,
        S: std::hash::BuildHasher,
    {
        self.map_entries::<K, V, S>(name, map)?;
        Ok(true)
    }

    /// Skips the value of a reserved field.
    pub fn skip_reserved(&mut self) -> Result<bool, TextError> {
        self.skip_value()?;
        Ok(true)
    }

    /// Values of a repeated field of codec `C` (one value, or a list `[a, b]`),
    /// appended to `values`.
    pub fn repeated<C: TextCodec>(
        &mut self,
        field: &str,
        values: &mut Vec<C::Value>,
    ) -> Result<(), TextError> {
        self.list(C::IS_MESSAGE, |p| {
            values.push(C::parse(p)?);
            Ok(())
        })
        .map_err(|e| e.in_field(field))
    }

    /// One value or a list of values, each read by `read`.
    pub fn list(
        &mut self,
        is_message: bool,
        mut read: impl FnMut(&mut Self) -> Result<(), TextError>,
    ) -> Result<(), TextError> {
        self.value_separator(is_message)?;
        if !self.consume(b'[') {
            return read(self);
        }
        if self.consume(b']') {
            return Ok(());
        }
        loop {
            read(self)?;
            if self.consume(b']') {
                return Ok(());
            }
            self.expect(b',', "',' or ']' in list")?;
        }
    }

    /// Entries of a map field (one entry message or a list of them), inserted into
    /// `map`; an entry without key or value uses the default.
    pub fn map_entries<K, V, S>(
        &mut self,
        field: &str,
        map: &mut std::collections::HashMap<K::Value, V::Value, S>,
    ) -> Result<(), TextError>
    where
        K: TextCodec,
        V: TextCodec,
        K::Value: Default + Eq + std::hash::Hash,
        V::Value: Default,
        S: std::hash::BuildHasher,
    {
        self.list(true, |p| {
            let mut entry = MapEntry::<K, V>(Default::default(), Default::default());
            p.merge_message_body(&mut entry)?;
            map.insert(entry.0, entry.1);
            Ok(())
        })
        .map_err(|e| e.in_field(field))
    }

    /// Skips the value of a reserved field: whatever follows, scalar, message or list.
    pub fn skip_value(&mut self) -> Result<(), TextError> {
        let colon = self.consume(b':');
        self.skip_whitespace();
        match self.peek_byte() {
            Some(b'{' | b'<') => {
                let mut skipped = Skipped;
                self.merge_message_body(&mut skipped)
            }
            Some(b'[') => {
                self.pos += 1;
                if self.consume(b']') {
                    return Ok(());
                }
                loop {
                    self.skip_single_value()?;
                    if self.consume(b']') {
                        return Ok(());
                    }
                    self.expect(b',', "',' or ']' in list")?;
                }
            }
            _ if colon => self.skip_single_value(),
            _ => Err(self.error("expected ':'")),
        }
    }

    fn skip_single_value(&mut self) -> Result<(), TextError> {
        self.skip_whitespace();
        match self.peek_byte() {
            Some(b'{' | b'<') => self.merge_message_body(&mut Skipped),
            Some(b'"' | b'\'') => self.string_bytes().map(drop),
            Some(b'-') => self.number().map(drop),
            _ => {
                if self.identifier().is_some() {
                    Ok(())
                } else {
                    self.number().map(drop)
                }
            }
        }
    }

    /// A number token, with an optional leading `-` (whitespace may follow it).
    fn number(&mut self) -> Result<Number<'a>, TextError> {
        let negative = self.consume(b'-');
        self.skip_whitespace();
        let bytes = self.bytes();
        let start = self.pos;
        let mut end = start;
        while let Some(&b) = bytes.get(end) {
            let exponent_sign = (b == b'+' || b == b'-')
                && end > start
                && matches!(bytes[end - 1], b'e' | b'E')
                && !self.input[start..end].starts_with("0x")
                && !self.input[start..end].starts_with("0X");
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || exponent_sign {
                end += 1;
            } else {
                break;
            }
        }
        if end == start {
            return Err(self.error("expected a number"));
        }
        self.pos = end;
        Ok(Number {
            negative,
            text: &self.input[start..end],
        })
    }

    /// An integer (decimal, `0x` hex or `0` octal) as sign and magnitude.
    fn integer(&mut self) -> Result<(bool, u64), TextError> {
        let start = self.position();
        let number = self.number()?;
        let text = number.text;
        let (digits, radix) =
            if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
                (hex, 16)
            } else if text.len() > 1 && text.starts_with('0') {
                (&text[1..], 8)
            } else {
                (text, 10)
            };
        if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
            return Err(self.error_at(start, format!("invalid integer {text:?}")));
        }
        match u64::from_str_radix(digits, radix) {
            Ok(magnitude) => Ok((number.negative, magnitude)),
            Err(_) => Err(self.error_at(start, format!("integer out of range: {text}"))),
        }
    }

    /// A signed integer within `[min, max]`.
    pub fn signed(&mut self, min: i64, max: i64) -> Result<i64, TextError> {
        let start = self.position();
        let (negative, magnitude) = self.integer()?;
        let value = if negative {
            (magnitude <= min.unsigned_abs()).then(|| 0i64.wrapping_sub_unsigned(magnitude))
        } else {
            i64::try_from(magnitude).ok()
        };
        match value {
            Some(v) if v >= min && v <= max => Ok(v),
            _ => Err(self.error_at(start, "integer out of range")),
        }
    }

    /// An unsigned integer up to `max`.
    pub fn unsigned(&mut self, max: u64) -> Result<u64, TextError> {
        let start = self.position();
        match self.integer()? {
            (false, v) if v <= max => Ok(v),
            (true, 0) => Ok(0),
            _ => Err(self.error_at(start, "integer out of range")),
        }
    }

    /// A floating-point value: decimal forms (`1`, `1.5`, `.5`, `1e5`, each with an
    /// optional `f`/`F` suffix), `inf`, `infinity` and `nan` in any case. Out-of-range
    /// values become infinities or zeros.
    pub fn float(&mut self) -> Result<f64, TextError> {
        let start = self.position();
        let number = self.number()?;
        let text = number.text;
        let lower = text.to_ascii_lowercase();
        let magnitude = match lower.as_str() {
            "inf" | "infinity" => f64::INFINITY,
            "nan" => f64::NAN,
            _ => {
                let body = lower.strip_suffix('f').unwrap_or(&lower);
                if !is_decimal_float(body) {
                    return Err(self.error_at(start, format!("invalid number {text:?}")));
                }
                parse_decimal(body)
            }
        };
        Ok(if number.negative {
            -magnitude
        } else {
            magnitude
        })
    }

    /// `true`/`True`/`t`/`1` or `false`/`False`/`f`/`0`.
    pub fn bool(&mut self) -> Result<bool, TextError> {
        let start = self.position();
        if let Some(word) = self.identifier() {
            return match word {
                "true" | "True" | "t" => Ok(true),
                "false" | "False" | "f" => Ok(false),
                _ => Err(self.error_at(start, format!("invalid bool {word:?}"))),
            };
        }
        match self.integer()? {
            (false, 1) => Ok(true),
            (false, 0) => Ok(false),
            _ => Err(self.error_at(start, "invalid bool")),
        }
    }

    /// An enum value: a name (resolved by `by_name`) or a number.
    pub fn enum_value(
        &mut self,
        by_name: impl FnOnce(&str) -> Option<i32>,
    ) -> Result<i32, TextError> {
        let start = self.position();
        if let Some(word) = self.identifier() {
            return by_name(word)
                .ok_or_else(|| self.error_at(start, format!("unknown enum value {word:?}")));
        }
        Ok(self.signed(i32::MIN.into(), i32::MAX.into())? as i32)
    }

    /// One or more adjacent string literals, concatenated and unescaped.
    pub fn string_bytes(&mut self) -> Result<Vec<u8>, TextError> {
        self.skip_whitespace();
        if !matches!(self.peek_byte(), Some(b'"' | b'\'')) {
            return Err(self.error("expected a string"));
        }
        let mut out = Vec::new();
        while let Some(quote @ (b'"' | b'\'')) = {
            self.skip_whitespace();
            self.peek_byte()
        } {
            self.pos += 1;
            self.string_literal(quote, &mut out)?;
        }
        Ok(out)
    }

    /// A UTF-8 string (literals concatenated).
    pub fn string(&mut self) -> Result<String, TextError> {
        let start = self.position();
        let bytes = self.string_bytes()?;
        String::from_utf8(bytes).map_err(|_| self.error_at(start, "string is not valid UTF-8"))
    }

    /// The rest of one literal after its opening quote.
    fn string_literal(&mut self, quote: u8, out: &mut Vec<u8>) -> Result<(), TextError> {
        let bytes = self.bytes();
        loop {
            let Some(&b) = bytes.get(self.pos) else {
                return Err(self.error_at(self.pos, "unterminated string"));
            };
            match b {
                b'\n' => return Err(self.error_at(self.pos, "newline in string")),
                b'\\' => {
                    let escape_start = self.pos;
                    self.pos += 1;
                    self.escape(escape_start, out)?;
                }
                _ if b == quote => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    /// One escape sequence, after its backslash.
    fn escape(&mut self, start: usize, out: &mut Vec<u8>) -> Result<(), TextError> {
        let bytes = self.bytes();
        let Some(&c) = bytes.get(self.pos) else {
            return Err(self.error_at(start, "unterminated string"));
        };
        self.pos += 1;
        let simple = match c {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            b'v' => Some(0x0b),
            b'?' | b'\\' | b'\'' | b'"' => Some(c),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            return Ok(());
        }
        // Digits of an escape: up to `max` digits of `radix`, at least `min`.
        let mut digits = |first: Option<u32>, radix: u32, min: usize, max: usize| {
            let mut value = first.unwrap_or(0);
            let mut count = usize::from(first.is_some());
            while count < max {
                match bytes
                    .get(self.pos)
                    .and_then(|b| (*b as char).to_digit(radix))
                {
                    Some(d) => {
                        value = value * radix + d;
                        count += 1;
                        self.pos += 1;
                    }
                    None => break,
                }
            }
            (count >= min).then_some(value)
        };
        match c {
            b'0'..=b'7' => {
                let value = digits(Some(u32::from(c - b'0')), 8, 1, 3).unwrap_or(0);
                if value > 0xff {
                    return Err(self.error_at(start, "octal escape out of range"));
                }
                out.push(value as u8);
            }
            b'x' | b'X' => match digits(None, 16, 1, 2) {
                Some(value) => out.push(value as u8),
                None => return Err(self.error_at(start, "invalid \\x escape")),
            },
            b'u' | b'U' => {
                let len = if c == b'u' { 4 } else { 8 };
                let code = digits(None, 16, len, len)
                    .ok_or_else(|| self.error_at(start, "invalid unicode escape"))?;
                // Surrogates (even paired) and code points beyond the planes are errors.
                let ch = char::from_u32(code).ok_or_else(|| {
                    self.error_at(start, format!("invalid unicode code point {code:#x}"))
                })?;
                out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
            }
            _ => {
                return Err(self.error_at(start, format!("invalid escape '\\{}'", c as char)));
            }
        }
        Ok(())
    }
}

/// Whether `text` (lowercase, no sign, no suffix) is a decimal float literal:
/// `digits [. digits] [e [+-] digits]` or `. digits [exp]`, with no octal-looking
/// leading zero on an integer form.
fn is_decimal_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (text, None),
    };
    if let Some(e) = exponent {
        let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
    }
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || !frac.is_none_or(all_digits) {
        return false;
    }
    if int.is_empty() && frac.is_none_or(str::is_empty) {
        return false;
    }
    // `012` is octal, which floats do not take; `0`, `0.5` and `01.5` are fine.
    !(frac.is_none() && exponent.is_none() && int.len() > 1 && int.starts_with('0'))
}

/// Parses a validated decimal float; exponents beyond any range saturate.
fn parse_decimal(text: &str) -> f64 {
    if let Ok(v) = text.parse::<f64>() {
        return v;
    }
    // Rust rejects exponents that overflow its exponent type: the value is then an
    // infinity or zero, depending on the exponent's sign (and a non-zero mantissa).
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    let zero_mantissa = mantissa.bytes().all(|b| b == b'0' || b == b'.');
    if zero_mantissa || exponent.starts_with('-') {
        0.0
    } else {
        f64::INFINITY
    }
}

/// A map entry being parsed: fields `key` and `value`.
struct MapEntry<K: TextCodec, V: TextCodec>(K::Value, V::Value);

impl<K: TextCodec, V: TextCodec> crate::Name for MapEntry<K, V> {
    const FULL_NAME: &'static str = "map entry";
}

impl<K: TextCodec, V: TextCodec> TextMessage for MapEntry<K, V> {
    fn print_text(&self, _: &mut super::Printer<'_>) {}
    fn merge_text_field(
        &mut self,
        p: &mut Parser<'_>,
        name: &FieldName<'_>,
    ) -> Result<bool, TextError> {
        match name {
            FieldName::Ident("key") => self.0 = p.field::<K>("key")?,
            FieldName::Ident("value") => self.1 = p.field::<V>("value")?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A message body being skipped (a reserved field's value): every field is skipped.
struct Skipped;

impl crate::Name for Skipped {
    const FULL_NAME: &'static str = "skipped";
}

impl TextMessage for Skipped {
    fn print_text(&self, _: &mut super::Printer<'_>) {}
    fn merge_text_field(
        &mut self,
        p: &mut Parser<'_>,
        _: &FieldName<'_>,
    ) -> Result<bool, TextError> {
        p.skip_value()?;
        Ok(true)
    }
}
