//! Batched evaluation: many candidate solutions of one instance at once, over threads.
//! Each evaluator checks every candidate and names the first bad row; it never repairs one.

pub mod single_machine;
