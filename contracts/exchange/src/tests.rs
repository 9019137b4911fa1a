//! Exchange unit tests (no other contract deployed).
use super::*;
