//! Issue 13, defect 3 on the deployable WASM: the liquidation rate limit is a
//! sliding window. Before the fix it was a fixed window that restarted at the
//! first liquidation a window after its start: with a 4 ETH limit per hour,
//! 0.1 ETH at t0, 3.9 ETH at t0 + 3599 s and 4 ETH at t0 + 3600 s all passed
//! (7.9 ETH within one second). Now every liquidation counts for at least a
//! whole window (and at most a tenth of a window more), so the last one is
//! refused. Needs `scripts/build-wasm` first.
use alloy_primitives::{keccak256, Address, U256};
use alloy_sol_types::sol;
use clearing_core::WAD;
use clearing_sim::{abi::Breaker, System};

sol! {
    #[derive(Debug, PartialEq, Eq)]
    contract Gate {
        function checkLiquidation(address asset, uint256 notional, uint256 openInterestNotional, bool deeplyUnhealthy) external;
        function rateWindow() external view returns (uint64, uint256);
    }
}

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn check(s: &mut System, keeper: Address, notional: U256) -> Result<(), stylus_runtime::CallError> {
    let (breaker, weth) = (s.breaker, s.weth);
    s.rt.call(
        keeper,
        breaker,
        &Gate::checkLiquidationCall {
            asset: weth,
            notional,
            // 20 ETH of open interest at 3000: the default 20 % is 4 ETH,
            // 12,000 quote.
            openInterestNotional: wad(60_000),
            deeplyUnhealthy: false,
        },
        U256::ZERO,
    )
    .map(drop)
}

#[test]
fn the_liquidation_rate_limit_slides() {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    // A keeper-side contract would hold this role (the Liquidator and the
    // Backstop do); the test calls the breaker directly.
    let keeper = s.rt.new_account();
    let breaker = s.breaker;
    s.admin_call(
        "grant liquidator role",
        breaker,
        &Breaker::grantRoleCall {
            role: keccak256("LIQUIDATOR_ROLE"),
            account: keeper,
        },
    )
    .unwrap();

    // 0.1 ETH (300 quote) at t0, 3.9 ETH (11,700) at t0 + 3599 s: 4 ETH in
    // the hour, exactly the limit.
    check(&mut s, keeper, wad(300)).unwrap();
    s.advance(3_599).unwrap();
    check(&mut s, keeper, wad(11_700)).unwrap();
    // 4 ETH more at t0 + 3600 s: refused, the hour behind it already holds
    // 4 ETH (the fixed window had restarted here and let it through).
    s.advance(1).unwrap();
    let err = check(&mut s, keeper, wad(12_000)).unwrap_err();
    assert_eq!(
        err.decode::<Breaker::LiquidationRateLimited>(),
        Some(Breaker::LiquidationRateLimited {
            windowTotal: wad(24_000),
            cap: wad(12_000),
        }),
        "{err}"
    );
    let admin = s.admin;
    let total =
        s.rt.view(admin, breaker, &Gate::rateWindowCall {})
            .unwrap()
            ._1;
    assert_eq!(total, wad(12_000), "the refusal records nothing");
    // Even 1 wei is refused while the 12,000 of the last hour count.
    assert!(check(&mut s, keeper, U256::from(1u8)).is_err());

    // By t0 + 3960 s (a window and a bucket after t0) the 0.1 ETH no longer
    // counts: 0.1 ETH passes again, 0.1 ETH more does not.
    s.advance(360).unwrap();
    check(&mut s, keeper, wad(300)).unwrap();
    let err = check(&mut s, keeper, wad(300)).unwrap_err();
    assert_eq!(
        err.decode::<Breaker::LiquidationRateLimited>(),
        Some(Breaker::LiquidationRateLimited {
            windowTotal: wad(12_300),
            cap: wad(12_000),
        })
    );
    // A window and a bucket after the 3.9 ETH, only the last 0.1 ETH counts.
    s.advance(3_600).unwrap();
    check(&mut s, keeper, wad(11_700)).unwrap();
    let total =
        s.rt.view(admin, breaker, &Gate::rateWindowCall {})
            .unwrap()
            ._1;
    assert_eq!(total, wad(12_000));
}
