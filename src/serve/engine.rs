//! The engine a server answers with, and its version: short content hashes of the directory,
//! the model and the rules, so two instances (or one before and after a reload) can be told
//! apart by the `Groupmatch-Engine` header.

use sha2::{Digest, Sha256};

use crate::engine::{Engine, EngineBuilder, Source};
use crate::error::Result;
use crate::formats::{read_bytes, Loaded};
use crate::limits::{MAX_DATA_FILE_BYTES, MAX_DOCUMENT_FILE_BYTES, MAX_RULES_FILE_BYTES};

/// An engine with its version.
#[derive(Debug)]
pub struct Served {
    /// The engine.
    pub engine: Engine,
    /// `d<8 hex>-m<8 hex>-r<8 hex>`: the first 32 bits of the SHA-256 of the directory, the
    /// model and the rules as read (the embedded ones' text when no file is given).
    pub version: String,
}

impl Served {
    /// Builds the engine `builder` describes, reading its files again, and its version. Each
    /// file is hashed as read just before the build reads it: a file replaced between the two
    /// reads gives a version that is one reload behind (the next reload corrects it).
    pub fn load(builder: &EngineBuilder) -> Result<Loaded<Served>> {
        let sources = builder.sources();
        let version = format!(
            "d{}-m{}-r{}",
            part_hash(sources.groups, crate::EMBEDDED_GROUPS, MAX_DATA_FILE_BYTES)?,
            part_hash(
                sources.model,
                crate::engagement::model::EMBEDDED_MODEL,
                MAX_DOCUMENT_FILE_BYTES
            )?,
            part_hash(
                sources.rules,
                crate::rules::DEFAULT_RULES,
                MAX_RULES_FILE_BYTES
            )?,
        );
        let Loaded { value, warnings } = builder.clone().build()?;
        Ok(Loaded {
            value: Served {
                engine: value,
                version,
            },
            warnings,
        })
    }
}

/// The short hash of one part: its file's bytes, the embedded text, or a value's debug form.
fn part_hash<T: std::fmt::Debug>(
    source: Option<&Source<T>>,
    embedded: &str,
    max: u64,
) -> Result<String> {
    let digest = match source {
        None => Sha256::digest(embedded.as_bytes()),
        Some(Source::File(path)) => Sha256::digest(read_bytes(path, max)?),
        Some(Source::Value(value)) => Sha256::digest(format!("{value:?}").as_bytes()),
    };
    Ok(super::tokens::hex(&digest[..4]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_changes_with_a_file_and_only_its_part() {
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules.toml");
        std::fs::write(&rules, crate::rules::DEFAULT_RULES).unwrap();
        let builder = EngineBuilder::new().rules_file(&rules);
        let embedded = Served::load(&EngineBuilder::new()).unwrap().value.version;
        let same = Served::load(&builder).unwrap().value.version;
        assert_eq!(same, embedded, "the same text, the same version");
        std::fs::write(
            &rules,
            format!("{}\n# edited\n", crate::rules::DEFAULT_RULES),
        )
        .unwrap();
        let edited = Served::load(&builder).unwrap().value.version;
        assert_ne!(edited, embedded);
        assert_eq!(edited[..19], embedded[..19], "{edited} {embedded}");
    }
}
