//! The skeleton `ving schema --new Foo` writes: one prop of each common shape, valid as
//! written: with a `userId` owner relation in an app that has ving's User kind, without
//! it (owned by the admin role, the relation shown in a comment) in an app that has not.

/// ving's User kind (without the avatar relation and the child lists of the kinds an app
/// may not have): what `ving schema --new User` writes.
const USER: &str = r#"# ving's User kind (its roles are the boolean props admin, developer and verifiedEmail:
# ving.toml [schema] roles). id, createdAt and updatedAt are added automatically. A
# password is stored hashed (bcrypt); "no-password-specified" stands for none.
kind = "User"
tableName = "users"
owner = ["$id", "admin"]

[[props]]
type = "string"
name = "username"
required = true
filterQuery = true
unique = true
length = 60
default = ""
view = []
edit = ["owner"]

[[props]]
type = "string"
name = "email"
required = true
filterQuery = true
unique = true
length = 256
default = ""
validate = { email = true }
view = []
edit = ["owner"]

[[props]]
type = "string"
name = "realName"
required = true
filterQuery = true
length = 60
default = ""
view = []
edit = ["owner"]

[[props]]
type = "string"
name = "password"
required = false
length = 256
default = "no-password-specified"
db = "varchar"
view = []
edit = []

[[props]]
type = "enum"
name = "passwordType"
required = false
default = "bcrypt"
enums = ["bcrypt"]
enumLabels = ["Bcrypt"]
view = []
edit = []

[[props]]
type = "enum"
name = "useAsDisplayName"
required = true
default = "username"
enums = ["username", "email", "realName"]
enumLabels = ["Username", "Email Address", "Real Name"]
view = []
edit = ["owner"]

[[props]]
type = "boolean"
name = "verifiedEmail"
required = true
default = false
enums = [false, true]
enumLabels = ["Not Yet Verified", "Verified"]
view = ["owner"]
edit = ["admin"]

[[props]]
type = "boolean"
name = "admin"
required = true
filterQualifier = true
default = false
enums = [false, true]
enumLabels = ["Not Admin", "Admin"]
view = ["owner"]
edit = ["admin"]

[[props]]
type = "boolean"
name = "developer"
required = true
filterQualifier = true
default = false
enums = [false, true]
enumLabels = ["Not a Software Developer", "Software Developer"]
view = []
edit = ["owner"]

[[props]]
type = "enum"
name = "avatarType"
required = true
default = "robot"
enums = ["robot", "uploaded"]
enumLabels = ["Robot", "Uploaded"]
view = []
edit = ["owner"]

[[props]]
type = "string"
name = "bio"
required = false
length = 16777215
default = ""
db = "mediumText"
view = ["public"]
edit = ["owner"]
"#;

/// The table name ving gives a new kind: its name in lower case, plus `s`.
pub fn table_name_for(kind: &str) -> String {
    format!("{}s", kind.to_lowercase())
}

/// The text of a new schema file for `kind`. `json_schema` is the path of the file
/// format's JSON Schema relative to the new file, for editors (`#:schema` directive).
/// `has_user` says whether the app has a User kind: only then does the skeleton give
/// its records an owner (`userId`, a parent relation to User).
pub fn skeleton(kind: &str, json_schema: Option<&str>, has_user: bool) -> String {
    let table_name = table_name_for(kind);
    let directive = json_schema
        .map(|path| format!("#:schema {path}\n"))
        .unwrap_or_default();
    if kind == "User" {
        // The kind the roles and sessions rely on: ving's own, valid as written.
        return format!("{directive}{USER}");
    }
    let user_relation = r#"[[props]]
type = "id"
name = "userId"
required = true
filterQualifier = true
view = ["public"]
edit = ["owner"]
[props.relation]
type = "parent"
name = "user"
kind = "User"
"#;
    let (owner, user_prop) = if has_user {
        (r#"["$userId", "admin"]"#, user_relation.to_owned())
    } else {
        let commented: String = user_relation
            .lines()
            .map(|line| format!("# {line}\n"))
            .collect();
        (
            r#"["admin"]"#,
            format!(
                "# This app has no User kind yet. Once it has one, give each record an owner:\n# add \"$userId\" to owner above, and this prop:\n#\n{commented}"
            ),
        )
    };
    format!(
        r#"{directive}# The {kind} kind: one ving schema. Check it with `ving schema -v {kind}`.
# id, createdAt and updatedAt are added automatically.
kind = "{kind}"
tableName = "{table_name}"
owner = {owner}

[[props]]
type = "string"
name = "name"
required = true
length = 60
default = ""
filterQuery = true
view = ["public"]
edit = ["owner"]

[[props]]
type = "string"
name = "email"
required = true
length = 256
default = ""
# unique = true  (then every record needs its own email: the default "" is taken once)
validate = {{ email = true }}
view = []
edit = ["owner"]

[[props]]
type = "string"
name = "url"
required = false
length = 65535
db = "text"
default = ""
validate = {{ url = true }}
view = []
edit = ["owner"]

[[props]]
type = "enum"
name = "status"
required = true
default = "draft"
enums = ["draft", "published"]
enumLabels = ["Draft", "Published"]
filterQualifier = true
view = ["public"]
edit = ["owner"]

[[props]]
type = "int"
name = "quantity"
required = false
default = 0
validate = {{ nonnegative = true }}
filterRange = true
view = ["public"]
edit = ["owner"]

[[props]]
type = "json"
name = "settings"
required = false
default = "{{}}"
view = []
edit = ["owner"]

[[props]]
type = "boolean"
name = "enabled"
required = true
default = true
enums = [false, true]
enumLabels = ["Disabled", "Enabled"]
filterQualifier = true
view = ["public"]
edit = ["owner"]

[[props]]
type = "date"
name = "startsAt"
required = false
default = "now"
filterRange = true
view = ["public"]
edit = ["owner"]

{user_prop}
# A child relation lists the records of another kind that point at this one. To list
# the Gizmos whose `{lower}Id` holds this {kind}'s id, give Gizmo an id prop `{lower}Id`
# with a parent relation to {kind}, then add:
#
# [[props]]
# type = "virtual"
# name = "{lower}Id"
# required = false
# view = ["public"]
# edit = []
# [props.relation]
# type = "child"
# name = "gizmos"
# kind = "Gizmo"
"#,
        lower = lower_first(kind),
    )
}

fn lower_first(kind: &str) -> String {
    let mut chars = kind.chars();
    chars
        .next()
        .map(|first| first.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}
