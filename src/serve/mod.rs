//! `groupmatch serve`: the staff page, until the server core (on branch `serve`) is merged here
//! and mounts it.

#[allow(dead_code)] // mounted by the server core's router once it is merged
mod page;
