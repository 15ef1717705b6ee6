//! The links a describe gives, as data: ving's own kinds' links ([`ving_links`]), which
//! the record layer adds to `base` and `self` ([`add_links`](super::ving_kinds)), and,
//! for a kind without hooks, the JSON text of all its links made once ([`LinksPlan`]):
//! names, methods, usages and the fixed parts of hrefs, with holes for the id string and
//! for the hrefs made from the record (a User's avatar). A describe written as text then
//! fills the holes instead of building its [`Links`](super::Links) one by one.

use super::json_text::{contents, string};
use super::ving_settings::VingKind;

/// How a link's href is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Href {
    /// Fixed text (`/users/logout`).
    Fixed(&'static str),
    /// The kind's `base` href and this after it (`/api/v1/users/messagebus`).
    Base(&'static str),
    /// The record's `self` href and this after it (`/api/v1/users/Uservx/avatar`).
    Me(&'static str),
    /// This, the record's id string, and that (`/users/`, the id, `/profile`).
    Id(&'static str, &'static str),
    /// Made from the record by the rules of ving's kind.
    Made(Made),
}

/// An href made from the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Made {
    /// A User's avatar (`avatar_url`).
    Avatar,
    /// An S3File's file (`file_url`).
    File,
    /// An S3File's thumbnail (`thumbnail_url`).
    Thumbnail,
}

impl Made {
    /// Where a describe keeps the href (a kind makes at most two).
    pub(crate) fn slot(self) -> usize {
        match self {
            Made::Avatar | Made::File => 0,
            Made::Thumbnail => 1,
        }
    }
}

/// One of ving's own links.
#[derive(Debug)]
pub(crate) struct LinkSpec {
    pub(crate) name: &'static str,
    pub(crate) href: Href,
    pub(crate) methods: &'static [&'static str],
    pub(crate) usage: &'static str,
    /// Given to the record's owners only.
    pub(crate) owners_only: bool,
}

/// A link of ving's taking `GET`, for `usage`.
const fn get(name: &'static str, href: Href, usage: &'static str) -> LinkSpec {
    LinkSpec {
        name,
        href,
        methods: &["GET"],
        usage,
        owners_only: false,
    }
}

/// The links ving's `UserRecord.describeLinks` adds, in its order.
const USER_LINKS: &[LinkSpec] = &[
    get("profile", Href::Id("/users/", "/profile"), "page"),
    get("logout", Href::Fixed("/users/logout"), "page"),
    get("list", Href::Fixed("/users/admin"), "page"),
    get("edit", Href::Id("/users/admin/", ""), "page"),
    get("settings", Href::Fixed("/users/settings"), "page"),
    get(
        "preferences",
        Href::Fixed("/users/settings/preferences"),
        "page",
    ),
    get(
        "listApikeys",
        Href::Fixed("/users/settings/apikeys"),
        "page",
    ),
    get("account", Href::Fixed("/users/settings/account"), "page"),
    get("messagebus", Href::Base("/messagebus"), "rest"),
    get("avatarImage", Href::Made(Made::Avatar), "image"),
    get("describeAvatar", Href::Me("/avatar"), "rest"),
    LinkSpec {
        name: "importAvatar",
        href: Href::Me("/import-avatar"),
        methods: &["PUT"],
        usage: "rest",
        owners_only: false,
    },
];

/// The links ving's `S3FileRecord.describeLinks` adds.
const S3FILE_LINKS: &[LinkSpec] = &[
    LinkSpec {
        name: "file",
        href: Href::Made(Made::File),
        methods: &["GET"],
        usage: "file",
        owners_only: true,
    },
    get("thumbnail", Href::Made(Made::Thumbnail), "image"),
];

/// The links ving's `CronJobRecord.describeLinks` adds.
const CRONJOB_LINKS: &[LinkSpec] = &[
    get("edit", Href::Id("/cronjobs/", "/edit"), "page"),
    get("list", Href::Fixed("/cronjobs"), "page"),
];

