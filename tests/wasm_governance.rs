//! Governance on the deployable WASM with block time moving: the timelock as
//! the market registry's admin. A risk-lowering change applies at once by the
//! risk admin; a risk-raising one only through the timelock, after its delay
//! and before its expiry, within the parameter's step and interval; a
//! cancelled proposal never executes. Needs `scripts/build-wasm` first.
use alloy_primitives::{keccak256, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolConstructor};
use clearing_core::WAD;
use clearing_sim::{abi::*, System, ETH_PERP};
use stylus_runtime::read_wasm;

const MAX_OI: u8 = 5;
const TAKER_FEE: u8 = 4;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

#[test]
fn risk_raising_changes_wait_for_the_timelock() {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    let (admin, markets, guardian) = (s.admin, s.markets, s.guardian);
    let risk_admin = s.rt.new_account();
    // The timelock (delay 1 h, grace 14 days) takes over the registry's admin
    // role; the risk admin gets its role first.
    let mut init = stylus_runtime::constructor_selector().to_vec();
    init.extend(
        Timelock::constructorCall {
            admin,
            guardian,
            delay: HOUR,
            grace: clearing_core::governance::DEFAULT_TIMELOCK_GRACE,
        }
        .abi_encode(),
    );
    let tl =
        s.rt.deploy_with_init_data(admin, &read_wasm("timelock").unwrap(), init, U256::ZERO)
            .unwrap();
    let risk_role = keccak256("RISK_ADMIN_ROLE");
    for (role, who) in [(B256::ZERO, tl), (risk_role, risk_admin)] {
        s.admin_call(
            "grant",
            markets,
            &Markets::grantRoleCall { role, account: who },
        )
        .unwrap();
    }
    s.admin_call(
        "revoke",
        markets,
        &Markets::revokeRoleCall {
            role: B256::ZERO,
            account: admin,
        },
    )
    .unwrap();
    let cap = |s: &mut System| {
        let r =
            s.rt.view(admin, markets, &Markets::marketCall { market: ETH_PERP })
                .unwrap();
        r._5
    };
    assert_eq!(cap(&mut s), wad(10_000));
    let raise = |value: U256| {
        Bytes::from(
            Markets::configureMarketCall {
                market: ETH_PERP,
                code: MAX_OI,
                value,
            }
            .abi_encode(),
        )
    };
    // The former admin can no longer change anything directly.
    let err =
        s.rt.call(
            admin,
            markets,
            &Markets::configureMarketCall {
                market: ETH_PERP,
                code: MAX_OI,
                value: wad(20_000),
            },
            U256::ZERO,
        )
        .unwrap_err();
    assert!(err
        .decode::<Markets::AccessControlUnauthorizedAccount>()
        .is_some());
    // Lowering the cap lowers risk: the risk admin applies it at once.
    s.rt.call(
        risk_admin,
        markets,
        &Markets::configureMarketCall {
            market: ETH_PERP,
            code: MAX_OI,
            value: wad(8_000),
        },
        U256::ZERO,
    )
    .unwrap();
    assert_eq!(cap(&mut s), wad(8_000));
    // ... but may not raise risk: a lower taker fee (5 -> 4 bp) is refused.
    let err =
        s.rt.call(
            risk_admin,
            markets,
            &Markets::configureMarketCall {
                market: ETH_PERP,
                code: TAKER_FEE,
                value: WAD * U256::from(4) / U256::from(10_000),
            },
            U256::ZERO,
        )
        .unwrap_err();
    assert!(err
        .decode::<Markets::AccessControlUnauthorizedAccount>()
        .is_some());

    // Raising it goes through the timelock: queued, refused before its eta.
    let salt = B256::ZERO;
    let id =
        s.rt.call(
            admin,
            tl,
            &Timelock::queueCall {
                target: markets,
                data: raise(wad(12_000)),
                salt,
            },
            U256::ZERO,
        )
        .unwrap()
        ._0;
    let execute = |s: &mut System, data: Bytes, salt: B256| {
        s.rt.call(
            admin,
            tl,
            &Timelock::executeCall {
                target: markets,
                data,
                salt,
            },
            U256::ZERO,
        )
    };
    let queued_at = s.rt.block().timestamp;
    let err = execute(&mut s, raise(wad(12_000)), salt).unwrap_err();
    assert_eq!(
        err.decode::<Timelock::TooEarly>(),
        Some(Timelock::TooEarly {
            id,
            eta: queued_at + HOUR
        })
    );
    // After the delay the registry still refuses: the cap changed less than
    // a day ago (its interval), and the proposal stays queued.
    s.advance(HOUR).unwrap();
    let err = execute(&mut s, raise(wad(12_000)), salt).unwrap_err();
    assert!(
        err.decode::<Markets::ParameterChangedTooSoon>().is_some(),
        "{err}"
    );
    // A day after the last change it executes.
    s.advance(DAY).unwrap();
    execute(&mut s, raise(wad(12_000)), salt).unwrap();
    assert_eq!(cap(&mut s), wad(12_000));
    let err = execute(&mut s, raise(wad(12_000)), salt).unwrap_err();
    assert!(err.decode::<Timelock::AlreadyExecuted>().is_some());

    // A fee change beyond its step (5 -> 11 bp, the step is 5 bp) fails at
    // execution with the step error.
    let cut = Bytes::from(
        Markets::configureMarketCall {
            market: ETH_PERP,
            code: TAKER_FEE,
            value: WAD * U256::from(11) / U256::from(10_000),
        }
        .abi_encode(),
    );
    s.rt.call(
        admin,
        tl,
        &Timelock::queueCall {
            target: markets,
            data: cut.clone(),
            salt,
        },
        U256::ZERO,
    )
    .unwrap();
    s.advance(HOUR).unwrap();
    let err = execute(&mut s, cut, salt).unwrap_err();
    assert!(
        err.decode::<Markets::ParameterStepTooLarge>().is_some(),
        "{err}"
    );

    // A proposal the guardian cancels never executes.
    let data = raise(wad(13_000));
    let salt2 = B256::with_last_byte(2);
    let id2 =
        s.rt.call(
            admin,
            tl,
            &Timelock::queueCall {
                target: markets,
                data: data.clone(),
                salt: salt2,
            },
            U256::ZERO,
        )
        .unwrap()
        ._0;
    s.rt.call(guardian, tl, &Timelock::cancelCall { id: id2 }, U256::ZERO)
        .unwrap();
    s.advance(DAY + HOUR).unwrap();
    let err = execute(&mut s, data, salt2).unwrap_err();
    assert_eq!(
        err.decode::<Timelock::ProposalCancelled>(),
        Some(Timelock::ProposalCancelled { id: id2 })
    );

    // One not executed within its grace (14 days after the eta) expires.
    let data = raise(wad(14_000));
    let salt3 = B256::with_last_byte(3);
    s.rt.call(
        admin,
        tl,
        &Timelock::queueCall {
            target: markets,
            data: data.clone(),
            salt: salt3,
        },
        U256::ZERO,
    )
    .unwrap();
    s.advance(HOUR + 14 * DAY + 1).unwrap();
    let err = execute(&mut s, data, salt3).unwrap_err();
    assert!(err.decode::<Timelock::Expired>().is_some(), "{err}");
    assert_eq!(cap(&mut s), wad(12_000));
}
