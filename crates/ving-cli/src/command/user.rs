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
/// without `--password` adds the user without one (ving throws after the insert), an
/// email is validated (442) and a user `--modify` cannot find is a failure.
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
        let query = vec![("search".to_owned(), keyword.clone())];
        // The command runs as the operator of the database: every prop is searched.
        let everything = ving::record::Describe::new().private();
        let mut filter = users.describe_list_where(&query, &everything)?;
        if filter.is_none() {
            filter = Some(users.prop_eq("username", keyword.as_str())?);
        }
        users.find_many(filter, &by_name).await?
    } else if let Some(name) = &args.add {
        let mut props = serde_json::Map::new();
        props.insert("username".into(), name.as_str().into());
        props.insert("realName".into(), name.as_str().into());
        let mut user = users.mint(props);
        if let Some(email) = &args.email {
            user.set("email", email.as_str().into())?;
        }
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
