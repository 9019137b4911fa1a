//! Issue 13, defect 2 on the deployable WASM: funding cannot be steered by
//! wash fills. Before the fix every fill, of any size, at any price on the
//! tick, was one equal-weight premium sample: 25 fills of 0.01 ETH at +10 %
//! between an attacker's own sub-accounts pushed the premium to 93 % of its
//! cap. Now a fill outside the band around the index is refused
//! (`FillOutsideBand`), and a fill inside it moves the premium by
//! `min(1, notional / premiumNotional) * (1 - exp(-dt / premiumTau))`, so the
//! same attack at the band's edge leaves the premium where it was and earns
//! the attacker less funding than it pays in fees. Needs `scripts/build-wasm`
//! first.
use alloy_primitives::{I256, U256};
use alloy_sol_types::sol;
use clearing_core::WAD;
use clearing_sim::{abi::Markets, System, Trader, ETH_PERP};

sol! {
    #[derive(Debug, PartialEq, Eq)]
    contract Band {
        error FillOutsideBand(uint32 market, uint256 price, uint256 indexPrice, uint256 maxDeviation);
        function fundingParameters(uint32 market) external view returns (uint256, uint256, uint64);
    }
}

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn swad(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD).unwrap()
}

/// `x` hundredths as a signed WAD.
fn centi(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::try_from(WAD / U256::from(100u8)).unwrap()
}

fn usdc(x: u64) -> U256 {
    U256::from(x) * U256::from(1_000_000u64)
}

fn premium(s: &mut System) -> I256 {
    let (admin, markets) = (s.admin, s.markets);
    s.rt.view(
        admin,
        markets,
        &Markets::fundingStateCall { market: ETH_PERP },
    )
    .unwrap()
    ._0
}

#[test]
fn wash_fills_cannot_steer_funding() {
    let mut s = System::deploy().unwrap_or_else(|e| panic!("{e}"));
    let (alice, mallory) = (Trader::from_seed("alice"), Trader::from_seed("mallory"));
    let quote = s.usdc;
    s.deposit(&alice, 0, quote, usdc(20_000)).unwrap();
    s.deposit(&mallory, 0, quote, usdc(2_000)).unwrap();
    s.deposit(&mallory, 1, quote, usdc(2_000)).unwrap();
    s.deposit(&mallory, 2, quote, usdc(20_000)).unwrap();
    let (m0, m1, m2) = (mallory.account(0), mallory.account(1), mallory.account(2));
    let (admin, markets) = (s.admin, s.markets);

    // The honest book: Alice long 9 ETH against Mallory's sub-account 2, at
    // the index (a zero premium sample).
    s.trade((&alice, 0), (&mallory, 2), swad(9), wad(3000), 1)
        .unwrap();
    assert_eq!(premium(&mut s), I256::ZERO);

    // The attack: 25 fills of 0.01 ETH at +10 % (3300 on a 3000
    // index) between Mallory's own sub-accounts. Each is refused by the band.
    for k in 0..25u64 {
        s.advance(60).unwrap();
        let err = s
            .trade((&mallory, 0), (&mallory, 1), centi(1), wad(3300), 100 + k)
            .unwrap_err();
        assert_eq!(
            err.decode::<Band::FillOutsideBand>(),
            Some(Band::FillOutsideBand {
                market: ETH_PERP,
                price: wad(3300),
                indexPrice: wad(3000),
                maxDeviation: WAD / U256::from(20u8),
            }),
            "{err}"
        );
    }
    assert_eq!(premium(&mut s), I256::ZERO);
    assert_eq!(s.position(m0, ETH_PERP).unwrap().0, I256::ZERO);
    assert_eq!(s.quote_balance(m0).unwrap(), I256::ZERO);

    // The same attack at the edge of the band (+5 %, 3150), one fill a
    // minute: each 31.5-quote fill carries 31.5 / 100,000 of the notional
    // weight and 1 - exp(-60 / 3600) of the time weight.
    for k in 0..25u64 {
        s.advance(60).unwrap();
        s.trade((&mallory, 0), (&mallory, 1), centi(1), wad(3150), 200 + k)
            .unwrap();
    }
    let cap = I256::try_from(WAD).unwrap() * I256::try_from(75).unwrap()
        / I256::try_from(10_000).unwrap();
    let moved = premium(&mut s);
    assert!(
        moved > I256::ZERO,
        "an in-band fill still moves the premium"
    );
    // Not materially: less than 0.1 % of the cap (the old EWMA: 93 %).
    assert!(
        moved * I256::try_from(1_000).unwrap() < cap,
        "premium {moved} against cap {cap}"
    );
    // Fees of the wash fills (both legs are Mallory's): 25 x 31.5 x 7 bp.
    let fees = -(s.quote_balance(m0).unwrap() + s.quote_balance(m1).unwrap());
    assert!(fees >= centi(55), "fees {fees}");

    // Eight hours later: the funding Mallory's short receives from Alice's
    // long is less than the fees the attack cost.
    s.advance(8 * 3_600).unwrap();
    let received = s.position(m2, ETH_PERP).unwrap().3;
    assert!(received >= I256::ZERO);
    assert!(received < fees, "funding {received} against fees {fees}");
    // The wash legs' own funding nets to (at most) zero for Mallory.
    let wash_funding = s.position(m0, ETH_PERP).unwrap().3 + s.position(m1, ETH_PERP).unwrap().3;
    assert!(wash_funding <= I256::ZERO);

    // The defaults of DESIGN section 15.
    let p =
        s.rt.view(
            admin,
            markets,
            &Band::fundingParametersCall { market: ETH_PERP },
        )
        .unwrap();
    assert_eq!(
        (p._0, p._1, p._2),
        (WAD / U256::from(20u8), wad(100_000), 3_600)
    );
}
