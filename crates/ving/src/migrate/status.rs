//! Where a database stands against a migrations folder.

use super::*;

/// Where a database stands against a migrations folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The newest migration of the folder: (tag, hash).
    pub last_available: Option<(String, String)>,
    /// The newest migration applied: (tag, hash), when the folder knows it.
    pub last_applied: Option<(String, String)>,
    /// Migrations not yet applied, in order.
    pub pending: Vec<String>,
    /// Applied migrations whose file has changed since.
    pub changed: Vec<String>,
    /// The database has no `__drizzle_migrations` table.
    pub uninitialized: bool,
    /// Migrations stopped part-way (MySQL, whose DDL commits as it goes), in order.
    pub partial: Vec<Partial>,
}

/// A migration stopped part-way on MySQL: its first `done` statements are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partial {
    /// The migration.
    pub tag: String,
    /// Statements applied.
    pub done: usize,
    /// Statements in the migration.
    pub total: usize,
}

impl Status {
    /// Whether something needs attention: an applied migration's file changed, or a
    /// migration stopped part-way.
    pub fn needs_attention(&self) -> bool {
        !self.changed.is_empty() || !self.partial.is_empty()
    }
}

/// Compares the folder with what the database recorded.
pub async fn status(db: &Db, folder: &Folder) -> Result<Status, MigrateError> {
    let migrations = folder.migrations(db.dialect())?;
    let table = migrations_table(db.backend());
    let mut conn = Conn::acquire(db).await?;
    let applied = match conn.applied(table).await {
        Ok(applied) => Some(applied),
        Err(sqlx::Error::Database(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let last_available = migrations
        .last()
        .map(|m| (m.entry.tag.clone(), m.hash.clone()));
    let Some(applied) = applied else {
        return Ok(Status {
            last_available,
            last_applied: None,
            pending: migrations.iter().map(|m| m.entry.tag.clone()).collect(),
            changed: Vec::new(),
            uninitialized: true,
            partial: Vec::new(),
        });
    };
    let mut partial = Vec::new();
    for migration in migrations
        .iter()
        .filter(|m| !applied.contains_key(&m.entry.when))
    {
        // No progress table (a database migrated by drizzle-orm): nothing is partial.
        if let Ok(Some((done, _, _))) = conn.progress(migration.entry.when).await {
            partial.push(Partial {
                tag: migration.entry.tag.clone(),
                done,
                total: migration.statements().len(),
            });
        }
    }
    let last_applied = migrations
        .iter()
        .rfind(|m| applied.contains_key(&m.entry.when))
        .map(|m| (m.entry.tag.clone(), applied[&m.entry.when].clone()));
    Ok(Status {
        last_available,
        last_applied,
        pending: migrations
            .iter()
            .filter(|m| !applied.contains_key(&m.entry.when))
            .map(|m| m.entry.tag.clone())
            .collect(),
        changed: migrations
            .iter()
            .filter(|m| applied.get(&m.entry.when).is_some_and(|h| h != &m.hash))
            .map(|m| m.entry.tag.clone())
            .collect(),
        uninitialized: false,
        partial,
    })
}
