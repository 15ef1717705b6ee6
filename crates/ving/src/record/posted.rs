//! Posted props: what a web layer's request body may set on a record, as ving's
//! `setPostedProps` decides it (rights, required values, unique values, ids as id
//! strings), and the creation check of `create_and_verify`.

use std::sync::Arc;

use serde_json::{Map, Value};

use super::kind::fetch_rows;
use super::model::Record;
use super::ouch::invalid_id;
use super::record::shown;
use super::value::is_nil;
use super::{CurrentUser, Ouch};
use crate::schema::{PropType, RelationType};
use crate::sql::{BinaryOp, Expr, Param, Select, Statement};

impl<'e> Record<'e> {
    /// Whether `user` may edit `prop` of this record (`owner` counts for anyone on a
    /// record not yet inserted, as in ving).
    fn editable(&self, edit: &[String], is_owner: bool, user: Option<&dyn CurrentUser>) -> bool {
        (edit.iter().any(|e| e == "owner") && (is_owner || !self.inserted))
            || user.is_some_and(|u| u.isa_role(edit))
    }

    /// Sets posted props, through the kind's `set_posted_props` hook when the app has
    /// one (User: the password), else [`Record::base_set_posted_props`].
    pub async fn set_posted_props(
        &mut self,
        params: &Map<String, Value>,
        user: Option<&dyn CurrentUser>,
    ) -> Result<(), Ouch> {
        match self.hooks() {
            Some(hooks) => hooks.set_posted_props(self, params, user).await,
            None => self.base_set_posted_props(params, user).await,
        }
    }

    /// ving's base `setPostedProps`: sets the props `user` may edit from posted params, in
    /// schema order: `''` on a required prop is 441; unique props (with their
    /// `uniqueQualifiers`) are 409 when taken; `options` lists and enum/boolean values are
    /// checked (442); ids are accepted as id strings (400 when not one); a parent relation
    /// needs editing rights on the parent (403) unless `skipOwnerCheck`, checked before
    /// the prop is set. Props the user may not edit, and unknown names, are skipped.
    ///
    /// A User (the kind whose `password` is stored hashed) also does what ving's User
    /// record adds: a posted password is set (hashed) first, when there is no `user` or by
    /// the user's owner (the user itself, or an admin), and
    /// a posted email that changes the user's clears `verifiedEmail` (unless the same post
    /// sets it, as an admin's may; kept when the email is not set after all).
    pub async fn base_set_posted_props(
        &mut self,
        params: &Map<String, Value>,
        user: Option<&dyn CurrentUser>,
    ) -> Result<(), Ouch> {
        let has = |name: &str| self.kind.schema().props.iter().any(|p| p.name == name);
        if super::password::is_password(self.kind.name(), "password") && has("password") {
            return self
                .user_posted_props(params, user, has("verifiedEmail"))
                .await;
        }
        self.posted_props(params, user).await
    }

    /// ving's User `setPostedProps` (see [`Record::base_set_posted_props`]).
    async fn user_posted_props(
        &mut self,
        params: &Map<String, Value>,
        user: Option<&dyn CurrentUser>,
        verifies_email: bool,
    ) -> Result<(), Ouch> {
        // A password that is there (ving's truthy) must be text (ving's bcrypt throws on
        // anything else): refused before any prop is set.
        if let Some(posted) = params.get("password") {
            if super::value::truthy(Some(posted)) && !posted.is_string() {
                let received = super::value::zod_type(posted);
                let message = format!("password: Expected string, received {received}.");
                return Err(Ouch::about(442, "password", message));
            }
        }
        // Set first, as ving does, when there is no user (a sign-up, a script) or by the
        // user's owner (the user, or an admin).
        let may_set_password = user.is_none() || self.is_owner(user).await?;
        let password = (params.get("password").and_then(Value::as_str)).filter(|p| !p.is_empty());
        if let Some(password) = password.filter(|_| may_set_password) {
            // Hashed whatever it looks like (`set` keeps a bcrypt hash as given).
            let hash = super::password::hash_password(password)?;
            self.set("password", Value::from(hash))?;
        }
        let (email, verified) = (
            self.props.get("email").cloned(),
            self.props.get("verifiedEmail").cloned(),
        );
        let new_email = verifies_email
            && (params.get("email")).is_some_and(|posted| Some(posted) != email.as_ref());
        if new_email {
            self.set("verifiedEmail", Value::from(false))?;
        }
        let set = self.posted_props(params, user).await;
        let unset = self.props.get("email") == email.as_ref()
            && self.props.get("verifiedEmail") == Some(&Value::from(false));
        if let Some(verified) = verified.filter(|_| new_email && unset) {
            self.set("verifiedEmail", verified)?;
        }
        set
    }

