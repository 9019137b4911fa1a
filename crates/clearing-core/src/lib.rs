//! Pure financial core.
#![cfg_attr(not(test), no_std)]
