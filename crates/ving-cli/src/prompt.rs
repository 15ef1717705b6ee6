//! The questions `--prepare` asks on a terminal: renames, values for new required
//! columns, and whether to write a migration rows would break. Each reads its answers
//! from a reader and writes its prompt to a writer, so tests answer them.

use std::io::Write;
use std::path::Path;

use ving::schema;

use crate::Failure;

/// Asks, on a terminal, which of the `new` tables (or columns of `table`) were renamed
/// from which of the `gone` ones, as drizzle-kit does; what is not renamed is created, and
/// what is gone and not renamed is dropped. An answer that is not one of the choices asks
/// again; the end of the input stops (nothing is written).
pub(crate) fn ask_renames(
    renames: &mut ving::migrate::Renames,
    table: Option<String>,
    (gone, new): (&[String], &[String]),
    input: &mut dyn std::io::BufRead,
    prompt: &mut dyn Write,
) -> Result<(), Failure> {
    let what = table
        .as_ref()
        .map_or_else(|| "table".to_owned(), |t| format!("column of {t}"));
    let mut left: Vec<&String> = gone.iter().collect();
    for name in new {
        if left.is_empty() {
            break;
        }
        let choices: Vec<&str> = left.iter().map(|s| s.as_str()).collect();
        let position = loop {
            let _ = write!(
                prompt,
                "{what} {name} is new. Was it renamed from one of: {}? Type the old name, or press Enter to create it: ",
                choices.join(", ")
            );
            let _ = prompt.flush();
            let mut answer = String::new();
            let read = input
                .read_line(&mut answer)
                .map_err(|e| Failure::Other(format!("cannot read the answer: {e}")))?;
            if read == 0 {
                let _ = writeln!(prompt);
                return Err(Failure::Other(format!(
                    "no answer for {what} {name} (end of input): stopped, nothing written"
                )));
            }
            let answer = answer.trim();
            if answer.is_empty() {
                break None;
            }
            match left.iter().position(|g| g.as_str() == answer) {
                Some(position) => break Some(position),
                None => {
                    let _ = writeln!(
                        prompt,
                        "{answer} is not one of {}; try again",
                        choices.join(", ")
                    );
                }
            }
        };
        let Some(position) = position else {
            continue;
        };
        let old = left.remove(position).clone();
        match &table {
            None => renames.tables.insert(name.clone(), old),
            Some(t) => renames.columns.insert((t.clone(), name.clone()), old),
        };
    }
    for dropped in left {
        let _ = writeln!(prompt, "{what} {dropped} will be dropped");
    }
    renames.accepted.insert(table);
    Ok(())
}

/// An answer to the fill question.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FillAnswer {
    /// The value existing rows get.
    Value(String),
    /// Make the prop optional instead.
    Optional,
}

/// Asks, on a terminal, for the value rows already in `table` get in `column`, a new
/// required column without a default — or, when `optional` names the schema file of a
/// prop whose column is nullable when optional, whether to make it optional there.
/// `reason` says why before asking; an empty answer or the end of the input stops
/// (nothing is written) and repeats `message`, which says what else can be done.
pub(crate) fn ask_fill(
    (table, column): (&str, &str),
    (reason, message): (&str, &str),
    optional: Option<&Path>,
    input: &mut dyn std::io::BufRead,
    prompt: &mut dyn Write,
) -> Result<FillAnswer, Failure> {
    let or_optional = optional.map_or_else(String::new, |file| {
        format!(
            ", or `optional` to make the prop optional instead (required = false in {})",
            file.display()
        )
    });
    let _ = write!(
        prompt,
        "{reason}\nValue for the rows already in {table}{or_optional} (Enter to stop, nothing written): "
    );
    let _ = prompt.flush();
    let mut answer = String::new();
    let read = input
        .read_line(&mut answer)
        .map_err(|e| Failure::Other(format!("cannot read the answer: {e}")))?;
    let answer = answer.trim_end_matches(['\n', '\r']);
    if read == 0 || answer.is_empty() {
        if read == 0 {
            let _ = writeln!(prompt);
        }
        return Err(Failure::Other(format!(
            "no value for {table}.{column}: stopped, nothing written. {message}"
        )));
    }
    if optional.is_some() && answer.trim() == "optional" {
        return Ok(FillAnswer::Optional);
    }
    Ok(FillAnswer::Value(answer.to_owned()))
}

/// Rewrites `required = true` of `prop` as `false` in its schema file, leaving every
/// other byte as it is.
pub(crate) fn make_optional(prop: &schema::Prop) -> Result<(), Failure> {
    let file = prop.origin.file();
    let path = file.path();
    let span = prop
        .origin
        .attribute_span("required")
        .filter(|span| file.text().get(span.clone()) == Some("true"))
        .ok_or_else(|| {
            Failure::Other(format!(
                "{}: cannot find `required = true` of prop {} to change",
                path.display(),
                prop.name
            ))
        })?;
    let mut text = file.text().to_owned();
    text.replace_range(span, "false");
    ving::files::write_whole(path, text)
        .map_err(|e| Failure::Other(format!("{}: cannot write: {e}", path.display())))
}

