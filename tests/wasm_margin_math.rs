//! MarginMath on the deployable WASM, run by the offline runtime: its answers equal the core's
//! for a full account (16 option series on 8 underlyings, both modes), a malformed input reverts
//! with its named error, and the gas of one `requirements` call is printed (the budget
//! is 600,000 gas for a whole health check of such an account with 8 perps). Needs
//! `scripts/build-wasm margin-math` first.
use alloy_primitives::{Bytes, I256, U256};
use alloy_sol_types::sol;
use clearing_core::governance::params::DAY;
use clearing_core::{
    encode_margin_input, greeks, margin_input_len, options_value, scenario_requirements, Book,
    Correlations, Exposure, MarginMode, OptionKind, OptionMarginParams, OptionPosition,
    MAX_BUCKETS, WAD,
};
use stylus_runtime::{read_wasm, Runtime};

sol! {
    #[derive(Debug, PartialEq)]
    contract Math {
        function requirements(bytes input, bool portfolio) external view returns (uint256, uint256, uint256, int256);
        function greeks(bytes input) external view returns (int256[], int256[], int256[]);
        error InputLength();
    }
}

fn wad(x: u64) -> U256 {
    U256::from(x) * WAD
}

fn milli(x: i64) -> I256 {
    I256::try_from(x).unwrap() * I256::from_raw(WAD / U256::from(1_000u16))
}

fn corr() -> Correlations {
    Correlations {
        intra: [WAD * U256::from(8u8) / U256::from(10u8); MAX_BUCKETS],
        inter: WAD / U256::from(4u8),
    }
}

/// Eight underlyings, each with spot, a perp and two option series (a short call and a long
/// put): the largest account the system allows.
fn full_account() -> Vec<(Exposure, Vec<OptionPosition>)> {
    (0..8u64)
        .map(|i| {
            let price = 1_000 + 700 * i;
            let e = Exposure {
                bucket: (i % 4) as u8,
                spot: milli(2_000),
                perp: milli(-(i as i64) * 400 - 300),
                price: wad(price),
                maint_shock: WAD * U256::from(3u8) / U256::from(100u8),
                init_shock: WAD * U256::from(45u8) / U256::from(1_000u16),
                depth: wad(5_000_000),
            };
            let opts = vec![
                OptionPosition {
                    kind: OptionKind::Call,
                    strike: wad(price + price / 10),
                    seconds: (7 + i) * DAY,
                    vol: WAD * U256::from(50 + 5 * i) / U256::from(100u8),
                    size: milli(-1_500),
                },
                OptionPosition {
                    kind: OptionKind::Put,
                    strike: wad(price - price / 10),
                    seconds: 30 * DAY,
                    vol: WAD * U256::from(60u8) / U256::from(100u8),
                    size: milli(2_000),
                },
            ];
            (e, opts)
        })
        .collect()
}

fn books(raw: &[(Exposure, Vec<OptionPosition>)]) -> Vec<Book<'_>> {
    raw.iter()
        .map(|(e, o)| Book {
            exposure: *e,
            sigma_daily: WAD * U256::from(3u8) / U256::from(100u8),
            iv_near: o[0].vol,
            options: o,
        })
        .collect()
}

/// The largest account: in a debug build the interpreter's dispatch nests one native frame per
/// executed WASM instruction (wasmi's tail-call dispatch without the tail calls), which
/// overflows the runtime's 256 MiB transaction stack on a computation this long; run it with
/// `cargo test --release --test wasm_margin_math -- --ignored --nocapture`.
#[test]
#[cfg_attr(
    debug_assertions,
    ignore = "needs a release build of the test (see the doc)"
)]
fn full_account_on_wasm() {
    let mut rt = Runtime::new();
    let deployer = rt.new_account();
    let wasm = read_wasm("margin-math").unwrap_or_else(|e| panic!("{e}"));
    let math = rt.deploy_without_constructor(deployer, &wasm).unwrap();
    let raw = full_account();
    let books = books(&raw);
    let params = OptionMarginParams::DEFAULT;
    let mut input = vec![0u8; margin_input_len(8, 16)];
    encode_margin_input(&books, &corr(), &params, &mut input).unwrap();
    for (portfolio, mode) in [(false, MarginMode::Cross), (true, MarginMode::Portfolio)] {
        let call = Math::requirementsCall {
            input: Bytes::from(input.clone()),
            portfolio,
        };
        // The first call pays the init gas of a program not in the chain's cache; the rest run
        // it cached.
        for cached in if portfolio {
            vec![true]
        } else {
            vec![false, true]
        } {
            if cached {
                assert!(rt.cache_program(math));
            }
            let got = rt.call(deployer, math, &call, U256::ZERO).unwrap();
            let gas = rt.last_receipt().unwrap().gas;
            println!(
                "requirements, 16 series on 8 underlyings, {} mode, program {}: {} gas \
                 ({} WASM execution, {} M ink; {} intrinsic, {} program entry)",
                if portfolio { "portfolio" } else { "cross" },
                if cached { "cached" } else { "not cached" },
                gas.used,
                gas.wasm,
                gas.wasm_ink / 1_000_000,
                gas.intrinsic,
                gas.program_entry,
            );
            let r = scenario_requirements(&books, &corr(), &params, mode).unwrap();
            let value = books
                .iter()
                .map(|b| options_value(b).unwrap())
                .fold(I256::ZERO, |a, v| a + v);
            assert_eq!(
                (got._0, got._1, got._2, got._3),
                (r.maintenance, r.initial, r.gross_notional, value)
            );
        }
    }
    // The Greeks (a dynamic answer: stylus-sdk 0.9 encodes it as one tuple).
    let g = rt
        .view_tuple(
            deployer,
            math,
            &Math::greeksCall {
                input: Bytes::from(input.clone()),
            },
        )
        .unwrap();
    for (i, b) in books.iter().enumerate() {
        let want = greeks(b).unwrap();
        assert_eq!(
            (g._0[i], g._1[i], g._2[i]),
            (want.delta, want.gamma, want.vega)
        );
    }
    // A malformed input reverts with its named error.
    let err = rt
        .call(
            deployer,
            math,
            &Math::requirementsCall {
                input: Bytes::from(input[..100].to_vec()),
                portfolio: false,
            },
            U256::ZERO,
        )
        .unwrap_err();
    assert_eq!(
        err.decode::<Math::InputLength>(),
        Some(Math::InputLength {}),
        "{err:?}"
    );
}

