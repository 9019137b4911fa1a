//! The keeper's counters, served in Prometheus text format on a loopback port
//! (`GET /metrics` on 127.0.0.1 only).

use clearing_cli::error::{CliError, Result};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Counters and gauges (all monotonic except the gauges named so).
#[derive(Debug, Default)]
pub struct Metrics {
    /// Gauge: accounts watched.
    pub accounts_watched: AtomicU64,
    /// Gauge: the next block discovery scans from.
    pub next_scan_block: AtomicU64,
    /// Gauge: the block this run's first scan started from (a restart from a checkpoint starts
    /// after the deployment block).
    pub scan_start_block: AtomicU64,
    /// Rounds completed.
    pub rounds: AtomicU64,
    /// Gauge: accounts below maintenance at the last round.
    pub unhealthy: AtomicU64,
    /// Liquidation transactions sent (positions and collateral).
    pub liquidations_sent: AtomicU64,
    /// Liquidations mined successfully.
    pub liquidations_won: AtomicU64,
    /// Bad debts settled.
    pub bad_debts_settled: AtomicU64,
    /// Maintenance transactions mined (oracle, haircut, breaker, interest).
    pub pokes_sent: AtomicU64,
    /// Transactions that reverted on chain.
    pub reverts: AtomicU64,
    /// Calls a simulation refused (nothing sent).
    pub simulations_refused: AtomicU64,
    /// Liquidations skipped because the breaker halts them or they do not pay.
    pub skipped_breaker: AtomicU64,
    /// Liquidations skipped as unprofitable (or over the gas price limit).
    pub skipped_unprofitable: AtomicU64,
    /// Gas used by mined transactions.
    pub gas_spent: AtomicU64,
    /// Transactions re-sent after no receipt came.
    pub resent: AtomicU64,
    /// RPC requests that failed (before retries).
    pub rpc_errors: AtomicU64,
    /// Rewards less gas of won liquidations, in millionths of the quote unit (signed).
    pub profit_micro: AtomicI64,
}

impl Metrics {
    /// Adds one to a counter.
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters as Prometheus text.
    pub fn render(&self) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let rows: [(&str, &str, &str, String); 18] = [
            (
                "keeper_accounts_watched",
                "gauge",
                "Accounts the keeper follows.",
                g(&self.accounts_watched).to_string(),
            ),
            (
                "keeper_next_scan_block",
                "gauge",
                "The next block discovery scans.",
                g(&self.next_scan_block).to_string(),
            ),
            (
                "keeper_scan_start_block",
                "gauge",
                "The block this run's discovery started from.",
                g(&self.scan_start_block).to_string(),
            ),
            (
                "keeper_rounds_total",
                "counter",
                "Rounds completed.",
                g(&self.rounds).to_string(),
            ),
            (
                "keeper_unhealthy_accounts",
                "gauge",
                "Accounts below maintenance at the last round.",
                g(&self.unhealthy).to_string(),
            ),
            (
                "keeper_liquidations_sent_total",
                "counter",
                "Liquidation transactions sent.",
                g(&self.liquidations_sent).to_string(),
            ),
            (
                "keeper_liquidations_won_total",
                "counter",
                "Liquidations mined successfully.",
                g(&self.liquidations_won).to_string(),
            ),
            (
                "keeper_bad_debts_settled_total",
                "counter",
                "Bad debts settled.",
                g(&self.bad_debts_settled).to_string(),
            ),
            (
                "keeper_pokes_total",
                "counter",
                "Maintenance transactions mined.",
                g(&self.pokes_sent).to_string(),
            ),
            (
                "keeper_reverts_total",
                "counter",
                "Transactions that reverted on chain.",
                g(&self.reverts).to_string(),
            ),
            (
                "keeper_simulations_refused_total",
                "counter",
                "Calls refused in simulation (nothing sent).",
                g(&self.simulations_refused).to_string(),
            ),
            (
                "keeper_skipped_breaker_total",
                "counter",
                "Liquidations held back by the circuit breaker.",
                g(&self.skipped_breaker).to_string(),
            ),
            (
                "keeper_skipped_unprofitable_total",
                "counter",
                "Liquidations that would not pay (or gas too dear).",
                g(&self.skipped_unprofitable).to_string(),
            ),
            (
                "keeper_gas_spent_total",
                "counter",
                "Gas used by mined transactions.",
                g(&self.gas_spent).to_string(),
            ),
            (
                "keeper_resent_total",
                "counter",
                "Transactions re-sent after no receipt came.",
                g(&self.resent).to_string(),
            ),
            (
                "keeper_rpc_errors_total",
                "counter",
                "RPC requests that failed before retries.",
                g(&self.rpc_errors).to_string(),
            ),
            (
                "keeper_profit_quote",
                "gauge",
                "Rewards less gas of won liquidations, quote units.",
                format!(
                    "{:.6}",
                    self.profit_micro.load(Ordering::Relaxed) as f64 / 1e6
                ),
            ),
            ("keeper_up", "gauge", "1 while the keeper runs.", "1".into()),
        ];
        let mut out = String::new();
        for (name, kind, help, value) in rows {
            out += &format!("# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
        }
        out
    }
}

/// Serves `metrics` on `127.0.0.1:port` until the task is dropped; returns the bound address.
///
/// # Errors
/// [`CliError::Usage`] when the port cannot be bound.
pub async fn serve(metrics: Arc<Metrics>, port: u16) -> Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await.map_err(|e| {
        CliError::Usage(format!(
            "cannot listen on 127.0.0.1:{port} for metrics: {e}"
        ))
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| CliError::Usage(format!("metrics listener: {e}")))?;
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                continue;
            };
            let m = metrics.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 2048];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]);
                let path = req.split_whitespace().nth(1).unwrap_or("/");
                let (status, body) = if path == "/metrics" || path == "/" {
                    ("200 OK", m.render())
                } else {
                    ("404 Not Found", "not found: GET /metrics\n".to_string())
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    Ok(addr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        Metrics::inc(&m.liquidations_sent);
        m.profit_micro.store(-1_500_000, Ordering::Relaxed);
        let text = m.render();
        assert!(text.contains(
            "# TYPE keeper_liquidations_sent_total counter\nkeeper_liquidations_sent_total 1\n"
        ));
        assert!(text.contains("\nkeeper_profit_quote -1.500000\n"), "{text}");
        // Every sample line is `name value` with a number, after its HELP and TYPE lines.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.split_once(' ').unwrap();
            assert!(name.starts_with("keeper_"), "{line}");
            assert!(value.parse::<f64>().is_ok(), "{line}");
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
        }
    }
}
