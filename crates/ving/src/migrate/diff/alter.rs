//! Altering one table present on both sides: columns added, dropped, renamed and changed,
//! indexes, uniques, checks and foreign keys, each with its warnings.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn alter_table(
    old: &SnapshotTable,
    table: &Table,
    dialect: &dyn Dialect,
    renames: &Renames,
    accept_drops: bool,
    phases: &mut Phases,
    plan: &mut Plan,
) -> Result<(), DiffError> {
    let new = SnapshotTable::of(table, dialect).normalized();
    let caps = dialect.capabilities();
    let t = || table.name.clone();
    let old_columns: BTreeMap<String, SnapshotColumn> = old
        .column_list()
        .into_iter()
        .map(|c| (c.name.clone(), c))
        .collect();
    let new_columns = new.column_list();

    // Column renames the schemas declare: old name of each new column.
    let mut source: BTreeMap<String, String> = BTreeMap::new();
    for column in &new_columns {
        let hint = renames
            .columns
            .get(&(table.name.clone(), column.name.clone()));
        match hint {
            Some(old_name)
                if old_columns.contains_key(old_name)
                    && !new_columns.iter().any(|c| &c.name == old_name) =>
            {
                phases.renames.push(Step::RenameColumn {
                    table: t(),
                    old: old_name.clone(),
                    new: column.name.clone(),
                });
                plan.renamed_columns.push((
                    table.name.clone(),
                    old_name.clone(),
                    column.name.clone(),
                ));
                source.insert(column.name.clone(), old_name.clone());
            }
            _ if old_columns.contains_key(&column.name) => {
                source.insert(column.name.clone(), column.name.clone());
            }
            _ => {}
        }
    }
    let kept: BTreeSet<&String> = source.values().collect();
    let added: Vec<&SnapshotColumn> = new_columns
        .iter()
        .filter(|c| !source.contains_key(&c.name))
        .collect();
    let removed: Vec<&SnapshotColumn> = old_columns
        .values()
        .filter(|c| !kept.contains(&c.name))
        .collect();
    if !added.is_empty()
        && !removed.is_empty()
        && !accept_drops
        && !renames.accepted.contains(&Some(table.name.clone()))
    {
        let gone: Vec<String> = removed.iter().map(|c| c.name.clone()).collect();
        let new: Vec<String> = added.iter().map(|c| c.name.clone()).collect();
        return Err(DiffError::AmbiguousRename {
            message: format!(
                "in table {}, {} gone and {} new; renames are never guessed. If one was renamed, add renamedFrom = \"<old prop>\" to its prop; if not, run again with --no-renames",
                table.name,
                counted("column", &gone),
                counted("column", &new)
            ),
            table: Some(table.name.clone()),
            gone,
            new,
        });
    }
    let changed: Vec<(&SnapshotColumn, &SnapshotColumn)> = new_columns
        .iter()
        .filter_map(|c| source.get(&c.name).map(|o| (&old_columns[o], c)))
        .filter(|(o, n)| {
            let mut renamed = (*o).clone();
            renamed.name = n.name.clone();
            &renamed != *n
        })
        .collect();
    // Rows already in the table need a value in columns added NOT NULL without a
    // default, and in nullable columns made NOT NULL (where they hold NULL).
    let tightened: Vec<&SnapshotColumn> = changed
        .iter()
        .filter(|(o, n)| !o.not_null && n.not_null)
        .map(|(_, n)| *n)
        .collect();
    let needing = added
        .iter()
        .filter(|c| c.not_null && c.default.is_none())
        .map(|c| (*c, false))
        .chain(tightened.iter().map(|c| (*c, true)));
    let mut fills: BTreeMap<&str, String> = BTreeMap::new();
    for (column, made_required) in needing {
        let Some(model) = table.column(&column.name) else {
            continue;
        };
        match renames
            .fills
            .get(&(table.name.clone(), column.name.clone()))
        {
            Some(value) => {
                fills.insert(
                    &column.name,
                    fill_literal(dialect, &table.name, model, value)?,
                );
            }
            None if renames.allow_unfilled => {
                // A down file: the column comes back as it was, the rows there holding
                // its type's empty value (its values went with the migration), so that
                // it can be made NOT NULL on a table with rows. Ids and dates have none.
                if let Some(empty) = empty_value(&model.column_type) {
                    let literal = fill_literal(dialect, &table.name, model, &empty)?;
                    fills.insert(&column.name, literal);
                }
            }
            None => {
                use crate::table::ColumnType;
                let (t, c) = (&table.name, &column.name);
                let other_way = match model.column_type {
                    _ if made_required => "; or keep the prop optional (required = false)",
                    ColumnType::Char(_) | ColumnType::BigIntUnsigned => {
                        "; or make the prop optional (required = false)"
                    }
                    ColumnType::Enum(_) | ColumnType::Json => "; or give the prop a default",
                    _ => "",
                };
                let kind = &table.kind;
                let reason = if made_required {
                    format!("prop {kind}.props.{c} is now required and its column {t}.{c} becomes NOT NULL, so rows of {t} that hold NULL in it would have no value.")
                } else {
                    format!("prop {kind}.props.{c} is new and its column {t}.{c} is NOT NULL without a default, so rows already in {t} would have no value for it.")
                };
                return Err(DiffError::NeedsFill {
                    reason,
                    table: t.clone(),
                    column: c.clone(),
                    other_way: other_way.to_owned(),
                });
            }
        }
    }
    let checks_changed = old.check_constraints != new.check_constraints;
    for column in &removed {
        plan.warnings.push(format!(
            "drops column {}.{} and its values",
            table.name, column.name
        ));
    }
    for (o, n) in &changed {
        if narrows(o, n) {
            plan.warnings.push(format!(
                "narrows {}.{} from {} to {}: values that do not fit are lost or refused",
                table.name, n.name, o.sql_type, n.sql_type
            ));
        }
    }

    // Enum values removed (a MySQL enum type, a CHECK elsewhere): compared by value.
    let old_table = old.to_table(dialect);
    for column in &new_columns {
        let (Some(old_name), Some(model)) = (source.get(&column.name), table.column(&column.name))
        else {
            continue;
        };
        let (Some(before), crate::table::ColumnType::Enum(after)) = (
            old_table.column(old_name).map(|c| &c.column_type),
            &model.column_type,
        ) else {
            continue;
        };
        let crate::table::ColumnType::Enum(before) = before else {
            continue;
        };
        let values: Vec<String> = before
            .iter()
            .filter(|v| !after.contains(v))
            .cloned()
            .collect();
        if !values.is_empty() {
            plan.warnings.push(format!(
                "removes enum value{} {} from {}.{}: rows holding {} make it fail (change them first)",
                if values.len() == 1 { "" } else { "s" },
                values.join(", "),
                table.name,
                column.name,
                if values.len() == 1 { "it" } else { "them" },
            ));
            plan.removed_enum_values.push(RemovedEnumValues {
                table: table.name.clone(),
                column: column.name.clone(),
                values,
            });
        }
    }

    // `autoUpdate` columns renamed: their triggers (and PostgreSQL's trigger functions,
    // which name the column in their body) are made again under the new name.
    let renamed_stamps: Vec<&String> = (source.iter())
        .filter(|(new_name, old_name)| new_name != old_name)
        .filter(|(_, old_name)| {
            old_columns
                .get(*old_name)
                .is_some_and(|c| c.on_update == Some(true))
        })
        .map(|(_, old_name)| old_name)
        .collect();
    let uniques_changed = old.unique_constraints != new.unique_constraints;
    let fks_changed = old.foreign_keys != new.foreign_keys;
    // A trigger sets its column to the column's default time: when that default is
    // written anew (PostgreSQL's `now()` cut to whole seconds), so are the triggers.
    let triggers_changed = changed.iter().any(|(o, n)| {
        o.on_update != n.on_update || (n.on_update == Some(true) && o.default != n.default)
    }) || added.iter().any(|c| c.on_update == Some(true))
        || removed.iter().any(|c| c.on_update == Some(true))
        || !renamed_stamps.is_empty();

    // Indexes: drop what changed or went, create what changed or came.
    for (name, index) in &old.indexes {
        if new.indexes.get(name) != Some(index) {
            phases.drop_indexes.push(Step::DropIndex {
                table: t(),
                name: name.clone(),
            });
        }
    }
    let create_index = |index: &SnapshotIndex| Step::CreateIndex {
        table: t(),
        index: index.clone(),
    };

    let needs_rebuild = !caps.alter_columns
        && (!changed.is_empty()
            || !removed.is_empty()
            || uniques_changed
            || fks_changed
            || checks_changed
            || added.iter().any(|c| c.not_null && c.default.is_none())
            || triggers_changed);
    if needs_rebuild {
        // SQLite: drizzle-kit's recreate, copy, swap (foreign key checks are off while
        // the migration runs; see `apply`).
        let temporary = format!("__new_{}", table.name);
        phases.alter_columns.push(Step::CreateTable {
            table: table.clone(),
            name: temporary.clone(),
        });
        // Each column kept is read by its new name: the renames ran before (SQLite reads
        // a double-quoted name it cannot find as a string, so the old name would copy
        // itself into every row).
        let mut columns: Vec<(String, Source)> = new_columns
            .iter()
            .filter(|c| source.contains_key(&c.name))
            .map(|c| {
                let from = match fills.get(c.name.as_str()) {
                    Some(literal) => Source::OrIfNull(c.name.clone(), literal.clone()),
                    None => Source::Column(c.name.clone()),
                };
                (c.name.clone(), from)
            })
            .collect();
        for (column, literal) in &fills {
            if !source.contains_key(*column) {
                columns.push(((*column).to_owned(), Source::Literal(literal.clone())));
            }
        }
        phases.alter_columns.push(Step::CopyRows {
            from: t(),
            into: temporary.clone(),
            columns,
        });
        phases.alter_columns.push(Step::DropTable { name: t() });
        phases.alter_columns.push(Step::SwapIn {
            from: temporary,
            to: t(),
        });
        // The old table took its indexes and triggers with it.
        phases
            .create_indexes
            .extend(new.indexes.values().map(create_index));
        phases
            .create_indexes
            .push(Step::OnUpdateTriggers(table.clone()));
        phases.drop_indexes.retain(|step| {
            !matches!(step, Step::DropIndex { table: t, name }
                if t == &table.name && old.indexes.contains_key(name))
        });
        return Ok(());
    }
    for index in new.indexes.values() {
        if old.indexes.get(&index.name) != Some(index) {
            phases.create_indexes.push(create_index(index));
        }
    }

    // The column stamped at each update (already so before: its trigger is there), which
    // a fill of another column leaves alone.
    let stamped = |filled: &str| {
        (table.columns.iter())
            .find(|c| {
                c.on_update_now
                    && c.name != filled
                    && (old_columns.get(&c.name)).is_some_and(|o| o.on_update == Some(true))
            })
            .map(|c| c.name.clone())
    };
    // Columns.
    for column in &added {
        let Some(model) = table.column(&column.name) else {
            continue;
        };
        let Some(literal) = fills.get(column.name.as_str()) else {
            phases.alter_columns.push(Step::AddColumn {
                table: t(),
                column: model.clone(),
            });
            continue;
        };
        // Added nullable, filled, then made NOT NULL.
        let mut nullable = model.clone();
        nullable.not_null = false;
        phases.alter_columns.push(Step::AddColumn {
            table: t(),
            column: nullable,
        });
        phases.alter_columns.push(Step::FillColumn {
            table: t(),
            column: column.name.clone(),
            literal: literal.clone(),
            only_null: false,
            stamped: stamped(&column.name),
        });
        phases.alter_columns.push(if caps.restate_column {
            Step::RestateColumn {
                table: t(),
                column: model.clone(),
            }
        } else {
            Step::SetNotNull {
                table: t(),
                column: column.name.clone(),
                not_null: true,
            }
        });
    }
    for (o, n) in &changed {
        let Some(model) = table.column(&n.name) else {
            continue;
        };
        if let Some(literal) = fills.get(n.name.as_str()) {
            // Made NOT NULL: its NULLs get the fill first.
            phases.alter_columns.push(Step::FillColumn {
                table: t(),
                column: n.name.clone(),
                literal: literal.clone(),
                only_null: true,
                stamped: stamped(&n.name),
            });
        }
        if caps.restate_column {
            phases.alter_columns.push(Step::RestateColumn {
                table: t(),
                column: model.clone(),
            });
            continue;
        }
        // A new type with a default: the default goes first and comes back after
        // (PostgreSQL casts the old default to the new type first, and refuses one that
        // has no automatic cast, as '' to an int, even on an empty table).
        let retyped_default = o.sql_type != n.sql_type && o.default.is_some();
        if retyped_default {
            phases.alter_columns.push(Step::SetDefault {
                table: t(),
                column: n.name.clone(),
                default: None,
            });
        }
        if o.sql_type != n.sql_type {
            phases.alter_columns.push(Step::AlterType {
                table: t(),
                column: n.name.clone(),
                sql_type: n.sql_type.clone(),
            });
        }
        if o.default != n.default || (retyped_default && n.default.is_some()) {
            phases.alter_columns.push(Step::SetDefault {
                table: t(),
                column: n.name.clone(),
                default: n.default.as_ref().map(crate::migrate::default_sql),
            });
        }
        if o.not_null != n.not_null {
            phases.alter_columns.push(Step::SetNotNull {
                table: t(),
                column: n.name.clone(),
                not_null: n.not_null,
            });
        }
    }
    if checks_changed {
        for (name, check) in &old.check_constraints {
            if new.check_constraints.get(name) != Some(check) {
                phases.drop_indexes.push(Step::DropCheck {
                    table: t(),
                    name: name.clone(),
                });
            }
        }
        // An added column's CHECK is written inline in its ADD COLUMN (PostgreSQL then
        // names it `<table>_<column>_check`, the snapshot's name): not added twice.
        let inline: Vec<String> = added
            .iter()
            .map(|c| crate::naming::check_constraint_name(&table.name, &c.name))
            .collect();
        for (name, check) in &new.check_constraints {
            if old.check_constraints.get(name) != Some(check) && !inline.contains(name) {
                phases.create_indexes.push(Step::AddCheck {
                    table: t(),
                    name: name.clone(),
                    condition: check.value.clone(),
                });
            }
        }
    }
    if triggers_changed && !caps.column_on_update {
        for column in old_columns.values().filter(|c| c.on_update == Some(true)) {
            phases.drop_indexes.push(Step::DropTrigger {
                table: t(),
                name: crate::naming::on_update_trigger_name(&table.name, &column.name),
            });
        }
        phases
            .create_indexes
            .push(Step::OnUpdateTriggers(table.clone()));
    }
    if !caps.column_on_update {
        for old_name in &renamed_stamps {
            phases.drop_tables.push(Step::DropOnUpdateFunction {
                table: t(),
                column: (*old_name).clone(),
            });
        }
    }
    for column in &removed {
        phases.drop_tables.push(Step::DropColumn {
            table: t(),
            column: column.name.clone(),
        });
        if column.on_update == Some(true) {
            phases.drop_tables.push(Step::DropOnUpdateFunction {
                table: t(),
                column: column.name.clone(),
            });
        }
    }

    // Composite uniques.
    for (name, unique) in &old.unique_constraints {
        if new.unique_constraints.get(name) != Some(unique) {
            phases.drop_indexes.push(Step::DropUnique {
                table: t(),
                name: name.clone(),
            });
        }
    }
    for (name, unique) in &new.unique_constraints {
        if old.unique_constraints.get(name) != Some(unique) {
            phases.create_indexes.push(Step::AddUnique {
                table: t(),
                name: name.clone(),
                columns: unique.columns.clone(),
            });
        }
    }

    // Foreign keys.
    for (name, fk) in &old.foreign_keys {
        if new.foreign_keys.get(name) != Some(fk) {
            phases.drop_foreign_keys.push(Step::DropForeignKey {
                table: t(),
                name: name.clone(),
            });
        }
    }
    for fk in &table.foreign_keys {
        let snapshot = new.foreign_keys.get(&fk.name);
        if old.foreign_keys.get(&fk.name) != snapshot {
            phases.add_foreign_keys.push(Step::AddForeignKey {
                table: table.clone(),
                fk: fk.clone(),
            });
        }
    }
    Ok(())
}

/// The value a column of `column_type` gets back in a down file's rows: empty text, 0,
/// false, `{}`, an enum's first value; none for ids (a parent's), uuids (unique) and
/// dates.
fn empty_value(column_type: &crate::table::ColumnType) -> Option<String> {
    use crate::table::ColumnType;
    match column_type {
        ColumnType::Varchar(_) | ColumnType::Text | ColumnType::MediumText => Some(String::new()),
        ColumnType::Int => Some("0".into()),
        ColumnType::Boolean => Some("false".into()),
        ColumnType::Json => Some("{}".into()),
        ColumnType::Enum(values) => values.first().cloned(),
        ColumnType::BigIntUnsigned
        | ColumnType::Char(_)
        | ColumnType::Timestamp
        | ColumnType::DateTime => None,
    }
}
