//! The kinds of an app: each kind's schema and table, the id codec, prop defaults and
//! options, and the hooks a kind's own record code installs ([`RecordHooks`]).

use super::*;
use crate::record::link_plan::{LinksPlan, RelationLink};
use crate::record::model::DefaultFn;
use crate::record::viewer::Viewers;
use crate::record::ving_settings::{handler_options, private_key, VingKind, VingSettings};

/// A name that lives as long as the program (the statement tree holds `&'static str`
/// names); each distinct name is kept once.
pub(crate) fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(|| Mutex::new(HashSet::new()));
    let mut names = match names.lock() {
        Ok(names) => names,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

/// Each kind's `base` link in the REST API `version` (`/api/v1/users`), kept for the
/// life of the program (one string a kind and version).
fn base_hrefs(kinds: &[KindInfo], version: &str) -> Vec<&'static str> {
    kinds
        .iter()
        .map(|info| {
            let kind = info.schema.kind.to_lowercase();
            intern(&["/api/", version, "/", &kind, "s"].concat())
        })
        .collect()
}

/// Per kind, the plan of its describes' links ([`LinksPlan`]): for kinds the app has no
/// hooks for (a `describe_links` hook may change them), made again when the hooks or the
/// `base` hrefs change.
fn link_plans(catalog: &Catalog) -> Vec<Option<Arc<LinksPlan>>> {
    use crate::schema::RelationType;
    (catalog.kinds.iter().enumerate())
        .map(|(index, info)| {
            if catalog.hooks.get(index).is_some_and(Option::is_some) {
                return None;
            }
            // A relation's link, for each prop with a relation (the `id` prop gets none).
            let relations: Vec<RelationLink> = (info.schema.props.iter().enumerate())
                .filter(|(_, prop)| prop.name != "id")
                .filter_map(|(at, prop)| {
                    let relation = prop.relation.as_ref()?;
                    let name = info.relation_links.get(at).copied().flatten()?;
                    Some((at, name, relation.relation_type == RelationType::Child))
                })
                .collect();
            let base = catalog.base_hrefs.get(index)?;
            LinksPlan::of(base, info.ving, &relations).map(Arc::new)
        })
        .collect()
}

/// A prop's enum or boolean values with their labels, as ving's options list them.
fn enum_options(prop: &crate::schema::Prop) -> Option<Value> {
    use crate::schema::{EnumValue, PropType};
    if !matches!(prop.prop_type, PropType::Enum | PropType::Boolean) || prop.enums.is_empty() {
        return None;
    }
    let list = prop
        .enums
        .iter()
        .enumerate()
        .map(|(i, value)| {
            let value = match value {
                EnumValue::Bool(b) => Value::from(*b),
                EnumValue::String(s) => Value::from(s.clone()),
            };
            let label = prop
                .enum_labels
                .get(i)
                .cloned()
                .unwrap_or_else(|| match &value {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                });
            serde_json::json!({"value": value, "label": label})
        })
        .collect();
    Some(Value::Array(list))
}

