//! `--prepare` on a synthetic app of 300 kinds × 15 props: the first migration, then the
//! one after altering 30 of the tables. Run with `cargo bench -p ving --bench prepare`;
//! it prints the median of five runs of each step (load + validate, and prepare).

use std::time::{Duration, Instant};

use ving::config::Backend;
use ving::migrate::{self, Folder, PrepareOptions, Prepared, Renames};
use ving::schema::{SchemaOptions, SchemaSet, SourceFile};
use ving::table::TableModel;

const KINDS: usize = 300;

fn schema(kind: usize, length: u32) -> String {
    let mut text =
        format!("kind = \"Kind{kind}\"\ntableName = \"kind{kind}s\"\nowner = [\"admin\"]\n");
    for prop in 0..12 {
        let body = match prop % 4 {
            0 => format!("type = \"string\"\nname = \"text{prop}\"\nrequired = true\nlength = {length}\ndefault = \"\""),
            1 => format!("type = \"int\"\nname = \"number{prop}\"\nrequired = true\ndefault = 0"),
            2 => format!("type = \"enum\"\nname = \"state{prop}\"\nrequired = true\ndefault = \"a\"\nenums = [\"a\", \"b\"]\nenumLabels = [\"A\", \"B\"]"),
            _ => format!("type = \"boolean\"\nname = \"flag{prop}\"\nrequired = true\ndefault = false\nenums = [false, true]\nenumLabels = [\"No\", \"Yes\"]"),
        };
        text.push_str(&format!("\n[[props]]\n{body}\n"));
    }
    text
}

fn load(lengths: &[u32]) -> SchemaSet {
    let files: Vec<_> = (0..KINDS)
        .map(|k| SourceFile::new(format!("Kind{k}.toml"), schema(k, lengths[k])))
        .collect();
    SchemaSet::from_files(&files, &SchemaOptions::default()).expect("valid schemas")
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() {
    let dialect = ving::sql::dialect(Backend::MySql);
    let before = vec![60u32; KINDS];
    let mut after = before.clone();
    for k in (0..KINDS).step_by(KINDS / 30) {
        after[k] = 120;
    }
    let (mut load_times, mut first, mut second) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5 {
        let dir = std::env::temp_dir().join(format!("ving-prepare-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let folder = Folder::new(&dir);
        let start = Instant::now();
        let set = load(&before);
        load_times.push(start.elapsed());
        let start = Instant::now();
        let prepared = migrate::prepare(
            &folder,
            &TableModel::from_schemas(&set),
            &Renames::default(),
            dialect,
            &PrepareOptions::default(),
        )
        .expect("first");
        first.push(start.elapsed());
        let Prepared::Migration { statements, .. } = prepared else {
            panic!("a first migration")
        };
        assert_eq!(statements.len(), KINDS, "one CREATE TABLE a kind");
        let set = load(&after);
        let start = Instant::now();
        let prepared = migrate::prepare(
            &folder,
            &TableModel::from_schemas(&set),
            &Renames::default(),
            dialect,
            &PrepareOptions::default(),
        )
        .expect("second");
        second.push(start.elapsed());
        let Prepared::Migration { statements, .. } = prepared else {
            panic!("a second migration")
        };
        assert_eq!(
            statements.len(),
            90,
            "three widened columns in each of 30 tables"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!("{KINDS} kinds × 15 columns (12 props + 3 base), MySQL dialect, median of 5:");
    println!(
        "  load + validate the schemas: {:.1} ms",
        median(load_times).as_secs_f64() * 1000.0
    );
    println!(
        "  --prepare, first migration:  {:.1} ms",
        median(first).as_secs_f64() * 1000.0
    );
    println!(
        "  --prepare after altering 30 tables: {:.1} ms",
        median(second).as_secs_f64() * 1000.0
    );
}
