//! RPC requests retried with exponential backoff and jitter ([`crate::policy::backoff`]). Only
//! RPC failures are retried: a revert is an answer, not a failure.

use crate::config::Retry;
use crate::metrics::Metrics;
use crate::policy::backoff;
use clearing_cli::error::{CliError, Result};
use rand::Rng;
use std::future::Future;
use std::sync::atomic::Ordering;

/// Runs `f` until it succeeds, answers with something other than an RPC failure, or
/// `retry.attempts` tries failed; sleeps [`backoff`] between tries and counts each failure.
///
/// # Errors
/// The last [`CliError::Rpc`] after the last try (its message says how many were made), or the
/// first non-RPC error at once.
pub async fn retry<T, F, Fut>(retry: &Retry, metrics: &Metrics, what: &str, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 0u32;
    loop {
        match f().await {
            Err(CliError::Rpc(m)) => {
                metrics.rpc_errors.fetch_add(1, Ordering::Relaxed);
                attempt += 1;
                if attempt >= retry.attempts {
                    return Err(CliError::Rpc(format!(
                        "{what}: {m} (after {attempt} tries)"
                    )));
                }
                let unit: f64 = rand::thread_rng().gen();
                let wait = backoff(attempt - 1, retry.base_delay, retry.max_delay, unit);
                tracing::debug!(what, attempt, wait_ms = wait.as_millis() as u64, error = %m, "RPC failed; retrying");
                tokio::time::sleep(wait).await;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU32;
    use std::time::Duration;

    fn quick(attempts: u32) -> Retry {
        Retry {
            attempts,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        }
    }

    #[tokio::test]
    async fn retries_rpc_failures_only() {
        let m = Metrics::default();
        let n = AtomicU32::new(0);
        let ok = retry(&quick(5), &m, "x", || async {
            if n.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(CliError::Rpc("down".into()))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(ok, Ok(7));
        assert_eq!(m.rpc_errors.load(Ordering::Relaxed), 3);
        let e = retry(&quick(2), &m, "view", || async {
            Err::<(), _>(CliError::Rpc("down".into()))
        })
        .await
        .unwrap_err();
        assert_eq!(e, CliError::Rpc("view: down (after 2 tries)".into()));
        let tries = AtomicU32::new(0);
        let e = retry(&quick(5), &m, "call", || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(CliError::Reverted("no".into()))
        })
        .await
        .unwrap_err();
        assert_eq!(e.exit_code(), 6);
        assert_eq!(tries.load(Ordering::SeqCst), 1);
    }
}
