//! MySQL's and MariaDB's SQL: ving's home, whose columns are exactly ving's.

use super::*;

impl Dialect for MySqlDialect {
    fn render(&self, statement: Statement) -> (String, Vec<Param>) {
        crate::sql::render::render(self, statement)
    }

    fn backend(&self) -> Backend {
        Backend::MySql
    }

    fn drop_foreign_key(&self, table: &str, name: &str) -> String {
        format!(
            "ALTER TABLE {} DROP FOREIGN KEY {}",
            self.quote(table),
            self.quote(name)
        )
    }

    /// MySQL's unique constraints are indexes.
    fn drop_unique_constraint(&self, table: &str, name: &str) -> String {
        format!(
            "ALTER TABLE {} DROP INDEX {}",
            self.quote(table),
            self.quote(name)
        )
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            alter_add_foreign_key: true,
            transactional_ddl: false,
            insert_returning: false,
            column_on_update: true,
            index_names_per_table: true,
            insert_default_keyword: true,
            ilike: false,
            full_join: false,
            on_duplicate_key: true,
            row_locks: true,
            returning: false,
            update_returning: false,
            long_lists: LongLists::JsonTable,
            alter_columns: true,
            restate_column: true,
            count_in_page: true,
        }
    }

    fn quote_char(&self) -> char {
        '`'
    }

    fn string_literal(&self, text: &str) -> String {
        // MySQL reads backslashes in string literals as escapes.
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
    }

    fn column_type(&self, column: &Column) -> String {
        match &column.column_type {
            ColumnType::BigIntUnsigned => "bigint unsigned".into(),
            ColumnType::Int => "int".into(),
            ColumnType::Boolean => "boolean".into(),
            ColumnType::Timestamp => "timestamp".into(),
            ColumnType::DateTime => "datetime".into(),
            ColumnType::Varchar(n) => format!("varchar({n})"),
            ColumnType::Char(n) => format!("char({n})"),
            ColumnType::Text => "text".into(),
            ColumnType::MediumText => "mediumtext".into(),
            ColumnType::Enum(values) => {
                let values: Vec<String> = values.iter().map(|v| self.string_literal(v)).collect();
                format!("enum({})", values.join(","))
            }
            ColumnType::Json => "json".into(),
        }
    }

    fn primary_key_clause(&self) -> &'static str {
        "AUTO_INCREMENT PRIMARY KEY"
    }

    fn default_literal(&self, default: &ColumnDefault) -> String {
        match default {
            ColumnDefault::Now => "(now())".into(),
            // JSON columns take only expression defaults in MySQL 8.
            ColumnDefault::Json(text) => format!("({})", self.string_literal(text)),
            ColumnDefault::String(text) => self.string_literal(text),
            ColumnDefault::Integer(n) => n.to_string(),
            ColumnDefault::Boolean(b) => b.to_string(),
            ColumnDefault::Null => "NULL".into(),
        }
    }

    fn column_suffix(&self, column: &Column) -> String {
        if column.on_update_now {
            " ON UPDATE CURRENT_TIMESTAMP".into()
        } else {
            String::new()
        }
    }

    fn double_type(&self) -> &'static str {
        "DOUBLE"
    }

    fn drop_tables_script(&self, tables: &[&str]) -> String {
        let names: Vec<String> = tables.iter().map(|t| self.quote(t)).collect();
        format!(
            "SET FOREIGN_KEY_CHECKS = 0; DROP TABLE IF EXISTS {}; SET FOREIGN_KEY_CHECKS = 1",
            names.join(", ")
        )
    }

    fn rename_table(&self, old: &str, table: &Table) -> Vec<String> {
        vec![format!(
            "RENAME TABLE {} TO {}",
            self.quote(old),
            self.quote(&table.name)
        )]
    }

    fn limit_offset(&self, limit: Option<u64>, offset: Option<u64>) -> Option<Vec<RawPart>> {
        match (limit, offset) {
            // MySQL has no OFFSET without LIMIT; this is its documented "all rows".
            (None, Some(offset)) => Some(vec![
                text("LIMIT 18446744073709551615 OFFSET "),
                count(offset),
            ]),
            _ => common_limit_offset(limit, offset),
        }
    }
}
