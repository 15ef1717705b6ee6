//! Whole-process `ving drizzle --prepare` beside `drizzle-kit generate`, on the same
//! structure: 300 kinds × 15 columns (12 props + `id`, `createdAt`, `updatedAt`; the shape
//! of `cargo bench -p ving --bench prepare`), MySQL dialect, each tool starting from an
//! empty migrations folder. ving reads 300 schema files (TOML); drizzle-kit reads 300
//! TypeScript table files written for the same tables (one a kind, as an app keeps them).
//! Before timing, ving continues drizzle-kit's folder and must find nothing to do: the two
//! tools describe the same tables.
//!
//! Run with `cargo bench -p ving-cli --bench prepare_vs_drizzle_kit` (the `ving` binary is
//! then a release build). The tools alternate, which goes first alternating too, for
//! `VING_BENCH_ROUNDS` rounds (default 7) after one warm-up run each; the medians and their
//! ratio are printed. Needs node and the packages of `crates/ving/tests/interop` (`npm ci`
//! there); without them it says it is skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const KINDS: usize = 300;

/// The prepare benchmark's schema of kind `kind` (12 props: text, int, enum, boolean).
fn ving_schema(kind: usize) -> String {
    let mut text =
        format!("kind = \"Kind{kind}\"\ntableName = \"kind{kind}s\"\nowner = [\"admin\"]\n");
    for prop in 0..12 {
        let body = match prop % 4 {
            0 => format!("type = \"string\"\nname = \"text{prop}\"\nrequired = true\nlength = 60\ndefault = \"\""),
            1 => format!("type = \"int\"\nname = \"number{prop}\"\nrequired = true\ndefault = 0"),
            2 => format!("type = \"enum\"\nname = \"state{prop}\"\nrequired = true\ndefault = \"a\"\nenums = [\"a\", \"b\"]\nenumLabels = [\"A\", \"B\"]"),
            _ => format!("type = \"boolean\"\nname = \"flag{prop}\"\nrequired = true\ndefault = false\nenums = [false, true]\nenumLabels = [\"No\", \"Yes\"]"),
        };
        text.push_str(&format!("\n[[props]]\n{body}\n"));
    }
    text
}

/// The same table as drizzle-orm TypeScript, column by column as ving makes it.
fn drizzle_table(kind: usize) -> String {
    let mut text = String::from(
        "import { mysqlTable, bigint, timestamp, varchar, int, mysqlEnum, boolean } from 'drizzle-orm/mysql-core';\n\n",
    );
    text.push_str(&format!(
        "export const kind{kind}s = mysqlTable('kind{kind}s', {{\n"
    ));
    text.push_str("  id: bigint('id', { mode: 'number', unsigned: true }).notNull().autoincrement().primaryKey(),\n");
    text.push_str("  createdAt: timestamp('createdAt').defaultNow().notNull(),\n");
    text.push_str("  updatedAt: timestamp('updatedAt').defaultNow().notNull().onUpdateNow(),\n");
    for prop in 0..12 {
        let column = match prop % 4 {
            0 => {
                format!("text{prop}: varchar('text{prop}', {{ length: 60 }}).notNull().default('')")
            }
            1 => format!("number{prop}: int('number{prop}').notNull().default(0)"),
            2 => {
                format!("state{prop}: mysqlEnum('state{prop}', ['a', 'b']).notNull().default('a')")
            }
            _ => format!("flag{prop}: boolean('flag{prop}').notNull().default(false)"),
        };
        text.push_str(&format!("  {column},\n"));
    }
    text.push_str("});\n");
    text
}

fn interop_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ving/tests/interop")
}

