//! A malicious token on the deployable WASM: its `transferFrom` calls back
//! into the vault during a deposit. Stylus refuses re-entry into the vault,
//! which is on the call stack, so the deposit reverts and nothing is
//! credited. Needs `scripts/build-wasm` first.
use alloy_primitives::U256;
use alloy_sol_types::{sol, SolConstructor};
use clearing_core::WAD;
use clearing_sim::{abi::*, System, Trader};
use stylus_runtime::read_wasm;

sol! {
    #[derive(Debug, PartialEq, Eq)]
    contract Evil {
        constructor(address vault);
        function mint(address to, uint256 amount) external;
        function balanceOf(address account) external view returns (uint256);
        error CallbackFailed(address vault, bytes reason);
    }
    #[derive(Debug, PartialEq, Eq)]
    contract VaultErrors {
        error TransferFailed(address asset);
    }
}

#[test]
fn a_token_calling_back_into_the_vault_cannot_deposit() {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    let (admin, vault) = (s.admin, s.vault);
    let mut init = stylus_runtime::constructor_selector().to_vec();
    init.extend(Evil::constructorCall { vault }.abi_encode());
    let evil =
        s.rt.deploy_with_init_data(
            admin,
            &read_wasm("mock-reentrant-token").unwrap(),
            init,
            U256::ZERO,
        )
        .unwrap();
    // Governance lists it (custody only; it has no price, so it is not
    // collateral).
    s.admin_call(
        "list evil",
        vault,
        &Vault::listAssetCall {
            asset: evil,
            decimals: 18,
            depositCap: U256::from(1_000_000u64) * WAD,
            depositEnabled: true,
            collateralEnabled: false,
        },
    )
    .unwrap();
    let mallory = Trader::from_seed("mallory");
    s.rt.call(
        mallory.address,
        evil,
        &Evil::mintCall {
            to: mallory.address,
            amount: WAD,
        },
        U256::ZERO,
    )
    .unwrap();
    let err =
        s.rt.call(
            mallory.address,
            vault,
            &Vault::depositCall {
                subaccount: 0,
                asset: evil,
                amount: WAD,
            },
            U256::ZERO,
        )
        .unwrap_err();
    // The vault reports the failed pull; the inner re-entry never ran.
    assert_eq!(
        err.decode::<VaultErrors::TransferFailed>(),
        Some(VaultErrors::TransferFailed { asset: evil })
    );
    // The runtime saw the vault entered a second time, flagged re-entrant,
    // and that frame failed.
    let receipt = s.rt.last_receipt().unwrap();
    let reentry = receipt
        .frames
        .iter()
        .find(|f| f.address == vault && f.depth > 0)
        .expect("the token called back into the vault");
    assert!(reentry.reentrant);
    assert!(!matches!(reentry.outcome, stylus_runtime::Outcome::Success));
    // Nothing moved.
    let held =
        s.rt.view(
            admin,
            vault,
            &Vault::balanceOfCall {
                account: mallory.account(0),
                asset: evil,
            },
        )
        .unwrap()
        ._0;
    assert_eq!(held, U256::ZERO);
    let tokens =
        s.rt.view(
            admin,
            evil,
            &Evil::balanceOfCall {
                account: mallory.address,
            },
        )
        .unwrap()
        ._0;
    assert_eq!(tokens, WAD);
}
