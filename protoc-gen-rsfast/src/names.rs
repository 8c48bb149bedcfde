//! Every naming rule in one place: proto names to Rust identifiers (prost's conventions,
//! so prost users can migrate), module paths between packages, doc-comment escaping.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// Keywords that `r#` can escape.
const RAW_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static",
    "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual",
    "where", "while", "yield",
];

/// Keywords that cannot be raw identifiers: they get a trailing underscore.
const SUFFIX_KEYWORDS: &[&str] = &["crate", "extern", "self", "Self", "super", "_"];

/// A field, module or package-segment name: `snake_case`, keywords escaped.
pub fn snake(name: &str) -> String {
    escape(name.to_snake_case())
}

/// A type or variant name: `UpperCamelCase`, keywords escaped.
pub fn upper_camel(name: &str) -> String {
    escape(name.to_upper_camel_case())
}

fn escape(ident: String) -> String {
    if SUFFIX_KEYWORDS.contains(&ident.as_str()) {
        format!("{ident}_")
    } else if RAW_KEYWORDS.contains(&ident.as_str()) {
        format!("r#{ident}")
    } else {
        ident
    }
}

/// A constant's name (extensions): `SHOUTY_SNAKE_CASE`.
pub fn constant(name: &str) -> String {
    escape(name.to_shouty_snake_case())
}

/// A field's Rust name; `unknown_fields` is taken by the generated struct itself.
pub fn field(name: &str) -> String {
    let ident = snake(name);
    if ident == "unknown_fields" {
        format!("{ident}_")
    } else {
        ident
    }
}

/// An enum variant: UpperCamel with the enum's name stripped from the front
/// (`Corpus.CORPUS_WEB` becomes `Corpus::Web`) when what remains is a valid identifier.
pub fn enum_variant(enum_name: &str, value_name: &str) -> String {
    let enum_camel = enum_name.to_upper_camel_case();
    let value_camel = value_name.to_upper_camel_case();
    match value_camel.strip_prefix(&enum_camel) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => escape(rest.to_owned()),
        _ => escape(value_camel),
    }
}

/// The file a package's code goes to, as prost names it.
pub fn package_file(package: &str) -> String {
    if package.is_empty() {
        "_.rs".to_owned()
    } else {
        format!("{package}.rs")
    }
}

/// The Rust path from module `from` to `name` in module `to` (both from the root that
/// mirrors the proto package hierarchy), e.g. `super::super::other::Msg`.
pub fn relative_path(from: &[String], to: &[String], name: &str) -> String {
    let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec!["super"; from.len() - common];
    parts.extend(to[common..].iter().map(String::as_str));
    parts.push(name);
    parts.join("::")
}

/// A .proto comment as doc-comment lines that rustdoc renders as prose: indented blocks
/// become `text` code blocks (never doc tests), brackets are escaped (never broken links).
pub fn doc_lines(comment: &str) -> Vec<String> {
    let lines: Vec<&str> = comment.trim_end().lines().collect();
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    let mut out: Vec<String> = Vec::new();
    let mut in_code = false;
    let mut in_fence = false;
    // Closes an indented code block before the blank lines that ended it.
    let close_code = |out: &mut Vec<String>| {
        let blanks = out.iter().rev().take_while(|l| l.is_empty()).count();
        out.insert(out.len() - blanks, "```".to_owned());
    };
    for line in &lines {
        let line = line.get(indent..).unwrap_or("").trim_end();
        if line.trim_start().starts_with("```") {
            if in_code {
                close_code(&mut out);
                in_code = false;
            }
            // Fenced blocks keep their content but never run as doc tests.
            out.push(if in_fence {
                "```".to_owned()
            } else {
                "```text".to_owned()
            });
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line.to_owned());
            continue;
        }
        let is_code = line.starts_with("    ") || line.starts_with('\t');
        if is_code && !in_code {
            out.push("```text".to_owned());
            in_code = true;
        } else if !is_code && in_code && !line.is_empty() {
            close_code(&mut out);
            in_code = false;
        }
        if in_code {
            out.push(line.to_owned());
        } else {
            out.push(escape_markdown(line));
        }
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    if in_code || in_fence {
        out.push("```".to_owned());
    }
    out
}

/// Prose as rustdoc should see it: brackets escaped (never broken intra-doc links), bare
/// URLs in angle brackets (clickable, and no `bare_urls` warning).
fn escape_markdown(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let next_url = |text: &str| {
        let http = text.find("http://");
        let https = text.find("https://");
        http.into_iter().chain(https).min()
    };
    while let Some(start) = next_url(rest) {
        out.push_str(&escape_brackets(&rest[..start]));
        let url_and_more = &rest[start..];
        let end = url_and_more
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>')
            .unwrap_or(url_and_more.len());
        let url = url_and_more[..end].trim_end_matches(['.', ',', ';', ':', ')', '\'', '"']);
        out.push('<');
        out.push_str(url);
        out.push('>');
        rest = &url_and_more[url.len()..];
    }
    out.push_str(&escape_brackets(rest));
    out
}

fn escape_brackets(text: &str) -> String {
    text.replace('[', "\\[").replace(']', "\\]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_prost() {
        assert_eq!(snake("fieldName"), "field_name");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(upper_camel("foo_bar"), "FooBar");
        assert_eq!(upper_camel("self"), "Self_");
        assert_eq!(field("unknown_fields"), "unknown_fields_");
        assert_eq!(enum_variant("Corpus", "CORPUS_WEB"), "Web");
        assert_eq!(enum_variant("Corpus", "CORPUS_3D"), "Corpus3d");
        assert_eq!(enum_variant("Corpus", "UNIVERSAL"), "Universal");
        assert_eq!(enum_variant("Kw", "KW_SELF"), "Self_");
    }

    #[test]
    fn relative_paths() {
        let from = vec!["a".to_owned(), "b".to_owned(), "m".to_owned()];
        let to = vec!["a".to_owned(), "c".to_owned()];
        assert_eq!(relative_path(&from, &to, "T"), "super::super::c::T");
        assert_eq!(relative_path(&from[..2], &from[..2], "T"), "T");
    }

    #[test]
    fn urls_become_links() {
        assert_eq!(
            escape_markdown("see https://a.dev/x#y), or [b] http://c."),
            "see <https://a.dev/x#y>), or \\[b\\] <http://c>."
        );
    }

    #[test]
    fn comments_never_become_doc_tests() {
        let doc = doc_lines(" Does [x].\n\n     let a = 1;\n Done.");
        assert_eq!(
            doc,
            vec![
                "Does \\[x\\].",
                "",
                "```text",
                "    let a = 1;",
                "```",
                "Done."
            ]
        );
    }
}
