//! Records: a row of a kind, holding its props as ving holds them (a JSON map of prop
//! name to value), with the dirty set, the inserted flag, warnings and a parent cache.

use std::sync::{Arc, Mutex};

use chrono::NaiveDateTime;
use serde_json::{Map, Value};

use crate::schema::{Owner, PropType, RelationType};
use crate::sql::{Delete, Expr, Insert, Param, Statement, Update};

use super::date::{now_string, parse_date};
use super::model::{Changes, Kind, ParentCache, Record};
use super::ouch::invalid_id;
use super::props::{Cell, Props};
use super::validate::check;
use super::value::to_param;
use super::ving_kinds::delete_dependants;
use super::{CurrentUser, Ouch};

impl<'e> Record<'e> {
    pub(crate) fn from_row(kind: Arc<Kind<'e>>, props: Props) -> Record<'e> {
        Record {
            kind,
            props,
            inserted: true,
            changes: None,
            parents: Mutex::new(None),
        }
    }

    pub(crate) fn minted(kind: Arc<Kind<'e>>, props: Props) -> Record<'e> {
        Record {
            inserted: false,
            ..Record::from_row(kind, props)
        }
    }

    fn changes(&mut self) -> &mut Changes {
        self.changes.get_or_insert_with(Default::default)
    }

    fn clear_dirty(&mut self) {
        if let Some(changes) = &mut self.changes {
            changes.dirty.clear();
        }
    }

    pub(super) fn parent_cache(&self) -> std::sync::MutexGuard<'_, Option<Box<ParentCache<'e>>>> {
        match self.parents.lock() {
            Ok(cache) => cache,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn cache_parent(&self, name: &str, parent: Arc<Record<'e>>) {
        self.parent_cache()
            .get_or_insert_with(Default::default)
            .insert(name.to_owned(), parent);
    }

    fn cached_parent(&self, name: &str) -> Option<Arc<Record<'e>>> {
        self.parent_cache().as_ref()?.get(name).cloned()
    }

    /// Forgets the cached parents.
    pub fn flush_parent_cache(&self) {
        *self.parent_cache() = None;
    }

    /// The same record on another executor (to update it inside a transaction); the
    /// parent cache is not carried over.
    pub fn on<'t>(&self, executor: impl Into<crate::drizzle::Executor<'t>>) -> Record<'t> {
        Record {
            kind: Arc::new(self.kind.on(executor)),
            props: self.props.clone(),
            inserted: self.inserted,
            changes: self.changes.clone(),
            parents: Mutex::new(None),
        }
    }

    /// The record's kind.
    pub fn kind(&self) -> &Kind<'e> {
        &self.kind
    }

    /// The integer id (`None` before the insert).
    pub fn id(&self) -> Option<i64> {
        self.get_i64("id")
    }

    /// The id string (`UservDKaLb1`), `None` before the insert.
    pub fn id_string(&self) -> Option<String> {
        let id = self.id()?;
        self.kind
            .kinds
            .catalog
            .codec
            .stringify(self.kind.name(), id)
            .ok()
    }

