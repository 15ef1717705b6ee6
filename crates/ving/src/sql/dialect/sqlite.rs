//! SQLite's SQL: rowid keys, `CHECK`ed enums and JSON, and triggers for autoUpdate
//! dates.

use super::*;

impl Dialect for SqliteDialect {
    fn render(&self, statement: Statement) -> (String, Vec<Param>) {
        crate::sql::render::render(self, statement)
    }

    fn push_statement_name(&self, out: &mut String, identifier: &str) {
        push_quoted_with(out, identifier, '`');
    }

    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            alter_add_foreign_key: false,
            transactional_ddl: true,
            insert_returning: true,
            column_on_update: false,
            index_names_per_table: false,
            insert_default_keyword: false,
            ilike: false,
            full_join: true,
            on_duplicate_key: false,
            row_locks: false,
            returning: true,
            update_returning: true,
            long_lists: LongLists::JsonEach,
            alter_columns: false,
            restate_column: false,
            count_in_page: false,
        }
    }

    fn column_type(&self, column: &Column) -> String {
        match &column.column_type {
            ColumnType::BigIntUnsigned | ColumnType::Int => "integer".into(),
            ColumnType::Boolean => "boolean".into(),
            ColumnType::Timestamp => "timestamp".into(),
            ColumnType::DateTime => "datetime".into(),
            ColumnType::Varchar(n) => format!("varchar({n})"),
            ColumnType::Char(n) => format!("char({n})"),
            ColumnType::Text | ColumnType::MediumText | ColumnType::Enum(_) | ColumnType::Json => {
                "text".into()
            }
        }
    }

    fn primary_key_clause(&self) -> &'static str {
        "PRIMARY KEY AUTOINCREMENT"
    }

    fn drop_tables_script(&self, tables: &[&str]) -> String {
        let drops: Vec<String> = tables
            .iter()
            .map(|t| format!("DROP TABLE IF EXISTS {};", self.quote(t)))
            .collect();
        format!(
            "PRAGMA foreign_keys = OFF; {} PRAGMA foreign_keys = ON",
            drops.join(" ")
        )
    }

    fn default_literal(&self, default: &ColumnDefault) -> String {
        match default {
            ColumnDefault::Now => "CURRENT_TIMESTAMP".into(),
            ColumnDefault::String(text) | ColumnDefault::Json(text) => self.string_literal(text),
            ColumnDefault::Integer(n) => n.to_string(),
            ColumnDefault::Boolean(b) => b.to_string(),
            ColumnDefault::Null => "NULL".into(),
        }
    }

    fn column_suffix(&self, column: &Column) -> String {
        match &column.column_type {
            ColumnType::Json => format!(" CHECK (json_valid({}))", self.quote(&column.name)),
            _ => enum_check(self, column),
        }
    }

    fn on_update_triggers(&self, table: &Table) -> Vec<String> {
        table
            .columns
            .iter()
            .filter(|c| c.on_update_now)
            .map(|column| {
                let col = self.quote(&column.name);
                let t = self.quote(&table.name);
                format!(
                    "CREATE TRIGGER {} AFTER UPDATE ON {t} FOR EACH ROW WHEN NEW.{col} IS OLD.{col} BEGIN UPDATE {t} SET {col} = CURRENT_TIMESTAMP WHERE rowid = NEW.rowid; END",
                    self.quote(&crate::naming::on_update_trigger_name(&table.name, &column.name))
                )
            })
            .collect()
    }

    /// SQLite keeps a renamed table's triggers under their old names (their bodies follow
    /// the table): ours are made again under the new one, so that a table given the old
    /// name later can have its own.
    fn rename_table(&self, old: &str, table: &Table) -> Vec<String> {
        let mut statements = vec![format!(
            "ALTER TABLE {} RENAME TO {}",
            self.quote(old),
            self.quote(&table.name)
        )];
        for column in table.columns.iter().filter(|c| c.on_update_now) {
            statements.push(format!(
                "DROP TRIGGER IF EXISTS {}",
                self.quote(&crate::naming::on_update_trigger_name(old, &column.name))
            ));
        }
        statements.extend(self.on_update_triggers(table));
        statements
    }

    fn double_type(&self) -> &'static str {
        "REAL"
    }

    fn aggregate(&self, function: Aggregate, argument: &str) -> String {
        match function {
            // SQLite's sum of integers stops with "integer overflow" past i64::MAX
            // where the others sum exactly: summed as doubles, as the answer is one.
            Aggregate::Sum => format!("sum(CAST({argument} AS REAL))"),
            Aggregate::Count => format!("count({argument})"),
            Aggregate::Min | Aggregate::Every => format!("min({argument})"),
            Aggregate::Max | Aggregate::Any => format!("max({argument})"),
            Aggregate::Avg => format!("CAST(avg({argument}) AS REAL)"),
        }
    }

    fn limit_offset(&self, limit: Option<u64>, offset: Option<u64>) -> Option<Vec<RawPart>> {
        match (limit, offset) {
            // SQLite needs a LIMIT before OFFSET; -1 means no limit.
            (None, Some(offset)) => Some(vec![text("LIMIT -1 OFFSET "), count(offset)]),
            _ => common_limit_offset(limit, offset),
        }
    }
}