/// Small accounts (up to three series), which a debug build of the runtime can interpret: the
/// answers are the core's, and the gas of each is printed.
#[test]
fn small_accounts_on_wasm() {
    let mut rt = Runtime::new();
    let deployer = rt.new_account();
    let wasm = read_wasm("margin-math").unwrap_or_else(|e| panic!("{e}"));
    let math = rt.deploy_without_constructor(deployer, &wasm).unwrap();
    assert!(rt.cache_program(math));
    let raw = full_account();
    let all = books(&raw);
    for (label, nb, series) in [
        ("8 underlyings, no option", 8usize, 0usize),
        ("1 underlying, 1 series", 1, 1),
        ("1 underlying, 2 series", 1, 2),
        ("3 underlyings, 1 series each", 3, 1),
    ] {
        let b: Vec<Book> = all[..nb]
            .iter()
            .map(|x| Book {
                options: &x.options[..series],
                ..*x
            })
            .collect();
        let m = nb * series;
        let mut input = vec![0u8; margin_input_len(nb, m)];
        let params = OptionMarginParams::DEFAULT;
        encode_margin_input(&b, &corr(), &params, &mut input).unwrap();
        for (portfolio, mode) in [(false, MarginMode::Cross), (true, MarginMode::Portfolio)] {
            let call = Math::requirementsCall {
                input: Bytes::from(input.clone()),
                portfolio,
            };
            let got = rt.call(deployer, math, &call, U256::ZERO).unwrap();
            let gas = rt.last_receipt().unwrap().gas;
            println!(
                "requirements, {label}, portfolio {portfolio}, program cached: {} gas ({} WASM)",
                gas.used, gas.wasm
            );
            let r = scenario_requirements(&b, &corr(), &params, mode).unwrap();
            let value = b
                .iter()
                .map(|x| options_value(x).unwrap())
                .fold(I256::ZERO, |a, v| a + v);
            assert_eq!(
                (got._0, got._1, got._2, got._3),
                (r.maintenance, r.initial, r.gross_notional, value)
            );
        }
    }
}

#[path = "../crates/clearing-core/tests/reference/mod.rs"]
mod reference;

/// The reference table's option rows, (e) to (k) of `docs/reference-table.md`, computed by the
/// deployable MarginMath: to the wei the core's requirements, floor notional and option mark
/// value, in both modes.
#[test]
fn reference_option_rows_on_wasm() {
    let mut rt = Runtime::new();
    let deployer = rt.new_account();
    let wasm = read_wasm("margin-math").unwrap_or_else(|e| panic!("{e}"));
    let math = rt.deploy_without_constructor(deployer, &wasm).unwrap();
    let params = reference::params();
    let corr = reference::correlations();
    let mut rows = 0;
    for p in reference::portfolios()
        .iter()
        .filter(|p| !p.options.is_empty())
    {
        let positions = reference::positions(p);
        let (books, _) = reference::books(p, &positions);
        let mut input = vec![0u8; margin_input_len(books.len(), p.options.len())];
        encode_margin_input(&books, &corr, &params, &mut input).unwrap();
        for (portfolio, mode) in [(false, MarginMode::Cross), (true, MarginMode::Portfolio)] {
            let call = Math::requirementsCall {
                input: Bytes::from(input.clone()),
                portfolio,
            };
            let got = rt.call(deployer, math, &call, U256::ZERO).unwrap();
            let r = scenario_requirements(&books, &corr, &params, mode).unwrap();
            let value = books
                .iter()
                .map(|b| options_value(b).unwrap())
                .fold(I256::ZERO, |a, v| a + v);
            assert_eq!(
                (got._0, got._1, got._2, got._3),
                (r.maintenance, r.initial, r.gross_notional, value),
                "{} ({mode:?})",
                p.label
            );
            rows += 1;
        }
    }
    assert_eq!(rows, 14, "rows (e) .. (k), each in both modes");
}
