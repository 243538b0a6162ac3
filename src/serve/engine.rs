//! The engine a server answers with, and its version ([`EngineBuilder::version`]: short content
//! hashes of the directory, the model and the rules), so two instances (or one before and after a
//! reload) can be told apart by the `Groupmatch-Engine` header.

use crate::engine::{Engine, EngineBuilder};
use crate::error::Result;
use crate::formats::Loaded;

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
    /// Builds the engine `builder` describes, reading its files again, and its version
    /// ([`EngineBuilder::version`]).
    pub fn load(builder: &EngineBuilder) -> Result<Loaded<Served>> {
        let version = builder.version()?;
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
