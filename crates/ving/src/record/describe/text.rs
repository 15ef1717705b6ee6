//! A describe written as JSON text, straight from what [`Described`] read and the
//! record's cells: the same bytes serde_json writes for the describe's value (keys in
//! the schema's order, strings escaped as serde_json escapes them), without a serializer
//! between the parts and the output. Most strings of a describe (prop names, hrefs, id
//! strings, dates, words) need no escaping, so each is checked in one pass the compiler
//! vectorizes and copied whole; the rare one that needs escaping goes through serde_json.

use std::borrow::Cow;
use std::io::Write as _;

use super::{option_lists, write_json, Described, OptionList, Shown};
use crate::record::date::DateText;
use crate::record::json_text::string;
use crate::record::links::{Link, Links};
use crate::record::props::{Cell, Held};
use crate::record::Ouch;

impl Described<'_, '_, '_> {
    /// The describe as JSON text (`{props, links, options, meta, related, extra,
    /// warnings}`, each part only when asked for), appended to `out`.
    pub(super) fn write_text(&self, out: &mut Vec<u8>) -> Result<(), Ouch> {
        let record = self.record;
        let info = record.kind.info();
        out.extend_from_slice(br#"{"props":{"id":"#);
        id_text(out, &self.id)?;
        let props = info
            .schema
            .props
            .iter()
            .zip(&info.slots)
            .zip(&info.prop_keys);
        for (((prop, slot), key), shown) in props.zip(&self.shown) {
            match shown {
                Shown::Hidden | Shown::First => {}
                Shown::Id(id) => {
                    out.extend_from_slice(key);
                    id_text(out, id)?;
                }
                Shown::Held => {
                    if let Some(held) = record.props.held_at(&info.names, *slot, &prop.name) {
                        out.extend_from_slice(key);
                        match held {
                            Held::Cell(cell) => write_cell(out, cell)?,
                            Held::Value(value) => write_json(out, value)?,
                        }
                    }
                }
            }
        }
        out.push(b'}');
        if let Some(links) = &self.links {
            out.extend_from_slice(br#","links":"#);
            write_links(out, links);
        } else if let Some(plan) = self.plan {
            out.extend_from_slice(br#","links":"#);
            let id = self.id.as_str().unwrap_or("null");
            let shown =
                |prop: usize| matches!(self.shown.get(prop), Some(Shown::Id(_) | Shown::Held));
            plan.write(out, id, shown, self.is_owner, &self.made);
        }
        if self.params.options {
            out.extend_from_slice(br#","options":"#);
            // The props seen, a bit each (when there are at most 64).
            let seen = (self.shown.len() <= 64).then(|| {
                (self.seen().enumerate())
                    .fold(0u64, |bits, (i, seen)| bits | (u64::from(seen) << i))
            });
            let make = |out: &mut Vec<u8>| self.write_options(out);
            match seen {
                Some(seen) => {
                    let catalog = &record.kind.kinds.catalog;
                    (catalog.option_texts).write(out, (record.kind.index, seen), make)?;
                }
                None => make(out)?,
            }
        }
        if let Some(meta) = &self.meta {
            out.extend_from_slice(br#","meta":"#);
            write_entries(out, &mut meta.iter())?;
        }
        if let Some(related) = &self.related {
            out.extend_from_slice(br#","related":"#);
            write_json(out, related)?;
        }
        if !self.params.extra.is_empty() {
            out.extend_from_slice(br#","extra":{}"#);
        }
        if !record.warnings().is_empty() {
            out.extend_from_slice(br#","warnings":"#);
            write_json(out, record.warnings())?;
        }
        out.push(b'}');
        Ok(())
    }

    /// The options of the props seen, as a JSON object.
    fn write_options(&self, out: &mut Vec<u8>) -> Result<(), Ouch> {
        out.push(b'{');
        for (i, (name, list)) in option_lists(self.record, self.seen()).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(out, name);
            out.push(b':');
            match list {
                OptionList::Enum(_, Some(text)) => out.extend_from_slice(text.get().as_bytes()),
                OptionList::Enum(list, None) => write_json(out, list)?,
                OptionList::Registered(list) => write_json(out, list)?,
                OptionList::Extensions(list) => write_json(out, list)?,
            }
        }
        out.push(b'}');
        Ok(())
    }
}

/// An id as a describe shows it: its id string, or `null`.
fn id_text(out: &mut Vec<u8>, id: &serde_json::Value) -> Result<(), Ouch> {
    match id {
        serde_json::Value::String(text) => string(out, text),
        other => write_json(out, other)?,
    }
    Ok(())
}

/// A cell as ving's JSON of it (what [`Cell::to_value`] makes, serialized).
fn write_cell(out: &mut Vec<u8>, cell: &Cell) -> Result<(), Ouch> {
    match cell {
        Cell::Absent | Cell::Null => out.extend_from_slice(b"null"),
        Cell::Int(n) => out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes()),
        Cell::Bool(true) => out.extend_from_slice(b"true"),
        Cell::Bool(false) => out.extend_from_slice(b"false"),
        Cell::Text(text) => string(out, text),
        Cell::Date(date) => {
            // Only digits and separators: nothing to escape.
            out.push(b'"');
            match DateText(*date).bytes() {
                Some(text) => out.extend_from_slice(&text),
                None => {
                    // Writing to a vector cannot fail.
                    let _ = write!(out, "{}", DateText(*date));
                }
            }
            out.push(b'"');
        }
        Cell::Json(value) => write_json(out, value)?,
    }
    Ok(())
}

/// A JSON object of `entries` as serde_json writes it, its keys and string values by
/// [`string`] (most are words that need no escaping).
fn write_entries<'a>(
    out: &mut Vec<u8>,
    entries: &mut dyn Iterator<Item = (&'a str, &'a serde_json::Value)>,
) -> Result<(), Ouch> {
    out.push(b'{');
    for (i, (key, value)) in entries.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(out, key);
        out.push(b':');
        match value {
            serde_json::Value::String(text) => string(out, text),
            serde_json::Value::Bool(true) => out.extend_from_slice(b"true"),
            serde_json::Value::Bool(false) => out.extend_from_slice(b"false"),
            serde_json::Value::Object(object) => {
                write_entries(out, &mut object.iter().map(|(k, v)| (k.as_str(), v)))?
            }
            other => write_json(out, other)?,
        }
    }
    out.push(b'}');
    Ok(())
}

/// Links as ving's JSON: `{name: {href, methods, usage}, …}` in their order. Describes of
/// a kind mostly have links of the same names, methods and usages (only the hrefs
/// differ), so the text around the hrefs is made once a shape ([`LinksText`]) and kept on
/// the thread: a describe then writes its hrefs between the pieces of that text.
/// (Links of a shape not kept have a text made for them alone.)
fn write_links(out: &mut Vec<u8>, links: &Links) {
    LINKS_TEXTS.with(|texts| {
        let mut texts = texts.borrow_mut();
        let at = match texts.iter().position(|text| text.fits(links)) {
            Some(at) => at,
            None if texts.len() < LINKS_TEXTS_MOST => {
                texts.push(LinksText::of(links));
                texts.len() - 1
            }
            // A shape of its own: its text made for it alone.
            None => return LinksText::of(links).write(out, links),
        };
        texts[at].write(out, links);
    });
}

/// The most shapes of links a thread keeps the text of ([`LINKS_TEXTS`]); links of
/// other shapes are written whole.
const LINKS_TEXTS_MOST: usize = 8;

thread_local! {
    /// The texts of the shapes of links written on this thread, the first ones met.
    static LINKS_TEXTS: std::cell::RefCell<Vec<LinksText>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The JSON text of links of one shape (names, methods and usages, in order, and the
/// hrefs that are fixed text: borrowed for the life of the program, as `/users/logout`)
/// but for their other hrefs: piece `i` of `text` (up to `ends[i]`) goes before the `i`th
/// href that is not fixed, the last piece after the last one.
struct LinksText {
    /// Each link's name, methods, usage, and its href when it is fixed text (written
    /// into the pieces).
    shape: Vec<Shape>,
    text: Vec<u8>,
    ends: Vec<usize>,
}

/// A link of a [`LinksText`]: its name, methods, usage and fixed href.
type Shape = (
    Cow<'static, str>,
    &'static [&'static str],
    Cow<'static, str>,
    Option<&'static str>,
);

impl LinksText {
    /// The text of the shape of `links`.
    fn of(links: &Links) -> LinksText {
        let mut text = Vec::new();
        let mut ends = Vec::with_capacity(links.len() + 1);
        let mut shape = Vec::with_capacity(links.len());
        for (i, (_, name, link)) in links.entries().iter().enumerate() {
            if i > 0 {
                link_tail(&mut text, &links.entries()[i - 1].2);
            }
            link_head(&mut text, i, name);
            let fixed = match link.href {
                Cow::Borrowed(href) => Some(href),
                Cow::Owned(_) => None,
            };
            match fixed {
                Some(href) => string(&mut text, href),
                None => ends.push(text.len()),
            }
            shape.push((name.clone(), link.methods, link.usage.clone(), fixed));
        }
        links_tail(&mut text, links);
        ends.push(text.len());
        LinksText { shape, text, ends }
    }

    /// Whether `links` are of this shape.
    fn fits(&self, links: &Links) -> bool {
        let entries = links.entries();
        self.shape.len() == entries.len()
            && (self.shape.iter().zip(entries)).all(
                |((name, methods, usage, fixed), (_, n, link))| {
                    same_text(name, n)
                        && (std::ptr::eq(*methods, link.methods) || *methods == link.methods)
                        && same_text(usage, &link.usage)
                        && fixed.is_none_or(|href| same_text(href, &link.href))
                },
            )
    }

    /// `links`, of this shape, as JSON.
    fn write(&self, out: &mut Vec<u8>, links: &Links) {
        let mut from = 0;
        let hrefs = (links.entries().iter().zip(&self.shape))
            .filter(|(_, (_, _, _, fixed))| fixed.is_none())
            .map(|((_, _, link), _)| &link.href);
        for (href, &end) in hrefs.zip(&self.ends) {
            out.extend_from_slice(&self.text[from..end]);
            string(out, href);
            from = end;
        }
        out.extend_from_slice(&self.text[from..]);
    }
}

/// Whether two texts are the same, without comparing them when they are the same text
/// in memory (a name or usage borrowed from the same literal).
fn same_text(a: &str, b: &str) -> bool {
    a.len() == b.len() && (std::ptr::eq(a.as_ptr(), b.as_ptr()) || a == b)
}

/// What comes before the `i`th link's href: `{"name":{"href":` (`,` for `{` after the
/// first).
fn link_head(out: &mut Vec<u8>, i: usize, name: &str) {
    out.push(if i == 0 { b'{' } else { b',' });
    string(out, name);
    out.extend_from_slice(br#":{"href":"#);
}

/// What comes after a link's href: `,"methods":[…],"usage":"…"}`.
fn link_tail(out: &mut Vec<u8>, link: &Link) {
    out.extend_from_slice(br#","methods":["#);
    for (j, method) in link.methods.iter().enumerate() {
        if j > 0 {
            out.push(b',');
        }
        string(out, method);
    }
    out.extend_from_slice(br#"],"usage":"#);
    string(out, &link.usage);
    out.push(b'}');
}

/// What comes after the last link's href: its tail and the object's end (`{}` for no
/// links).
fn links_tail(out: &mut Vec<u8>, links: &Links) {
    match links.entries().last() {
        Some((_, _, link)) => link_tail(out, link),
        None => out.push(b'{'),
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn written(text: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, text);
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for text in [
            "",
            "plain",
            "/api/v1/users/UserXyz/apikeys",
            "quote \" here",
            "back\\slash",
            "tab\tand\nnewline and \u{1} and \u{1f}",
            "twelve bytes\"",
            "é ü 日本 \u{7f} \u{80}",
            "0123456789abcdef\u{0}",
        ] {
            assert_eq!(
                written(text),
                serde_json::to_string(text).expect("json"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn objects_are_written_as_serde_json_writes_them() {
        let value = serde_json::json!({
            "kind": "User",
            "isOwner": true,
            "no": false,
            "displayName": "a \"quoted\" name\n",
            "realId": {"id": 1, "avatarId": null, "déjà": "vu"},
            "list": [1, "two", {"three": 3.5}],
            "": "",
        });
        let object = value.as_object().expect("an object");
        let mut out = Vec::new();
        let mut entries = object.iter().map(|(k, v)| (k.as_str(), v));
        write_entries(&mut out, &mut entries).expect("written");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            serde_json::to_string(object).expect("json")
        );
    }

    #[test]
    fn links_are_written_as_serde_json_writes_them() {
        use crate::record::links::link;
        let mut links = Links::with_capacity(2);
        links.insert("base", link("/api/v1/users", &["GET", "POST"], "rest"));
        links.insert(
            "self",
            link("/api/v1/users/Userv1", &["GET", "POST"], "rest"),
        );
        links.insert("same methods", link("/x", &["GET", "POST"], "page"));
        links.insert("same usage", link("/y", &["GET"], "page"));
        links.insert("again", link("/z", &["GET"], "page"));
        links.insert("none", link("/q\"w", &[], "page"));
        links.insert("back", link("/api", &["GET", "POST"], "rest"));
        let mut out = Vec::new();
        write_links(&mut out, &links);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            serde_json::to_string(&links).expect("json")
        );
    }

    /// Links from a few names, methods, usages and hrefs (some to escape), so that shapes
    /// repeat, differ in one part only, and outnumber the texts a thread keeps.
    fn some_links() -> impl Strategy<Value = Links> {
        use crate::record::links::link;
        const METHODS: [&[&str]; 3] = [&["GET"], &["GET", "POST"], &[]];
        // Hrefs made for the link (owned) or fixed text (borrowed), some to escape.
        const FIXED: [&str; 3] = ["/users/logout", "/users/settings", "/a\"b"];
        let href = prop_oneof![
            "[a/\"\\\n]{0,12}".prop_map(Cow::Owned),
            (0..FIXED.len()).prop_map(|i| Cow::Borrowed(FIXED[i])),
        ];
        let one = (0..5usize, 0..3usize, 0..3usize, href);
        proptest::collection::vec(one, 0..6).prop_map(|parts| {
            let mut links = Links::with_capacity(parts.len());
            for (name, methods, usage, href) in parts {
                let name = ["base", "self", "profile", "a\"b", "listApikeys"][name];
                // An owned usage equal to a borrowed one, and one of its own.
                let usage: Cow<'static, str> = match usage {
                    0 => "page".into(),
                    1 => String::from("page").into(),
                    _ => "re\tst".into(),
                };
                links.insert(name, link(href, METHODS[methods], usage));
            }
            links
        })
    }

    proptest! {
        #[test]
        fn links_of_any_shape_are_written_as_serde_json_writes_them(
            lists in proptest::collection::vec(some_links(), 1..40)
        ) {
            // Written twice each: once making (or finding) its shape's text, once from it.
            for links in &lists {
                for _ in 0..2 {
                    let mut out = Vec::new();
                    write_links(&mut out, links);
                    prop_assert_eq!(
                        String::from_utf8(out).expect("utf-8"),
                        serde_json::to_string(links).expect("json")
                    );
                }
            }
        }
    }

    #[test]
    fn links_of_more_shapes_than_a_thread_keeps_are_written_whole() {
        use crate::record::links::link;
        for n in 0..LINKS_TEXTS_MOST + 3 {
            let mut links = Links::with_capacity(n);
            for i in 0..n {
                links.insert(format!("l{i}"), link(format!("/{i}"), &["GET"], "page"));
            }
            let mut out = Vec::new();
            write_links(&mut out, &links);
            assert_eq!(
                String::from_utf8(out).expect("utf-8"),
                serde_json::to_string(&links).expect("json")
            );
        }
        assert_eq!(
            LINKS_TEXTS.with(|texts| texts.borrow().len()),
            LINKS_TEXTS_MOST
        );
    }

    #[test]
    fn every_byte_to_escape_is_found_wherever_it_sits_in_a_word() {
        for special in [
            '"', '\\', '\u{0}', '\u{1f}', ' ', '\u{7f}', 'é', '!', '#', ']',
        ] {
            for len in 1..=24 {
                for at in 0..len {
                    let mut text: String = "abcdefghijklmnopqrstuvwx"[..len].into();
                    text.replace_range(at..at + 1, &special.to_string());
                    assert_eq!(
                        written(&text),
                        serde_json::to_string(&text).expect("json"),
                        "{special:?} at {at} of {len}"
                    );
                }
            }
        }
    }

    proptest! {
        #[test]
        fn any_string_is_written_as_serde_json_writes_it(text in any::<String>()) {
            prop_assert_eq!(written(&text), serde_json::to_string(&text).expect("json"));
        }

        #[test]
        fn any_ascii_with_escapes_is_written_as_serde_json_writes_it(
            text in "[ -~\\x00-\\x1f\"\\\\]{0,40}"
        ) {
            prop_assert_eq!(written(&text), serde_json::to_string(&text).expect("json"));
        }
    }
}
