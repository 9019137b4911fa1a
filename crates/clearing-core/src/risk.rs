//! Risk: oracle round checks ([`oracle`]), EWMA volatility ([`volatility`]), haircuts
//! ([`haircut`]), collateral valuation ([`collateral`]) and the margin function, delta-one
//! ([`margin`]) and whole with options and scenarios ([`scenario`]), with the one encoding of
//! its input for a stateless contract ([`margin_input`]).

pub mod collateral;
pub mod haircut;
pub mod margin;
pub mod margin_input;
pub mod oracle;
pub mod scenario;
pub mod volatility;
