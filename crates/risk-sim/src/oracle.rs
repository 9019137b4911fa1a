//! Oracle rounds as Chainlink publishes them: a new round when the price has moved by at least
//! the deviation threshold since the last round, or when the heartbeat has passed.

/// A feed's publication rule and its last round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Feed {
    /// Seconds after which a round is published whatever the price.
    pub heartbeat: u64,
    /// Relative move that triggers a round (0.005 = 0.5 %).
    pub deviation: f64,
    /// Price of the last round.
    pub last_price: f64,
    /// Time of the last round.
    pub last_time: u64,
}

impl Feed {
    /// A feed whose first round is `price` at `now`.
    pub fn new(heartbeat: u64, deviation: f64, price: f64, now: u64) -> Self {
        Feed {
            heartbeat,
            deviation,
            last_price: price,
            last_time: now,
        }
    }

    /// Whether a round is due at `now` for `price`.
    pub fn due(&self, price: f64, now: u64) -> bool {
        now >= self.last_time + self.heartbeat
            || (price - self.last_price).abs() >= self.deviation * self.last_price
    }

    /// Records a round published at `now`.
    pub fn publish(&mut self, price: f64, now: u64) {
        self.last_price = price;
        self.last_time = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn heartbeat_and_deviation() {
        let f = Feed::new(3_600, 0.005, 100.0, 0);
        assert!(!f.due(100.4, 3_599));
        assert!(f.due(100.5, 10));
        assert!(f.due(99.5, 10));
        assert!(f.due(100.0, 3_600));
    }

    proptest! {
        #[test]
        fn a_published_round_is_never_older_than_a_heartbeat(
            moves in proptest::collection::vec(-0.01f64..0.01, 1..400)
        ) {
            let mut f = Feed::new(3_600, 0.005, 100.0, 0);
            let mut p = 100.0;
            for (i, m) in moves.iter().enumerate() {
                let now = (i as u64 + 1) * 300;
                p *= 1.0 + m;
                if f.due(p, now) {
                    f.publish(p, now);
                }
                prop_assert!(now - f.last_time < 3_600);
                prop_assert!((p - f.last_price).abs() < 0.005 * f.last_price);
            }
        }
    }
}
