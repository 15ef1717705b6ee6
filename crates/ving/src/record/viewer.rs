//! Who looks at a record and what a describe includes: ving's describe params, and which
//! props a viewer may see. Below both the kinds (lists check what a viewer may sort and
//! filter by) and the describe that writes records.

use crate::schema::Prop;

use super::CurrentUser;

/// What `describe` includes and for whom (ving's describe params).
#[derive(Clone, Default)]
pub struct Describe<'u> {
    /// Who is looking (none: a visitor).
    pub current_user: Option<&'u dyn CurrentUser>,
    /// `include.links`.
    pub links: bool,
    /// `include.options`.
    pub options: bool,
    /// `include.meta`.
    pub meta: bool,
    /// `include.private`: every prop, whoever looks.
    pub private: bool,
    /// `include.related`: parent relations to describe too (with the same params).
    pub related: Vec<String>,
    /// `include.extra`: names a record type fills in.
    pub extra: Vec<String>,
}

impl std::fmt::Debug for Describe<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Describe")
            .field("current_user", &self.current_user.is_some())
            .field("links", &self.links)
            .field("options", &self.options)
            .field("meta", &self.meta)
            .field("private", &self.private)
            .field("related", &self.related)
            .field("extra", &self.extra)
            .finish()
    }
}

impl<'u> Describe<'u> {
    /// Props only, for a visitor.
    pub fn new() -> Describe<'u> {
        Describe::default()
    }

    /// Described for `user`.
    pub fn current_user(mut self, user: &'u dyn CurrentUser) -> Self {
        self.current_user = Some(user);
        self
    }

    /// With links.
    pub fn links(mut self) -> Self {
        self.links = true;
        self
    }

    /// With options.
    pub fn options(mut self) -> Self {
        self.options = true;
        self
    }

    /// With meta.
    pub fn meta(mut self) -> Self {
        self.meta = true;
        self
    }

    /// With private props.
    pub fn private(mut self) -> Self {
        self.private = true;
        self
    }

    /// With the parent relation `name` described too.
    pub fn related(mut self, name: &str) -> Self {
        self.related.push(name.to_owned());
        self
    }

    /// With the extra `name`.
    pub fn extra(mut self, name: &str) -> Self {
        self.extra.push(name.to_owned());
        self
    }
}

/// Who may see a prop, read once a kind from its `view` and `edit` roles: everyone
/// (`public`), its record's owner (`owner`), users of its other roles.
#[derive(Debug, Clone)]
pub(crate) struct Viewers {
    public: bool,
    owner: bool,
    /// Every role but `public` (which lets everyone see), asked of the current user.
    roles: Box<[String]>,
}

impl Viewers {
    /// The viewers of `prop`.
    pub(crate) fn of(prop: &Prop) -> Viewers {
        let roles = prop.view.iter().chain(&prop.edit);
        Viewers {
            public: roles.clone().any(|r| r == "public"),
            owner: roles.clone().any(|r| r == "owner"),
            roles: roles.filter(|r| *r != "public").cloned().collect(),
        }
    }

    /// Whether a viewer sees the prop (`is_owner`: the viewer owns the record, or
    /// owner-level props are shown to everyone, as the REST options endpoint asks).
    pub(crate) fn see(&self, params: &Describe<'_>, is_owner: bool) -> bool {
        self.public
            || params.private
            || (is_owner && self.owner)
            || params
                .current_user
                .is_some_and(|u| self.roles.iter().any(|r| u.is_role(r)))
    }
}