    /// A prop's value as ving holds it (`None` for an unknown or unset prop).
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.props.get(name)
    }

    /// A string prop's value (`None` when unset, `null` or not a string).
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.props.cell(name) {
            Some(Cell::Text(text)) => Some(text),
            Some(_) => None,
            None => self.props.get(name).and_then(Value::as_str),
        }
    }

    /// An integer prop's value (`None` when unset, `null` or not an integer).
    pub fn get_i64(&self, name: &str) -> Option<i64> {
        match self.props.cell(name) {
            Some(Cell::Int(n)) => Some(*n),
            Some(_) => None,
            None => self.props.get(name).and_then(Value::as_i64),
        }
    }

    /// A boolean prop's value (`None` when unset, `null` or not a boolean).
    pub fn get_bool(&self, name: &str) -> Option<bool> {
        match self.props.cell(name) {
            Some(Cell::Bool(b)) => Some(*b),
            Some(_) => None,
            None => self.props.get(name).and_then(Value::as_bool),
        }
    }

    /// A date prop's value (`None` when unset, `null` or not a date).
    pub fn get_date(&self, name: &str) -> Option<NaiveDateTime> {
        match self.props.cell(name) {
            Some(Cell::Date(date)) => Some(*date),
            Some(Cell::Text(text)) => parse_date(text),
            Some(_) => None,
            None => self
                .props
                .get(name)
                .and_then(Value::as_str)
                .and_then(parse_date),
        }
    }

    /// Every prop's value, as a map (the columns in their order).
    pub fn get_all(&self) -> Map<String, Value> {
        self.props.to_map()
    }

    /// ving's User `displayName()`: the prop `useAsDisplayName` names (`realName`,
    /// `email`, else `username`), or `-unknown-` when it is empty. A User's describe shows
    /// it as `meta.displayName`.
    pub fn display_name(&self) -> String {
        let field = match self.get_str("useAsDisplayName") {
            Some("realName") => "realName",
            Some("email") => "email",
            _ => "username",
        };
        match self.get_str(field) {
            None | Some("") => "-unknown-".into(),
            Some(name) => name.into(),
        }
    }

    /// Whether the record is in the database.
    pub fn is_inserted(&self) -> bool {
        self.inserted
    }

    /// Whether the record was deleted.
    pub fn is_deleted(&self) -> bool {
        self.changes.as_ref().is_some_and(|c| c.deleted)
    }

    /// The props changed since the last read or write.
    pub fn dirty(&self) -> &[String] {
        self.changes.as_ref().map_or(&[], |c| &c.dirty)
    }

    /// Adds a warning, described under `warnings`.
    pub fn add_warning(&mut self, warning: Value) {
        self.changes().warnings.push(warning);
    }

    /// The warnings added with [`Record::add_warning`].
    pub fn warnings(&self) -> &[Value] {
        self.changes.as_ref().map_or(&[], |c| &c.warnings)
    }

    /// `value` as [`Record::set`] would store it in `prop` (before a password's hashing),
    /// or its 442 (400 for an id string of another kind).
    pub(crate) fn checked(&self, prop: &crate::schema::Prop, value: Value) -> Result<Value, Ouch> {
        let codec = self.kind.kinds.catalog.codec;
        let id_kind = self.kind.id_kind_of(prop);
        check(prop, value, |text| codec.parse_kind(id_kind, text).ok())
    }

    /// Sets a prop, validated against the schema: 400 for an unknown prop, 442 (with
    /// zod's message, naming the prop) for a bad value. Enum and boolean values are
    /// validated too, unlike in ving. User's `password` is stored hashed (bcrypt, cost
    /// 10; `passwordType` becomes `bcrypt`) unless it is empty or already a hash. Returns
    /// the value stored.
    pub fn set(&mut self, name: &str, value: Value) -> Result<&Value, Ouch> {
        let Some(prop) = self.kind.schema().props.iter().find(|p| p.name == name) else {
            return Err(Ouch::about(400, name, format!("{name} is not a prop")));
        };
        let value = self.checked(prop, value)?;
        // A password is only ever stored hashed, whatever sets it.
        let password = super::password::is_password(self.kind.name(), name);
        let value = if password {
            let default = match &prop.default {
                Some(crate::schema::PropDefault::String(text)) => Some(text.as_str()),
                _ => None,
            };
            super::password::stored_password(value, default)?
        } else {
            value
        };
        let hashed = password
            && value
                .as_str()
                .is_some_and(super::password::is_password_hash);
        let parent = prop
            .relation
            .as_ref()
            .is_some_and(|r| r.relation_type == RelationType::Parent);
        if parent {
            self.flush_parent_cache();
        }
        if self.props.get(name) != Some(&value) && !self.dirty().iter().any(|d| d == name) {
            self.changes().dirty.push(name.to_owned());
        }
        self.props.insert(name, value);
        if hashed {
            let has_type = self
                .kind
                .schema()
                .props
                .iter()
                .any(|p| p.name == "passwordType");
            if has_type && self.props.get("passwordType") != Some(&Value::from("bcrypt")) {
                self.set("passwordType", Value::from("bcrypt"))?;
            }
        }
        self.props
            .get(name)
            .ok_or_else(|| Ouch::about(400, name, format!("{name} is not a prop")))
    }

    /// [`Record::set`], and `""` on a required string prop is ving's 441, as
    /// `set_posted_props` says: what the generated typed setters call.
    pub fn set_checked(&mut self, name: &str, value: Value) -> Result<&Value, Ouch> {
        let required_text = self
            .kind
            .schema()
            .props
            .iter()
            .any(|p| p.name == name && p.required && p.prop_type == PropType::String);
        if required_text && value.as_str() == Some("") {
            return Err(Ouch::about(441, name, format!("{name} is required.")));
        }
        self.set(name, value)
    }

    /// Sets several props (those with `noSetAll` skipped).
    pub fn set_all(&mut self, props: &Map<String, Value>) -> Result<(), Ouch> {
        for (name, value) in props {
            let skip = self
                .kind
                .schema()
                .props
                .iter()
                .find(|p| &p.name == name)
                .is_some_and(|p| p.no_set_all);
            if !skip {
                self.set(name, value.clone())?;
            }
        }
        Ok(())
    }

    /// A password that reached the props as given (`mint`, a hook writing props) is
    /// hashed before anything is written: a User's password is never stored as given.
    fn hash_a_plain_password(&mut self) -> Result<(), Ouch> {
        if !super::password::is_password(self.kind.name(), "password") {
            return Ok(());
        }
        let default = self
            .kind
            .schema()
            .props
            .iter()
            .find(|p| p.name == "password")
            .and_then(|p| match &p.default {
                Some(crate::schema::PropDefault::String(text)) => Some(text.as_str()),
                _ => None,
            });
        let plain = self
            .props
            .get("password")
            .and_then(Value::as_str)
            .is_some_and(|text| super::password::is_plain_password(text, default));
        if plain {
            let value = self.props.value("password").unwrap_or(Value::Null);
            self.set("password", value)?;
        }
        Ok(())
    }

    fn column_params(&self) -> Result<(Vec<&'static str>, Vec<Param>), Ouch> {
        let mut columns = Vec::new();
        let mut params = Vec::new();
        for column in &self.kind.info().columns {
            let Some(value) = self.props.get(column.name) else {
                continue;
            };
            if column.name == "id" && value.is_null() {
                continue;
            }
            columns.push(column.name);
            params.push(to_param(column.name, &column.column_type, value)?);
        }
        Ok((columns, params))
    }

    /// Inserts the record, through the kind's `insert` hook when the app has one, else
    /// [`Record::base_insert`].
    pub async fn insert(&mut self) -> Result<(), Ouch> {
        match self.hooks() {
            Some(hooks) => hooks.insert(self).await,
            None => self.base_insert().await,
        }
    }

    /// ving's base `insert`: 409 when the record already is inserted; marked inserted
    /// only once the insert succeeded; the id is the one the database gave.
    pub async fn base_insert(&mut self) -> Result<(), Ouch> {
        self.hash_a_plain_password()?;
        if self.inserted {
            return Err(Ouch::new(
                409,
                format!("{} already inserted", self.kind.name()),
            ));
        }
        // A required prop with no default and no value would be the database's error:
        // caught here as ving's 441, as `create_and_verify` does.
        for prop in &self.kind.schema().props {
            if prop.required
                && prop.default.is_none()
                && prop.prop_type != PropType::Virtual
                && prop.name != "id"
                && self.props.value(&prop.name).is_none_or(|v| v.is_null())
            {
                let name = &prop.name;
                return Err(Ouch::about(441, name, format!("{name} is required.")));
            }
        }
        let (columns, params) = self.column_params()?;
        let executor = self.kind.executor();
        let dialect = executor.dialect();
        let returning = dialect.capabilities().insert_returning;
        let statement = Insert {
            table: self.kind.table_name(),
            columns,
            rows: vec![params],
            on_conflict: None,
            returning: if returning {
                vec![self.kind.column_expr("id")?]
            } else {
                Vec::new()
            },
        };
        let (sql, params) = dialect.render(Statement::Insert(statement));
        let id = if returning {
            executor
                .fetch_decoded::<crate::db::FirstI64>(&sql, params)
                .await
                .map_err(|e| self.write_error(e))?
                .first()
                .copied()
        } else {
            let done = executor
                .execute(&sql, params)
                .await
                .map_err(|e| self.write_error(e))?;
            i64::try_from(done.last_insert_id).ok()
        };
        let given = self.id().is_some();
        if let Some(id) = id.filter(|id| *id > 0 && !given) {
            self.props.insert("id", Value::from(id));
        }
        self.inserted = true;
        self.clear_dirty();
        Ok(())
    }

    /// Writes the dirty props, through the kind's `update` hook when the app has one,
    /// else [`Record::base_update`].
    pub async fn update(&mut self) -> Result<(), Ouch> {
        match self.hooks() {
            Some(hooks) => hooks.update(self).await,
            None => self.base_update().await,
        }
    }

    /// ving's base `update`: writes the dirty props (nothing at all when none is dirty);
    /// `autoUpdate` dates are set to now, in memory and in the database.
    pub async fn base_update(&mut self) -> Result<(), Ouch> {
        self.hash_a_plain_password()?;
        if self.dirty().is_empty() {
            return Ok(());
        }
        let auto: Vec<String> = self
            .kind
            .schema()
            .props
            .iter()
            .filter(|p| p.auto_update && p.prop_type == PropType::Date)
            .map(|p| p.name.clone())
            .collect();
        let now = now_string();
        for name in auto {
            self.props.insert(&name, Value::from(now.clone()));
            if !self.dirty().contains(&name) {
                self.changes().dirty.push(name);
            }
        }
        let mut set = Vec::new();
        for name in self.dirty() {
            let Some(column) = self.kind.info().column(name) else {
                continue;
            };
            let value = self.props.value(name).unwrap_or(Value::Null);
            set.push((
                column.name,
                Expr::Param(to_param(name, &column.column_type, &value)?),
            ));
        }
        let id = self.id().unwrap_or(-1);
        let statement = Update {
            table: self.kind.table_name(),
            set,
            where_: Some(self.kind.id_is(id)?),
            returning: Vec::new(),
        };
        let executor = self.kind.executor();
        let (sql, params) = executor.dialect().render(Statement::Update(statement));
        executor
            .execute(&sql, params)
            .await
            .map_err(|e| self.write_error(e))?;
        self.clear_dirty();
        Ok(())
    }

    /// A failed write of this record as what a client may read (see `Ouch`'s
    /// `From<DbError>`): a unique violation names the value, as `set_posted_props` does.
    fn write_error(&self, error: crate::db::DbError) -> Ouch {
        let ouch = Ouch::from(error);
        let value = match (&ouch.prop, ouch.code) {
            (Some(prop), 409) => self.props.value(prop),
            _ => None,
        };
        match (&ouch.prop, value) {
            (Some(prop), Some(value)) if !value.is_null() => Ouch::not_unique(prop, &shown(&value)),
            _ => ouch,
        }
    }

    /// `set_posted_props` then `update`.
    pub async fn update_and_verify(
        &mut self,
        params: &Map<String, Value>,
        user: Option<&dyn CurrentUser>,
    ) -> Result<(), Ouch> {
        self.set_posted_props(params, user).await?;
        self.update().await
    }

    /// The kind's hooks, if the app registered any (a count of them, for a caller that
    /// then lends the record out mutably).
    pub(crate) fn hooks(&self) -> Option<std::sync::Arc<dyn super::RecordHooks>> {
        self.registered_hooks().cloned()
    }

    /// The kind's hooks, if the app registered any, borrowed.
    pub(crate) fn registered_hooks(&self) -> Option<&std::sync::Arc<dyn super::RecordHooks>> {
        self.kind.kinds.catalog.hooks.get(self.kind.index)?.as_ref()
    }

    /// Deletes the record, through the kind's `delete` hook when the app has one (User:
    /// its API keys and files first).
    pub async fn delete(&mut self) -> Result<(), Ouch> {
        match self.hooks() {
            Some(hooks) => hooks.delete(self).await,
            None => self.base_delete().await,
        }
    }

    /// ving's base `delete`: deletes the record's row (a User's API keys and files first,
    /// as ving's User record does); the props stay in memory (`meta.deleted` then says
    /// so).
    pub async fn base_delete(&mut self) -> Result<(), Ouch> {
        delete_dependants(self.kind.info().ving, self).await?;
        let statement = Delete {
            table: self.kind.table_name(),
            where_: Some(self.kind.id_is(self.id().unwrap_or(-1))?),
            returning: Vec::new(),
        };
        let executor = self.kind.executor();
        let (sql, params) = executor.dialect().render(Statement::Delete(statement));
        executor.execute(&sql, params).await?;
        self.changes().deleted = true;
        Ok(())
    }

    /// Reads the record again (parents forgotten, nothing dirty); 404 when it is gone.
    pub async fn refresh(&mut self) -> Result<(), Ouch> {
        self.flush_parent_cache();
        let fresh = self.kind.find_or_die(self.id().unwrap_or(-1)).await?;
        self.props = fresh.props;
        self.clear_dirty();
        Ok(())
    }

    /// Whether `user` owns the record: `$prop` (the prop holds the user's id), a role the
    /// user has, or `^relation` (whoever owns that parent; ving's never works).
    pub async fn is_owner(&self, user: Option<&dyn CurrentUser>) -> Result<bool, Ouch> {
        let Some(user) = user else {
            return Ok(false);
        };
        for owner in &self.kind.schema().owner {
            match owner {
                Owner::Prop(prop) => {
                    let mine = self.get_i64(prop);
                    let theirs = user.role_prop("id").and_then(|v| v.as_i64());
                    if mine.is_some() && mine == theirs {
                        return Ok(true);
                    }
                }
                Owner::Role(role) => {
                    if user.is_role(role) {
                        return Ok(true);
                    }
                }
                Owner::Parent(relation) => {
                    // A parent not set, or gone, owns nothing.
                    let (prop, _) = self.relation(relation, RelationType::Parent)?;
                    if self.get_i64(&prop.name).is_none() {
                        continue;
                    }
                    let parent = match self.parent(relation).await {
                        Ok(parent) => parent,
                        Err(ouch) if ouch.code == 404 => continue,
                        Err(ouch) => return Err(ouch),
                    };
                    if Box::pin(parent.is_owner(Some(user))).await? {
                        return Ok(true);
                    }
                }
            }
        }
        Ok(false)
    }

    /// `true` when `user` owns the record, else ving's 403.
    pub async fn can_edit(&self, user: Option<&dyn CurrentUser>) -> Result<bool, Ouch> {
        if self.is_owner(user).await? {
            Ok(true)
        } else {
            Err(Ouch::new(
                403,
                format!(
                    "You do not have the privileges to access {}.",
                    self.kind.name()
                ),
            ))
        }
    }

    /// The parent record of the relation `name` (cached until a parent prop is set or the
    /// record refreshed): 404 for an unknown relation or a missing parent, 400 for no id.
    pub async fn parent(&self, name: &str) -> Result<Arc<Record<'e>>, Ouch> {
        if let Some(parent) = self.cached_parent(name) {
            return Ok(parent);
        }
        let (prop, relation) = self.relation(name, RelationType::Parent)?;
        let id = match self.props.value(&prop.name) {
            Some(Value::Number(n)) => n.as_i64().ok_or_else(|| invalid_id(&n.to_string()))?,
            Some(Value::String(s)) => return Err(invalid_id(&s)),
            _ => return Err(invalid_id("null")),
        };
        let parent = Arc::new(
            self.kind
                .kinds
                .kind(&relation.kind)?
                .find_or_die(id)
                .await?,
        );
        self.cache_parent(name, parent.clone());
        Ok(parent)
    }

    /// The kind of the child relation `name`, scoped to this record (`user.children("apikeys")`:
    /// the user's API keys); 404 for an unknown child.
    pub fn children(&self, name: &str) -> Result<Kind<'e>, Ouch> {
        let schema = self.kind.schema();
        let (prop, relation) = self.relation(name, RelationType::Child)?;
        let child = self.kind.kinds.kind(&relation.kind)?;
        // The child's prop pointing back here is the one the virtual prop names (as ving
        // scopes children: a kind may have two parent relations to this one).
        let back = child
            .schema()
            .props
            .iter()
            .find(|p| {
                p.name == prop.name
                    && p.relation.as_ref().is_some_and(|r| {
                        r.relation_type == RelationType::Parent && r.kind == schema.kind
                    })
            })
            .map(|p| p.name.clone())
            .ok_or_else(|| {
                Ouch::about(
                    404,
                    name,
                    format!(
                        "cannot find child relation {name} in {}: {} has no parent relation to {}",
                        schema.kind, relation.kind, schema.kind
                    ),
                )
            })?;
        child.with_prop_default(&back, self.props.value("id").unwrap_or(Value::Null))
    }

    /// The relation `name` of this record's kind, which must be of type `wanted`: a 404
    /// listing the kind's relations of that type when there is none by that name, a 400
    /// when it is of the other type (`children` of a parent relation).
    fn relation(
        &self,
        name: &str,
        wanted: RelationType,
    ) -> Result<(&'_ crate::schema::Prop, &'_ crate::schema::Relation), Ouch> {
        let schema = self.kind.schema();
        let (word, method, other_word, other_method) = match wanted {
            RelationType::Parent => ("parent", "parent", "child", "children"),
            RelationType::Child => ("child", "children", "parent", "parent"),
        };
        let found = schema
            .prop_with_relation(name)
            .and_then(|p| Some((p, p.relation.as_ref()?)));
        match found {
            Some((prop, relation)) if relation.relation_type == wanted => Ok((prop, relation)),
            Some(_) => Err(Ouch::about(
                400,
                name,
                format!(
                    "{name} is a {other_word} relation of {}, not a {word} one: use {other_method}(\"{name}\") instead of {method}",
                    schema.kind
                ),
            )),
            None => {
                let names: Vec<&str> = schema
                    .props
                    .iter()
                    .filter_map(|p| p.relation.as_ref())
                    .filter(|r| r.relation_type == wanted)
                    .map(|r| r.name.as_str())
                    .collect();
                let known = if names.is_empty() {
                    format!("it has no {word} relations")
                } else {
                    format!("its {word} relations: {}", names.join(", "))
                };
                Err(Ouch::about(
                    404,
                    name,
                    format!("cannot find {word} relation {name} in {} ({known})", schema.kind),
                ))
            }
        }
    }
}

impl CurrentUser for Record<'_> {
    fn role_prop(&self, key: &str) -> Option<Value> {
        self.props.value(key)
    }

    /// A user's roles are the boolean props of its kind (User: `admin`, `developer`,
    /// `verifiedEmail`).
    fn is_role_prop(&self, name: &str) -> bool {
        self.kind
            .schema()
            .column_prop(name)
            .is_some_and(|p| p.prop_type == PropType::Boolean)
    }
}

/// A value as a message shows it: a string as itself, anything else as JSON.
pub(super) fn shown(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
