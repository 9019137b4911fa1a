//! Keccak-256 through the Stylus host, standing in for crates.io's `tiny-keccak`.
//!
//! `openzeppelin-stylus` 0.3 enables alloy-primitives' `tiny-keccak` feature, and that feature
//! switches off `native-keccak` for the whole build (Cargo features are additive). Every storage
//! mapping slot and every EIP-712 digest then hashes inside WASM, about 175 gas a hash where the
//! host's `native_keccak256` costs about 14, and each contract carries the permutation's code.
//!
//! The workspace's `[patch.crates-io]` replaces `tiny-keccak` with this crate. It offers the
//! part of tiny-keccak's API its dependents use (alloy-primitives, alloy-sol-macro-expander,
//! motsu): [`Keccak::v256`] with the [`Hasher`] trait's `update` and `finalize`.
//! - In WASM (the contracts), `update` gathers the input and `finalize` makes one call to the
//!   host's `vm_hooks.native_keccak256`.
//! - Elsewhere (tests, tools, the node, proc-macros) it is the `sha3` crate's Keccak-256.
//!
//! The digest is the same either way: the tests below check both paths' algorithm against
//! known vectors, and every storage access of the WASM test suite goes through it.
#![cfg_attr(not(test), no_std)]

/// The incremental hashing interface of tiny-keccak.
pub trait Hasher {
    /// Absorbs `input`; may be called any number of times.
    fn update(&mut self, input: &[u8]);
    /// Writes the Keccak-256 digest into `output`: its first `output.len()` bytes (at most 32;
    /// callers pass 32).
    fn finalize(self, output: &mut [u8]);
}

#[cfg(target_arch = "wasm32")]
mod imp {
    extern crate alloc;
    use alloc::vec::Vec;

    #[link(wasm_import_module = "vm_hooks")]
    extern "C" {
        /// The host's Keccak-256: reads `len` bytes at `bytes`, writes 32 bytes at `output`.
        fn native_keccak256(bytes: *const u8, len: usize, output: *mut u8);
    }

    /// Keccak-256 state: the input gathered so far.
    #[derive(Clone, Default)]
    pub struct Keccak {
        input: Vec<u8>,
    }

    impl Keccak {
        pub(crate) fn new() -> Self {
            Self { input: Vec::new() }
        }

        pub(crate) fn absorb(&mut self, bytes: &[u8]) {
            self.input.extend_from_slice(bytes);
        }

        pub(crate) fn digest(self) -> [u8; 32] {
            let mut out = [0u8; 32];
            // SAFETY: the input pointer and length come from one Vec; the output is 32 bytes.
            unsafe { native_keccak256(self.input.as_ptr(), self.input.len(), out.as_mut_ptr()) };
            out
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use sha3_impl::{Digest, Keccak256};

    /// Keccak-256 state of the `sha3` crate.
    #[derive(Clone, Default)]
    pub struct Keccak {
        state: Keccak256,
    }

    impl Keccak {
        pub(crate) fn new() -> Self {
            Self {
                state: Keccak256::new(),
            }
        }

        pub(crate) fn absorb(&mut self, bytes: &[u8]) {
            self.state.update(bytes);
        }

        pub(crate) fn digest(self) -> [u8; 32] {
            self.state.finalize().into()
        }
    }
}

/// Keccak-256 hasher (only the 256-bit variant exists here).
#[derive(Clone, Default)]
pub struct Keccak {
    inner: imp::Keccak,
}

impl Keccak {
    /// A Keccak-256 hasher with nothing absorbed.
    #[must_use]
    pub fn v256() -> Self {
        Self {
            inner: imp::Keccak::new(),
        }
    }
}

impl core::fmt::Debug for Keccak {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Keccak").finish_non_exhaustive()
    }
}

impl Hasher for Keccak {
    fn update(&mut self, input: &[u8]) {
        self.inner.absorb(input);
    }

    fn finalize(self, output: &mut [u8]) {
        let digest = self.inner.digest();
        let n = output.len().min(32);
        output[..n].copy_from_slice(&digest[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::{Hasher, Keccak};

    fn hash(parts: &[&[u8]]) -> [u8; 32] {
        let mut k = Keccak::v256();
        for p in parts {
            k.update(p);
        }
        let mut out = [0u8; 32];
        k.finalize(&mut out);
        out
    }

    fn hex(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    #[test]
    fn empty_input_is_the_known_digest() {
        assert_eq!(
            hash(&[]),
            hex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
        );
    }

    #[test]
    fn transfer_signature_is_the_known_selector_hash() {
        // keccak256("transfer(address,uint256)") starts with the ERC-20 selector a9059cbb.
        assert_eq!(
            hash(&[b"transfer(address,uint256)"]),
            hex("a9059cbb2ab09eb219583f4a59a5d0623ade346d962bcd4e46b11da047c9049b")
        );
    }

    #[test]
    fn split_updates_equal_one_update() {
        let data: [u8; 300] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        let whole = hash(&[&data]);
        for cut in [0, 1, 135, 136, 137, 299, 300] {
            assert_eq!(hash(&[&data[..cut], &data[cut..]]), whole, "cut at {cut}");
        }
    }

    #[test]
    fn clone_continues_independently() {
        let mut a = Keccak::v256();
        a.update(b"ab");
        let mut b = a.clone();
        a.update(b"c");
        b.update(b"c");
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        a.finalize(&mut x);
        b.finalize(&mut y);
        assert_eq!(x, y);
        assert_eq!(x, hash(&[b"abc"]));
    }

    #[test]
    fn short_output_takes_the_digest_prefix() {
        let mut k = Keccak::v256();
        k.update(b"x");
        let mut out = [0u8; 4];
        k.finalize(&mut out);
        assert_eq!(out, hash(&[b"x"])[..4]);
    }
}
