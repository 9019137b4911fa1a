//! Sub-account ids.
//!
//! A sub-account is `(owner, index)`, encoded as one `bytes32`: the owner address in bytes 0..20
//! (the high 20 bytes of the big-endian word), zeros in bytes 20..31, and the index in byte 31
//! (the lowest byte). Index 0 of an owner is therefore `bytes32(uint256(uint160(owner)) << 96)`.

use crate::CoreError;
use alloy_primitives::{Address, B256};

/// Encodes `(owner, index)` as a sub-account id.
#[must_use]
pub fn encode(owner: Address, index: u8) -> B256 {
    let mut id = [0u8; 32];
    id[..20].copy_from_slice(owner.as_slice());
    id[31] = index;
    B256::new(id)
}

/// Decodes a sub-account id into `(owner, index)`.
///
/// # Errors
/// [`CoreError::InvalidAccountId`] if any of the reserved bytes 20..31 is not zero.
pub fn decode(id: B256) -> Result<(Address, u8), CoreError> {
    if id[20..31].iter().any(|&b| b != 0) {
        return Err(CoreError::InvalidAccountId);
    }
    Ok((Address::from_slice(&id[..20]), id[31]))
}

/// The owner of a sub-account id.
///
/// # Errors
/// [`CoreError::InvalidAccountId`] if the id is malformed (see [`decode`]).
pub fn owner(id: B256) -> Result<Address, CoreError> {
    decode(id).map(|(owner, _)| owner)
}

/// The index of a sub-account id.
///
/// # Errors
/// [`CoreError::InvalidAccountId`] if the id is malformed (see [`decode`]).
pub fn index(id: B256) -> Result<u8, CoreError> {
    decode(id).map(|(_, index)| index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256};
    use proptest::prelude::*;

    #[test]
    fn layout() {
        let owner = address!("00112233445566778899aabbccddeeff00112233");
        let id = encode(owner, 7);
        assert_eq!(
            id,
            b256!("00112233445566778899aabbccddeeff00112233000000000000000000000007")
        );
        assert_eq!(decode(id), Ok((owner, 7)));
        assert_eq!(super::owner(id), Ok(owner));
        assert_eq!(index(id), Ok(7));
        let bad = b256!("00112233445566778899aabbccddeeff00112233000000000000000000010007");
        assert_eq!(decode(bad), Err(CoreError::InvalidAccountId));
        assert_eq!(super::owner(bad), Err(CoreError::InvalidAccountId));
        assert_eq!(index(bad), Err(CoreError::InvalidAccountId));
    }

    proptest! {
        #[test]
        fn round_trip(owner in any::<[u8; 20]>(), index in any::<u8>()) {
            let owner = Address::new(owner);
            prop_assert_eq!(decode(encode(owner, index)), Ok((owner, index)));
        }

        #[test]
        fn reserved_bytes_rejected(raw in any::<[u8; 32]>()) {
            let id = B256::new(raw);
            let valid = raw[20..31].iter().all(|&b| b == 0);
            prop_assert_eq!(decode(id).is_ok(), valid);
            if let Ok((o, i)) = decode(id) {
                prop_assert_eq!(encode(o, i), id);
            }
        }
    }
}
