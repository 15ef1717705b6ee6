//! The current user, as ving's Role mixin sees one: roles are the role props of the
//! user's kind (User's boolean props: `admin`, `developer`, `verifiedEmail`), `public`
//! is everyone's, `owner` nobody's (ownership comes from the record), and an admin has
//! every role.

use serde_json::Value;

use super::value::truthy;
use super::Ouch;

/// Whoever a record's privileges are checked against: a User record, or a session
/// holding a user's props.
pub trait CurrentUser: Send + Sync {
    /// The raw value of one of the user's props (`id` for ownership).
    fn role_prop(&self, key: &str) -> Option<Value>;

    /// Whether `name` is one of the user's role props. Only role props are roles: ving
    /// counts any prop name as one (`isRole('username')`), ving-rs does not.
    fn is_role_prop(&self, name: &str) -> bool;

    /// Whether the user has `role`: `public` always, `owner` never, a role prop when it
    /// is set or when the user is an admin, anything else never.
    fn is_role(&self, role: &str) -> bool {
        match role {
            "public" => true,
            "owner" => false,
            role if self.is_role_prop(role) => {
                truthy(self.role_prop(role).as_ref()) || truthy(self.role_prop("admin").as_ref())
            }
            _ => false,
        }
    }

    /// Whether the user has any of `roles` (none for an empty list).
    fn isa_role(&self, roles: &[String]) -> bool {
        roles.iter().any(|role| self.is_role(role))
    }

    /// `Ok` when the user has `role`, else ving's 403 `Not a member of <role>`.
    fn is_role_or_die(&self, role: &str) -> Result<(), Ouch> {
        if self.is_role(role) {
            Ok(())
        } else {
            Err(Ouch::about(403, role, format!("Not a member of {role}")))
        }
    }
}

/// A session-like user: a map of props and the names of its role props.
#[derive(Debug, Clone, Default)]
pub struct SessionUser {
    /// The user's props (`id`, `admin`, …).
    pub props: serde_json::Map<String, Value>,
    /// Which props are roles.
    pub roles: Vec<String>,
}

impl CurrentUser for SessionUser {
    fn role_prop(&self, key: &str) -> Option<Value> {
        self.props.get(key).cloned()
    }

    fn is_role_prop(&self, name: &str) -> bool {
        self.roles.iter().any(|r| r == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(admin: bool, developer: bool) -> SessionUser {
        let mut props = serde_json::Map::new();
        props.insert("id".into(), 2.into());
        props.insert("username".into(), "captain".into());
        props.insert("admin".into(), admin.into());
        props.insert("developer".into(), developer.into());
        props.insert("verifiedEmail".into(), false.into());
        SessionUser {
            props,
            roles: vec!["admin".into(), "developer".into(), "verifiedEmail".into()],
        }
    }

    #[test]
    fn roles_follow_ving_s_mixin_with_role_props_only() {
        let admin = user(true, false);
        let plain = user(false, true);
        for u in [&admin, &plain] {
            assert!(u.is_role("public"));
            assert!(!u.is_role("owner"));
            assert!(!u.is_role("username"), "not a role prop");
            assert!(!u.is_role("moderator"));
        }
        assert!(admin.is_role("admin") && admin.is_role("verifiedEmail"));
        assert!(!plain.is_role("admin") && plain.is_role("developer"));
        assert!(!plain.isa_role(&[]));
        assert_eq!(
            plain.is_role_or_die("admin"),
            Err(Ouch::about(403, "admin", "Not a member of admin"))
        );
    }
}
