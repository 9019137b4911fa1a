//! Hand-encoded ABI words, for contracts that call other contracts' views and raise their custom
//! errors without the generated interfaces and error enums (whose codecs cost kilobytes of a
//! contract's 24 KiB): a signature's selector at compile time, static words back to back,
//! selector-prefixed call and revert data, and an answer read by word. Every value these
//! contracts pass this way is static (no dynamic types), so each field is one 32-byte word.
#![no_std]
extern crate alloc;

use alloc::vec::Vec;
use alloy_primitives::{Address, U256};

/// The 4-byte selector of a Solidity signature (`"price(address)"`), at compile time.
#[must_use]
pub const fn selector(sig: &[u8]) -> [u8; 4] {
    let h = stylus_sdk::keccak_const::Keccak256::new()
        .update(sig)
        .finalize();
    [h[0], h[1], h[2], h[3]]
}

/// Words, ABI-encoded back to back (an event's data, or static arguments).
#[must_use]
#[inline]
pub fn encode(words: &[U256]) -> Vec<u8> {
    let mut v = Vec::with_capacity(32 * words.len());
    for w in words {
        v.extend_from_slice(&w.to_be_bytes::<32>());
    }
    v
}

/// `selector` followed by the static `words`: the call data of a function, or the revert data
/// of a custom error.
#[must_use]
#[inline]
pub fn with_selector(selector: [u8; 4], words: &[U256]) -> Vec<u8> {
    let mut v = selector.to_vec();
    v.extend_from_slice(&encode(words));
    v
}

/// An address as an ABI word.
#[must_use]
#[inline]
pub fn word_of(a: Address) -> U256 {
    a.into_word().into()
}

/// Word `i` of an answer, or `None` when the answer is shorter.
#[must_use]
#[inline]
pub fn word(out: &[u8], i: usize) -> Option<U256> {
    out.get(32 * i..32 * i + 32).map(U256::from_be_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_keccak_prefixes() {
        // ERC-20's, as every ABI tool gives them (alloy's keccak256 would need the Stylus host
        // in a native test build).
        assert_eq!(
            selector(b"transfer(address,uint256)"),
            [0xa9, 0x05, 0x9c, 0xbb]
        );
        assert_eq!(selector(b"balanceOf(address)"), [0x70, 0xa0, 0x82, 0x31]);
    }

    #[test]
    fn words_round_trip() {
        let a = Address::repeat_byte(0x11);
        let data = with_selector([1, 2, 3, 4], &[word_of(a), U256::from(7u8)]);
        assert_eq!(data.len(), 68);
        assert_eq!(&data[..4], &[1, 2, 3, 4]);
        assert_eq!(word(&data[4..], 0), Some(word_of(a)));
        assert_eq!(word(&data[4..], 1), Some(U256::from(7u8)));
        assert_eq!(word(&data[4..], 2), None);
        assert_eq!(Address::from_word(word_of(a).into()), a);
        assert!(encode(&[]).is_empty());
    }
}
