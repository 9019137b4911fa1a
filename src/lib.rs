//! The workspace's root package. It holds no code of its own: its `tests/`
//! folder has the cross-contract tests that run the real contracts together
//! on motsu.
