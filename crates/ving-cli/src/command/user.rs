//! `ving user`: list, add and modify users through the record layer, as ving's command.

use super::*;

/// ving's user list: username (30 wide), email (60 wide), admin, separated by spaces.
pub(crate) fn user_lines(users: &[ving::record::Record<'_>]) -> String {
    let text = |user: &ving::record::Record<'_>, prop: &str| {
        user.get(prop)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut lines = format!("{:<30} {:<60} Admin\n", "Username", "Email");
    for user in users {
        let admin = user.get("admin").and_then(serde_json::Value::as_bool) == Some(true);
        lines.push_str(&format!(
            "{:<30} {:<60} {admin}\n",
            text(user, "username"),
            text(user, "email")
        ));
    }
    lines
}

/// Hashes `password` as ving's User record does (bcrypt, cost 10) into the user.
pub(crate) fn set_password(
    user: &mut ving::record::Record<'_>,
    password: &str,
) -> Result<(), Failure> {
    // Hashed even when empty, as ving's setPassword; `set` keeps a hash and sets
    // `passwordType`.
    let hash = ving::record::hash_password(password)?;
    user.set("password", serde_json::Value::from(hash))?;
    Ok(())
}

/// `ving user`, as ving's command, through the record layer. Unlike ving, `--add`
/// without `--password` adds the user without one (ving throws after the insert), the
/// name and email are validated (442) and a user `--modify` cannot find is a failure.
pub(crate) fn user_command(
    project: &Path,
    database_url: Option<&str>,
    args: &UserArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let config = load_project_with(project, database_url)?;
    let schemas = load_schemas(&config)?;
    // Id strings are not shown: without a key, any key will do.
    let key = match config.skipjack_key() {
        Ok(key) => key,
        Err(_) => "0,0,0,0,0,0,0,0,0,0"
            .parse()
            .map_err(|e: ving::id::IdError| Failure::Other(e.to_string()))?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the runtime: {e}")))?;
    runtime.block_on(async {
        let url = config.database_url()?;
        // A SQLite file is made by `ving drizzle --up` alone (with the tables users need).
        if let Some(file) = url.sqlite_file(config.root()).filter(|f| !f.exists()) {
            return Err(Failure::Other(format!(
                "no database at {}: `ving drizzle --up` creates it with its tables",
                file.display()
            )));
        }
        let db = ving::db::Db::connect(&url, config.root()).await?;
        let result = user_action(&schemas, &db, ving::id::IdCodec::new(key), args).await;
        db.close().await;
        write_out(out, &result?)
    })
}

pub(crate) async fn user_action(
    schemas: &SchemaSet,
    db: &ving::db::Db,
    codec: ving::id::IdCodec,
    args: &UserArgs,
) -> Result<String, Failure> {
    use ving::record::{FindOptions, OrderBy};
    let kinds = ving::record::Kinds::new(schemas, db, codec);
    let users = kinds.kind("User")?;
    let by_name = FindOptions {
        order_by: vec![OrderBy::asc("username")],
        ..FindOptions::default()
    };
    let listed = if args.list {
        users.find_many((), &by_name).await?
    } else if args.admins {
        users
            .find_many(users.prop_eq("admin", true)?, &by_name)
            .await?
    } else if let Some(keyword) = &args.search {
        // ving's: the username, real name and email (those the kind has), as the
        // operator of the database sees them.
        let props = users.schema().props.iter().map(|p| p.name.as_str());
        let searched: Vec<&str> = props
            .filter(|p| ["username", "realName", "email"].contains(p))
            .collect();
        let filter = users.prop_contains(&searched, keyword)?;
        users.find_many(filter, &by_name).await?
    } else if let Some(name) = &args.add {
        // ving's 441s: a user has a name and an email address.
        if name.is_empty() {
            return Err(ving::record::Ouch::about(441, "username", "username is required.").into());
        }
        let Some(email) = &args.email else {
            return Err(ving::record::Ouch::about(441, "email", "Email address required").into());
        };
        let mut user = users.mint(serde_json::Map::new());
        // Set, so checked (a name too long is a 442 naming the prop).
        user.set("username", name.as_str().into())?;
        user.set("realName", name.as_str().into())?;
        user.set("email", email.as_str().into())?;
        user.set("admin", args.admin.into())?;
        if let Some(password) = &args.password {
            set_password(&mut user, password)?;
        }
        user.insert().await?;
        vec![user]
    } else if let Some(name) = &args.modify {
        let Some(mut user) = users
            .find_one(users.prop_eq("username", name.as_str())?)
            .await?
        else {
            return Err(Failure::Other(format!("Could not find user: {name}")));
        };
        if let Some(email) = &args.email {
            user.set("email", email.as_str().into())?;
        }
        if let Some(password) = &args.password {
            set_password(&mut user, password)?;
        }
        if args.admin {
            user.set("admin", true.into())?;
        }
        if args.not_admin {
            user.set("admin", false.into())?;
        }
        user.update().await?;
        vec![user]
    } else {
        Vec::new()
    };
    Ok(user_lines(&listed))
}
