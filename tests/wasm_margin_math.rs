//! MarginMath on the deployable WASM, run by the offline runtime: its answers equal the core's
//! for a full account (16 option series on 8 underlyings, both modes), a malformed input reverts
//! with its named error, and the gas of one `requirements` call is printed (the budget
//! is 600,000 gas for a whole health check of such an account with 8 perps). Needs
//! `scripts/build-wasm margin-math` first.
use alloy_primitives::{Bytes, I256, U256};
use alloy_sol_types::sol;
use clearing_core::{
    encode_margin_input, greeks, margin_input_len, options_value, scenario_requirements, Book,
    MarginMode, OptionMarginParams,
};
use clearing_sim::largest;
use stylus_runtime::{read_wasm, Runtime};

sol! {
    #[derive(Debug, PartialEq)]
    contract Math {
        function requirements(bytes input, bool portfolio) external view returns (uint256, uint256, uint256, int256);
        function greeks(bytes input) external view returns (int256[], int256[], int256[]);
        error InputLength();
    }
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
    let raw = largest::account();
    let corr = largest::correlations();
    let books = largest::books(&raw);
    let params = OptionMarginParams::DEFAULT;
    let mut input = vec![0u8; margin_input_len(8, 16)];
    encode_margin_input(&books, &corr, &params, &mut input).unwrap();
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
            let r = scenario_requirements(&books, &corr, &params, mode).unwrap();
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
    let raw = largest::account();
    let corr = largest::correlations();
    let all = largest::books(&raw);
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
        encode_margin_input(&b, &corr, &params, &mut input).unwrap();
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
            let r = scenario_requirements(&b, &corr, &params, mode).unwrap();
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
