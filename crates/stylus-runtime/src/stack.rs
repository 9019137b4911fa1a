//! The transaction thread: where a [`crate::Runtime`] runs its transactions.
//!
//! Nested frames recurse through the interpreter (a call from a program enters a new instance
//! from inside a host function), and an unoptimised build needs a deep native stack for deep
//! call chains, so transactions run on a thread with [`TX_STACK`] of stack. Each runtime keeps
//! one such thread for its whole life: the stack pages a transaction touched (a few MiB for
//! the clearing system's calls) stay mapped for the next one. Starting a thread per
//! transaction made the kernel map, fault in (one fault per 4 KiB page) and unmap that stack
//! every time, which was about half the run time of a long test.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;

/// Native stack of the transaction thread. Only the pages touched are committed.
const TX_STACK: usize = 256 << 20;

type Job = Box<dyn FnOnce() + Send>;

/// A long-lived thread with a deep stack that runs jobs one at a time, started on first use.
/// Dropping it ends the thread.
#[derive(Default)]
pub(crate) struct TxThread {
    jobs: Option<mpsc::Sender<Job>>,
}

impl TxThread {
    /// Runs `f` on the transaction thread and returns its result; a panic in `f` resumes in
    /// the caller. Runs `f` inline when no thread can be started.
    pub fn run<R: Send + 'static>(&mut self, f: impl FnOnce() -> R + Send + 'static) -> R {
        let (answer, result) = mpsc::sync_channel(1);
        let job: Job = Box::new(move || {
            let r = panic::catch_unwind(AssertUnwindSafe(f));
            // the receiver waits below until this answer arrives
            let _ = answer.send(r);
        });
        if let Err(job) = self.submit(job) {
            job();
        }
        match result.recv() {
            Ok(Ok(r)) => r,
            Ok(Err(payload)) => panic::resume_unwind(payload),
            // every job answers (its panics are caught), inline or on the thread
            Err(_) => unreachable!("the transaction thread dropped a job"),
        }
    }

    /// Hands `job` to the thread, starting it if needed (again if it is gone); gives the job
    /// back when no thread can be started.
    fn submit(&mut self, job: Job) -> Result<(), Job> {
        let job = match &self.jobs {
            Some(jobs) => match jobs.send(job) {
                Ok(()) => return Ok(()),
                Err(mpsc::SendError(job)) => job,
            },
            None => job,
        };
        self.jobs = spawn();
        match &self.jobs {
            Some(jobs) => jobs.send(job).map_err(|mpsc::SendError(job)| job),
            None => Err(job),
        }
    }
}

/// Starts a thread with [`TX_STACK`] of stack that runs the jobs sent to it until the sender
/// is dropped.
fn spawn() -> Option<mpsc::Sender<Job>> {
    let (jobs, queue) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("stylus-runtime tx".into())
        .stack_size(TX_STACK)
        .spawn(move || {
            for job in queue {
                job();
            }
        })
        .ok()?;
    Some(jobs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_on_one_thread_with_their_results() {
        let mut t = TxThread::default();
        let first = t.run(|| std::thread::current().id());
        let second = t.run(|| std::thread::current().id());
        assert_eq!(first, second);
        assert_ne!(first, std::thread::current().id());
        assert_eq!(t.run(|| 6 * 7), 42);
    }

    #[test]
    fn a_panic_resumes_in_the_caller_and_the_thread_goes_on() {
        let mut t = TxThread::default();
        let caught = panic::catch_unwind(AssertUnwindSafe(|| t.run(|| panic!("in the job"))));
        assert!(caught.is_err());
        assert_eq!(t.run(|| 1 + 1), 2);
    }
}