/// Asks, on a terminal, whether to write a migration that `--up` cannot apply until
/// rows change; only yes writes it.
pub(crate) fn ask_write_anyway(
    problem: &str,
    input: &mut dyn std::io::BufRead,
    prompt: &mut dyn Write,
) -> Result<(), Failure> {
    let _ = write!(
        prompt,
        "{problem}. --up will fail until they change. Write the migration anyway? [y/N] "
    );
    let _ = prompt.flush();
    let mut answer = String::new();
    input
        .read_line(&mut answer)
        .map_err(|e| Failure::Other(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(Failure::Other(format!(
            "{problem}: stopped, nothing written"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ving::schema::SchemaSet;

    fn ask(answers: &str) -> (Result<ving::migrate::Renames, String>, String) {
        let mut renames = ving::migrate::Renames::default();
        let mut prompt = Vec::new();
        let result = ask_renames(
            &mut renames,
            Some("widgets".into()),
            (&["note".into(), "memo".into()], &["remark".into()]),
            &mut answers.as_bytes(),
            &mut prompt,
        );
        (
            result.map(|()| renames).map_err(|e| e.to_string()),
            String::from_utf8(prompt).expect("utf8"),
        )
    }

    /// Rows holding a removed enum value: on a terminal only "y" writes the migration.
    #[test]
    fn only_yes_writes_a_migration_that_rows_would_break() {
        let problem = "2 rows of users hold useAsDisplayName = \"email\"";
        for answer in ["y\n", "yes\n"] {
            ask_write_anyway(problem, &mut answer.as_bytes(), &mut Vec::new()).expect("yes");
        }
        for answer in ["\n", "n\n", ""] {
            let error =
                ask_write_anyway(problem, &mut answer.as_bytes(), &mut Vec::new()).expect_err("no");
            assert_eq!(
                error.to_string(),
                format!("error: {problem}: stopped, nothing written")
            );
        }
    }

    /// The fill question: an answer is the value; Enter or the end of input stops.
    #[test]
    fn the_fill_question_takes_a_value_or_stops() {
        let mut prompt = Vec::new();
        let target = ("widgets", "notes");
        let question = (
            "prop Widget.props.notes is new (…)",
            "prop Widget.props.notes is new (…) Give them one: run again with --fill (…)",
        );
        let value = ask_fill(target, question, None, &mut "n/a\n".as_bytes(), &mut prompt);
        assert_eq!(value.expect("a value"), FillAnswer::Value("n/a".into()));
        let prompt = String::from_utf8(prompt).expect("utf8");
        assert!(
            prompt.starts_with(
                "prop Widget.props.notes is new (…)\nValue for the rows already in widgets"
            ) && !prompt.contains("run again"),
            "the prompt asks, it does not say to run again: {prompt}"
        );
        for answer in ["\n", ""] {
            let error = ask_fill(
                target,
                question,
                None,
                &mut answer.as_bytes(),
                &mut Vec::new(),
            )
            .expect_err("stops");
            assert_eq!(
                error.to_string(),
                "error: no value for widgets.notes: stopped, nothing written. prop Widget.props.notes is new (…) Give them one: run again with --fill (…)"
            );
        }
    }

    /// A relation can be made optional instead: `optional` says so, and its schema file
    /// gets `required = false`, every other byte kept.
    #[test]
    fn the_fill_question_can_make_a_relation_optional() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("Widget.toml");
        let text = "kind = \"Widget\"\ntableName = \"widgets\"\nowner = [\"admin\"]\n\n[[props]]\ntype = \"id\"\nname = \"parentId\"\nrequired  =  true # keep me\n[props.relation]\ntype = \"parent\"\nname = \"parent\"\nkind = \"Widget\"\n";
        std::fs::write(&path, text).expect("write");
        let mut prompt = Vec::new();
        let answer = ask_fill(
            ("widgets", "parentId"),
            ("reason", "message"),
            Some(&path),
            &mut "optional\n".as_bytes(),
            &mut prompt,
        );
        assert_eq!(answer.expect("answer"), FillAnswer::Optional);
        assert!(String::from_utf8(prompt)
            .expect("utf8")
            .contains("or `optional` to make the prop optional instead (required = false in "));
        let set = SchemaSet::load(dir.path(), &schema::SchemaOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let prop = set
            .get("Widget")
            .and_then(|s| s.column_prop("parentId"))
            .expect("prop");
        make_optional(prop).expect("edited");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            text.replace(
                "required  =  true # keep me",
                "required  =  false # keep me"
            )
        );
    }

    /// The end of the input is no answer: it stops, it does not mean "create".
    #[test]
    fn end_of_input_at_the_rename_prompt_aborts() {
        let (result, prompt) = ask("");
        let error = result.expect_err("end of input");
        assert!(
            error.contains("no answer for column of widgets remark (end of input)")
                && error.contains("nothing written"),
            "{error}"
        );
        assert!(!prompt.contains("will be dropped"), "{prompt}");
    }

    /// A typo asks again; the answer after it counts.
    #[test]
    fn a_typo_at_the_rename_prompt_asks_again() {
        let (result, prompt) = ask("nite\nnote\n");
        let renames = result.expect("renamed");
        assert_eq!(
            renames
                .columns
                .get(&("widgets".to_owned(), "remark".to_owned())),
            Some(&"note".to_owned())
        );
        assert!(
            prompt.contains("nite is not one of note, memo; try again"),
            "{prompt}"
        );
        assert_eq!(prompt.matches("Was it renamed").count(), 2, "{prompt}");
        assert!(
            prompt.contains("column of widgets memo will be dropped"),
            "{prompt}"
        );
        // Enter still means "create".
        let (result, prompt) = ask("\n");
        assert!(result.expect("created").columns.is_empty());
        assert!(prompt.contains("note will be dropped"), "{prompt}");
    }
}