impl<'e> Kinds<'e> {
    /// The kinds of `schemas`, running on `executor`, with ids stringified by `codec`, and
    /// what ving's own kinds bring (the `privateKey` default function, the
    /// `handlerOptions` list, their links) read with the default [`VingSettings`].
    pub fn new(
        schemas: &SchemaSet,
        executor: impl Into<Executor<'e>>,
        codec: IdCodec,
    ) -> Kinds<'e> {
        let model = TableModel::from_schemas(schemas);
        let kinds: Vec<KindInfo> = schemas
            .schemas()
            .iter()
            .map(|schema| {
                let table = model.tables.iter().find(|t| t.kind == schema.kind);
                let columns: Vec<ColumnInfo> = table
                    .map(|t| {
                        t.columns
                            .iter()
                            .map(|c| ColumnInfo {
                                name: intern(&c.name),
                                column_type: c.column_type.clone(),
                                not_null: c.not_null,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let enum_options: Vec<Option<Value>> =
                    schema.props.iter().map(enum_options).collect();
                let enum_options_text = enum_options
                    .iter()
                    .map(|list| {
                        let text = serde_json::to_string(list.as_ref()?).ok()?;
                        serde_json::value::RawValue::from_string(text).ok()
                    })
                    .collect();
                let slots = schema
                    .props
                    .iter()
                    .map(|prop| columns.iter().position(|c| c.name == prop.name))
                    .collect();
                let relation_links = schema
                    .props
                    .iter()
                    .map(|prop| Some(intern(&prop.relation.as_ref()?.name.to_lowercase())))
                    .collect();
                let prop_keys = schema
                    .props
                    .iter()
                    .map(|prop| {
                        let name = serde_json::to_string(&prop.name).unwrap_or_default();
                        format!(",{name}:").into_bytes().into_boxed_slice()
                    })
                    .collect();
                KindInfo {
                    relation_links,
                    prop_keys,
                    viewers: schema.props.iter().map(Viewers::of).collect(),
                    schema: schema.clone(),
                    table: intern(&schema.table_name),
                    names: columns.iter().map(|c| c.name).collect(),
                    columns,
                    enum_options,
                    enum_options_text,
                    slots,
                    links_seen: std::sync::atomic::AtomicUsize::new(0),
                    ving: VingKind::of(&schema.kind),
                }
            })
            .collect();
        let rest_version = "v1";
        let settings = VingSettings::default();
        // ving's APIKey's `privateKey` and CronJob's `handlerOptions` (an app may register
        // its own under the same names).
        let defaults: HashMap<String, DefaultFn> =
            HashMap::from([("privateKey".to_owned(), Arc::new(private_key) as DefaultFn)]);
        let options = HashMap::from([(
            "handlerOptions".to_owned(),
            handler_options(&settings.job_handlers),
        )]);
        let mut catalog = Catalog {
            base_hrefs: base_hrefs(&kinds, rest_version),
            kinds: Arc::new(kinds),
            codec,
            defaults,
            options,
            hooks: vec![None; schemas.schemas().len()],
            rest_version: rest_version.into(),
            option_texts: Default::default(),
            settings,
            link_plans: Vec::new(),
        };
        catalog.link_plans = link_plans(&catalog);
        Kinds {
            catalog: Arc::new(catalog),
            executor: executor.into(),
        }
    }

    /// Registers the function behind `default = { fn = name }`.
    pub fn with_default_fn(
        mut self,
        name: &str,
        f: impl Fn() -> Value + Send + Sync + 'static,
    ) -> Self {
        Arc::make_mut(&mut self.catalog)
            .defaults
            .insert(name.to_owned(), Arc::new(f));
        self
    }

    /// Registers the option list behind `options = name`: values, or `{value, label}`
    /// objects as ving's `enum2options` makes them.
    pub fn with_options(mut self, name: &str, options: Vec<Value>) -> Self {
        let catalog = Arc::make_mut(&mut self.catalog);
        catalog.options.insert(name.to_owned(), options);
        catalog.option_texts.clear();
        self
    }

    /// Registers what the app adds to the descriptions of `kind` (a kind the schemas do
    /// not have has no records to add to: nothing is registered).
    pub fn with_hooks(mut self, kind: &str, hooks: impl RecordHooks + 'static) -> Self {
        let catalog = Arc::make_mut(&mut self.catalog);
        let index = catalog.kinds.iter().position(|k| k.schema.kind == kind);
        if let Some(slot) = index.and_then(|index| catalog.hooks.get_mut(index)) {
            *slot = Some(Arc::new(hooks));
        }
        catalog.link_plans = link_plans(catalog);
        self
    }

    /// What ving's own kinds read of the app's configuration ([`VingSettings`]: S3File's
    /// buckets; CronJob's `handlerOptions` from its job handlers, unless the app registers
    /// that list itself afterwards).
    pub fn with_ving_settings(mut self, settings: VingSettings) -> Self {
        let catalog = Arc::make_mut(&mut self.catalog);
        let handlers = handler_options(&settings.job_handlers);
        catalog
            .options
            .insert("handlerOptions".to_owned(), handlers);
        catalog.option_texts.clear();
        catalog.settings = settings;
        self
    }

    /// The REST version in links (`v1`, ving's default).
    pub fn with_rest_version(mut self, version: &str) -> Self {
        let catalog = Arc::make_mut(&mut self.catalog);
        catalog.base_hrefs = base_hrefs(&catalog.kinds, version);
        catalog.link_plans = link_plans(catalog);
        catalog.rest_version = version.to_owned();
        self
    }

    /// The same kinds on another executor (`kinds.on(&tx)` inside a transaction).
    pub fn on<'t>(&self, executor: impl Into<Executor<'t>>) -> Kinds<'t> {
        Kinds {
            catalog: self.catalog.clone(),
            executor: executor.into(),
        }
    }

    /// The id codec.
    pub fn codec(&self) -> IdCodec {
        self.catalog.codec
    }

    /// The names of the kinds, in the order their schemas were loaded.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.catalog.kinds.iter().map(|k| k.schema.kind.as_str())
    }

    /// The version in the REST paths of links (`v1`: `/api/v1/users`).
    pub fn rest_version(&self) -> &str {
        &self.catalog.rest_version
    }

    /// The kind named `name`; ving's 404 `ving schema <name> not found` if there is none.
    pub fn kind(&self, name: &str) -> Result<Kind<'e>, Ouch> {
        let index = self
            .catalog
            .kinds
            .iter()
            .position(|k| k.schema.kind == name)
            .ok_or_else(|| Ouch::new(404, format!("ving schema {name} not found")))?;
        Ok(Kind {
            kinds: self.clone(),
            index,
            prop_defaults: Arc::from(Vec::new()),
        })
    }
}
