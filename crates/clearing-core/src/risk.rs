//! Risk: oracle round checks ([`oracle`]), EWMA volatility ([`volatility`]), haircuts
//! ([`haircut`]), collateral valuation ([`collateral`]) and the margin function, delta-one
//! ([`margin`]) and whole with options and scenarios ([`scenario`]).

pub mod collateral;
pub mod haircut;
pub mod margin;
pub mod oracle;
pub mod scenario;
pub mod volatility;