    /// Sets the posted props `user` may edit (the base of
    /// [`Record::base_set_posted_props`]).
    async fn posted_props(
        &mut self,
        params: &Map<String, Value>,
        user: Option<&dyn CurrentUser>,
    ) -> Result<(), Ouch> {
        let is_owner = self.is_owner(user).await?;
        let props = self.kind.schema().props.clone();
        for prop in &props {
            let name = &prop.name;
            if !self.editable(&prop.edit, is_owner, user) {
                continue;
            }
            let Some(posted) = params.get(name) else {
                continue;
            };
            let relation = prop.relation.as_ref();
            if relation.is_some_and(|r| r.relation_type != RelationType::Parent)
                || prop.prop_type == PropType::Virtual
            {
                continue;
            }
            if posted.as_str() == Some("") && prop.required {
                return Err(Ouch::about(441, name, format!("{name} is required.")));
            }
            let mut value = posted.clone();
            if prop.prop_type == PropType::Id {
                match &value {
                    Value::String(text) => {
                        value = Value::from(self.kind.parse_prop_id(prop, text.as_str())?);
                    }
                    Value::Null => {}
                    // 4.0 is 4, as JSON.parse reads it; a fraction is no record's id.
                    Value::Number(_) => {
                        if let Some(id) = super::value::whole_number(&value) {
                            value = Value::from(id);
                        }
                    }
                    // Neither an id string nor an id: ving's 400, naming the prop.
                    other => {
                        let text = other.to_string();
                        return Err(Ouch::about(400, name, invalid_id(&text).message));
                    }
                }
            }
            if prop.unique && !value.is_null() {
                // A value set would refuse (a number for a string) is refused as set
                // refuses it, not looked for.
                let value = self.checked(prop, value.clone())?;
                self.check_unique(name, &value, &prop.unique_qualifiers, params)
                    .await?;
            }
            if value.is_null() {
                continue;
            }
            if let Some(options) = &prop.options {
                let allowed = self.kind.kinds.catalog.options.get(options);
                let ok = allowed
                    .is_some_and(|list| list.iter().any(|o| o.get("value").unwrap_or(o) == &value));
                if !ok {
                    return Err(Ouch::about(
                        442,
                        name,
                        format!("{name} was set to an invalid value"),
                    ));
                }
            }
            if let Some(relation) = relation {
                let parent = self
                    .kind
                    .kinds
                    .kind(&relation.kind)?
                    .find_or_die(value.as_i64().unwrap_or(-1))
                    .await?;
                if !relation.skip_owner_check {
                    parent.can_edit(user).await?;
                }
                self.set(name, value)?;
                self.cache_parent(&relation.name, Arc::new(parent));
                continue;
            }
            self.set(name, value)?;
        }
        Ok(())
    }

    async fn check_unique(
        &self,
        name: &str,
        value: &Value,
        qualifiers: &[String],
        params: &Map<String, Value>,
    ) -> Result<(), Ouch> {
        let kind = &self.kind;
        let mut terms = vec![kind.prop_eq(name, value.clone())?.into_expr()];
        if self.inserted {
            terms.push(Expr::binary(
                kind.column_expr("id")?,
                BinaryOp::Ne,
                Expr::Param(Param::I64(Some(self.id().unwrap_or(-1)))),
            ));
        }
        for qualifier in qualifiers {
            let posted = params.get(qualifier).filter(|v| !is_nil(Some(v)));
            let value = match (
                posted,
                kind.schema().props.iter().find(|p| &p.name == qualifier),
            ) {
                // As it would be set (an id string read as its id).
                (Some(posted), Some(prop)) => self.checked(prop, posted.clone())?,
                _ => self.props.get(qualifier).cloned().unwrap_or(Value::Null),
            };
            terms.push(kind.prop_eq(qualifier, value)?.into_expr());
        }
        let select = Select {
            fields: vec![Expr::Aggregate {
                function: crate::sql::Aggregate::Count,
                arg: None,
            }],
            where_: Some(Expr::And(terms)),
            ..Select::all_of(kind.table_name(), &[])
        };
        let executor = kind.executor();
        let (sql, params) = executor.dialect().render(Statement::Select(select));
        let count = fetch_rows(executor, &sql, params, |row| row.get_i64(0)).await?;
        if count.first().copied().unwrap_or(0) > 0 {
            return Err(Ouch::not_unique(name, &shown(value)));
        }
        Ok(())
    }

    /// ving's `testCreationProps`: every required prop without a default (a required
    /// parent relation included, unlike ving) must be in `params` and not `''` (441).
    pub fn test_creation_props(&self, params: &Map<String, Value>) -> Result<(), Ouch> {
        for prop in &self.kind.schema().props {
            let has_default = match &prop.default {
                None => false,
                Some(crate::schema::PropDefault::String(s)) => !s.is_empty(),
                Some(_) => true,
            };
            if !prop.required
                || prop.prop_type == PropType::Virtual
                || has_default
                || prop.name == "id"
            {
                continue;
            }
            if is_nil(params.get(&prop.name)) {
                let name = &prop.name;
                return Err(Ouch::about(441, name, format!("{name} is required.")));
            }
        }
        Ok(())
    }
}
