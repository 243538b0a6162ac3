//! Batch matching of waitlists to groups with limited seats.

pub mod flow;
