//! `ving id`: ids to ving's id strings and back.

use super::*;

/// `ving id`: as ving's command, `42 becomes vDKaLb1` and `vDKaLb1 back to 42`.
pub(crate) fn id_command(
    project: &Path,
    args: &IdArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    existing_folder(project)?;
    let key = Config::load(project)?
        .skipjack_key()
        .map_err(|e| Failure::Other(e.to_string()))?;
    let ids = ving::id::IdCodec::new(key);
    let line = match (args.stringify, &args.int) {
        (Some(id), _) => {
            let text = ids
                .stringify(args.kind.as_deref().unwrap_or(""), id)
                .map_err(|e| Failure::Other(e.to_string()))?;
            format!("{id} becomes {text}\n")
        }
        (None, Some(text)) => {
            let id = ids.parse(text).map_err(|e| Failure::Other(e.to_string()))?;
            format!("{text} back to {id}\n")
        }
        (None, None) => return Err(Failure::Other("give -s ID or -i STRING".into())),
    };
    write_out(out, &line)
}