/// The links ving's kind `ving` adds after `base` and `self`, in ving's order.
pub(crate) fn ving_links(ving: VingKind) -> &'static [LinkSpec] {
    match ving {
        VingKind::User => USER_LINKS,
        VingKind::S3File => S3FILE_LINKS,
        VingKind::CronJob => CRONJOB_LINKS,
        VingKind::ApiKey | VingKind::Other => &[],
    }
}

/// A relation's link: the prop (its place in the schema) whose relation it is, the
/// link's name (the relation's name in lower case) and whether it is a child relation.
pub(crate) type RelationLink = (usize, &'static str, bool);

/// The JSON text of a kind's links, made once: its describes' links (when the app has
/// no hooks for the kind, which could change them) are written from it.
#[derive(Debug)]
pub(crate) struct LinksPlan {
    links: Vec<Planned>,
}

/// A link of a plan: when it is given, its text up to the hole in its href, the hole,
/// and its text after.
#[derive(Debug)]
struct Planned {
    when: When,
    head: Box<[u8]>,
    hole: Hole,
    tail: Box<[u8]>,
}

/// When a planned link is given.
#[derive(Debug, Clone, Copy)]
enum When {
    Always,
    /// To the record's owners.
    Owners,
    /// When the viewer sees the prop (its place in the schema) of the relation.
    Shown(usize),
}

/// What fills a planned link's href between its fixed parts.
#[derive(Debug, Clone, Copy)]
enum Hole {
    Nothing,
    /// The record's id string.
    Id,
    /// An href made from the record, by its slot ([`Made::slot`]).
    Made(usize),
}

impl LinksPlan {
    /// The plan of the links of a kind whose `base` href is `base`, of ving's kind
    /// `ving`, with `relations` in schema order: `base`, `self`, ving's links, then one
    /// a relation. `None` when two of them have the same name (the later takes the
    /// earlier's place in a describe: those are written by [`Links`](super::Links)).
    pub(crate) fn of(
        base: &'static str,
        ving: VingKind,
        relations: &[RelationLink],
    ) -> Option<LinksPlan> {
        /// A link to plan: its name, when it is given, its href (the parts before the
        /// hole, the hole, the parts after), its methods and usage.
        type Link<'a> = (
            &'a str,
            When,
            [&'a str; 2],
            Hole,
            [&'a str; 2],
            &'a [&'a str],
            &'a str,
        );
        let mut links: Vec<Link<'_>> = vec![
            (
                "base",
                When::Always,
                [base, ""],
                Hole::Nothing,
                ["", ""],
                &["GET", "POST"],
                "rest",
            ),
            (
                "self",
                When::Always,
                [base, "/"],
                Hole::Id,
                ["", ""],
                &["GET", "PUT", "DELETE"],
                "rest",
            ),
        ];
        for spec in ving_links(ving) {
            let when = if spec.owners_only {
                When::Owners
            } else {
                When::Always
            };
            let (before, hole, after) = match spec.href {
                Href::Fixed(text) => ([text, ""], Hole::Nothing, ""),
                Href::Base(tail) => ([base, tail], Hole::Nothing, ""),
                Href::Me(tail) => ([base, "/"], Hole::Id, tail),
                Href::Id(before, after) => ([before, ""], Hole::Id, after),
                Href::Made(made) => (["", ""], Hole::Made(made.slot()), ""),
            };
            links.push((
                spec.name,
                when,
                before,
                hole,
                [after, ""],
                spec.methods,
                spec.usage,
            ));
        }
        for &(prop, name, child) in relations {
            let methods: &[&str] = if child { &["GET", "DELETE"] } else { &["GET"] };
            // `self`, `/` and the relation's name.
            let (before, after) = ([base, "/"], ["/", name]);
            links.push((
                name,
                When::Shown(prop),
                before,
                Hole::Id,
                after,
                methods,
                "rest",
            ));
        }
        let names: std::collections::HashSet<&str> = links.iter().map(|link| link.0).collect();
        if names.len() < links.len() {
            return None;
        }
        let planned = links.iter().enumerate().map(|(i, link)| {
            let (name, when, before, hole, after, methods, usage) = *link;
            let mut head = vec![if i == 0 { b'{' } else { b',' }];
            string(&mut head, name);
            head.extend_from_slice(br#":{"href":""#);
            before.iter().for_each(|part| contents(&mut head, part));
            let mut tail = Vec::new();
            after.iter().for_each(|part| contents(&mut tail, part));
            tail.extend_from_slice(br#"","methods":["#);
            for (j, method) in methods.iter().enumerate() {
                if j > 0 {
                    tail.push(b',');
                }
                string(&mut tail, method);
            }
            tail.extend_from_slice(br#"],"usage":"#);
            string(&mut tail, usage);
            tail.push(b'}');
            Planned {
                when,
                head: head.into(),
                hole,
                tail: tail.into(),
            }
        });
        Some(LinksPlan {
            links: planned.collect(),
        })
    }

    /// Writes the links of a record of id string `id` to `out` as ving's JSON object:
    /// a relation's link when `shown` says the viewer sees its prop, an owner's link when
    /// `owner`, and the hrefs made from the record in `made` (by [`Made::slot`]).
    pub(crate) fn write(
        &self,
        out: &mut Vec<u8>,
        id: &str,
        shown: impl Fn(usize) -> bool,
        owner: bool,
        made: &[String; 2],
    ) {
        for link in &self.links {
            let given = match link.when {
                When::Always => true,
                When::Owners => owner,
                When::Shown(prop) => shown(prop),
            };
            if !given {
                continue;
            }
            out.extend_from_slice(&link.head);
            match link.hole {
                Hole::Nothing => {}
                Hole::Id => contents(out, id),
                Hole::Made(slot) => contents(out, &made[slot]),
            }
            out.extend_from_slice(&link.tail);
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(plan: &LinksPlan, id: &str, owner: bool) -> serde_json::Value {
        let made = ["/made\"0".to_owned(), "/made1".to_owned()];
        let mut out = Vec::new();
        plan.write(&mut out, id, |prop| prop == 3, owner, &made);
        serde_json::from_slice(&out).expect("JSON")
    }

    #[test]
    fn a_plan_writes_base_self_ving_s_links_and_the_relations_shown() {
        let relations = [(3, "apikeys", true), (5, "avatar", false)];
        let plan = LinksPlan::of("/api/v1/s3files", VingKind::S3File, &relations).expect("plan");
        let links = written(&plan, "S3Filev\"x", true);
        let names: Vec<&str> = links
            .as_object()
            .expect("map")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(names, ["base", "self", "file", "thumbnail", "apikeys"]);
        assert_eq!(links["self"]["href"], "/api/v1/s3files/S3Filev\"x");
        assert_eq!(links["file"]["href"], "/made\"0");
        assert_eq!(
            links["apikeys"]["href"],
            "/api/v1/s3files/S3Filev\"x/apikeys"
        );
        assert_eq!(
            links["apikeys"]["methods"],
            serde_json::json!(["GET", "DELETE"])
        );
        // Not an owner: no file link.
        let links = written(&plan, "S3Filevx", false);
        assert!(links.get("file").is_none());
        assert_eq!(links["thumbnail"]["usage"], "image");
    }

    #[test]
    fn names_given_twice_have_no_plan() {
        // A relation named as one of ving's User links.
        assert!(LinksPlan::of("/api/v1/users", VingKind::User, &[(2, "profile", true)]).is_none());
        assert!(LinksPlan::of("/api/v1/things", VingKind::Other, &[(2, "self", false)]).is_none());
        assert!(LinksPlan::of(
            "/api/v1/things",
            VingKind::Other,
            &[(2, "a", false), (4, "a", true)]
        )
        .is_none());
        assert!(LinksPlan::of("/api/v1/users", VingKind::User, &[(2, "apikeys", true)]).is_some());
    }
}
