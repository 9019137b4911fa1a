//! The vault's quote money market: borrow and supply interest with their indexes, the rate curve
//! and its parameters, liquidity restoration ([`money_market`], DESIGN section 15).

pub mod money_market;