fn show(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `command` once from an empty migrations folder; the whole process's time.
fn timed(command: &mut Command, migrations: &Path, what: &str) -> Duration {
    let _ = std::fs::remove_dir_all(migrations);
    let start = Instant::now();
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    let elapsed = start.elapsed();
    assert!(output.status.success(), "{what} failed:\n{}", show(&output));
    elapsed
}

/// How many `CREATE TABLE` the migrations (not the down files) in `dir` hold.
fn created_tables(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .expect("migrations folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| {
            let name = path.to_string_lossy();
            name.ends_with(".sql") && !name.ends_with(".down.sql")
        })
        .map(|path| {
            std::fs::read_to_string(path)
                .expect("migration")
                .matches("CREATE TABLE")
                .count()
        })
        .sum()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[cfg(unix)]
fn link_dir(original: &Path, link: &Path) {
    std::os::unix::fs::symlink(original, link).expect("link node_modules");
}

#[cfg(windows)]
fn link_dir(original: &Path, link: &Path) {
    std::os::windows::fs::symlink_dir(original, link).expect("link node_modules");
}

const MYSQL: &str = "[database]\nurl = \"mysql://root@127.0.0.1:3306/bench\"\n";

/// Both tools' times on `kinds` kinds, alternating, after a warm-up run each that checks
/// they describe the same tables.
fn measure(kit: &Path, work: &Path, kinds: usize, rounds: usize) -> (Vec<Duration>, Vec<Duration>) {
    let ving = env!("CARGO_BIN_EXE_ving");
    // The ving app: one schema file a kind, a MySQL URL (`--prepare` does not connect).
    let app = work.join(format!("ving-app-{kinds}"));
    let schemas = app.join("ving/schema/schemas");
    std::fs::create_dir_all(&schemas).expect("mkdir");
    std::fs::write(app.join("ving.toml"), MYSQL).expect("ving.toml");
    for kind in 0..kinds {
        std::fs::write(schemas.join(format!("Kind{kind}.toml")), ving_schema(kind))
            .expect("schema");
    }
    let ving_migrations = app.join("ving/drizzle/migrations");

    // The drizzle-kit app: one table file a kind, the interop packages linked in.
    let kit_app = work.join(format!("kit-app-{kinds}"));
    let tables = kit_app.join("src/schema");
    std::fs::create_dir_all(&tables).expect("mkdir");
    std::fs::write(
        kit_app.join("drizzle.config.ts"),
        "export default { dialect: 'mysql', schema: './src/schema/*.ts', out: './migrations' };\n",
    )
    .expect("config");
    for kind in 0..kinds {
        std::fs::write(tables.join(format!("kind{kind}.ts")), drizzle_table(kind))
            .expect("table file");
    }
    link_dir(
        &interop_dir().join("node_modules"),
        &kit_app.join("node_modules"),
    );
    let kit_migrations = kit_app.join("migrations");
    let mut kit_command = Command::new(kit);
    kit_command
        .args(["generate", "--config", "drizzle.config.ts"])
        .current_dir(&kit_app);
    let mut ving_command = Command::new(ving);
    ving_command
        .arg("-C")
        .arg(&app)
        .args(["drizzle", "--prepare"])
        .env_remove("VING_DATABASE_URL")
        .env_remove("VING_MYSQL");

    // Warm-up, and the check that both describe the same tables: ving, pointed at
    // drizzle-kit's folder, has nothing to do.
    timed(
        &mut ving_command,
        &ving_migrations,
        "ving drizzle --prepare",
    );
    assert_eq!(created_tables(&ving_migrations), kinds, "ving's migration");
    timed(&mut kit_command, &kit_migrations, "drizzle-kit generate");
    assert_eq!(
        created_tables(&kit_migrations),
        kinds,
        "drizzle-kit's migration"
    );
    std::fs::write(
        app.join("ving.toml"),
        format!(
            "{MYSQL}[paths]\nmigrations = {:?}\n",
            kit_migrations.display().to_string()
        ),
    )
    .expect("ving.toml");
    let output = Command::new(ving)
        .arg("-C")
        .arg(&app)
        .args(["drizzle", "--prepare", "--dry-run"])
        .env_remove("VING_DATABASE_URL")
        .env_remove("VING_MYSQL")
        .output()
        .expect("ving on drizzle-kit's folder");
    assert!(
        output.status.success() && show(&output).starts_with("nothing to do"),
        "ving reads drizzle-kit's migration as a different structure:\n{}",
        show(&output)
    );
    std::fs::write(app.join("ving.toml"), MYSQL).expect("ving.toml");

    let (mut ving_times, mut kit_times) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            ving_times.push(timed(&mut ving_command, &ving_migrations, "ving"));
            kit_times.push(timed(&mut kit_command, &kit_migrations, "drizzle-kit"));
        } else {
            kit_times.push(timed(&mut kit_command, &kit_migrations, "drizzle-kit"));
            ving_times.push(timed(&mut ving_command, &ving_migrations, "ving"));
        }
    }
    (ving_times, kit_times)
}

fn report(what: &str, times: &[Duration]) {
    println!(
        "  {what:<24}{:8.1} ms  (min {:.1}, max {:.1})",
        ms(median(times.to_vec())),
        ms(*times.iter().min().expect("a round")),
        ms(*times.iter().max().expect("a round"))
    );
}

fn main() {
    let kit = interop_dir().join("node_modules/.bin/drizzle-kit");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node || !kit.exists() {
        println!(
            "SKIPPED prepare_vs_drizzle_kit: needs node and `npm ci` in crates/ving/tests/interop"
        );
        return;
    }
    let rounds: usize = std::env::var("VING_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7)
        .max(1);
    let work = tempfile::tempdir().expect("temp dir");
    let (ving_times, kit_times) = measure(&kit, work.path(), KINDS, rounds);
    println!(
        "{KINDS} kinds × 15 columns, MySQL, from an empty migrations folder, whole process, \
         median of {rounds} alternating rounds:"
    );
    report("ving drizzle --prepare:", &ving_times);
    report("drizzle-kit generate:", &kit_times);
    println!(
        "  ving is {:.1}x faster (drizzle-kit's median / ving's)",
        median(kit_times).as_secs_f64() / median(ving_times).as_secs_f64()
    );
    // For scale: each tool's fixed cost (one kind), and ving's start-up alone.
    let (ving_one, kit_one) = measure(&kit, work.path(), 1, rounds);
    let mut idle = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_ving"))
            .arg("--version")
            .output()
            .expect("ving");
        idle.push(start.elapsed());
        assert!(output.status.success());
    }
    println!("the same with 1 kind (each tool's fixed cost):");
    report("ving drizzle --prepare:", &ving_one);
    report("drizzle-kit generate:", &kit_one);
    report("ving --version:", &idle);
}
