//! The optional event log of a simulation, as columns (the Python side makes it an Arrow
//! table). One row per release, reveal, run segment, operation completion and job completion.

use crate::error::{CoreError, CoreResult};

/// Row kinds of an [`EventLog`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A job is released (`time` = release).
    Release = 0,
    /// Operation `op` becomes known (`value` = its size): at release for op 0, else when the
    /// previous operation completes.
    Reveal = 1,
    /// Job `job` ran operation `op` at rate `value` (a share of one machine) on [time, end).
    Run = 2,
    /// Operation `op` completed.
    OpComplete = 3,
    /// The job completed.
    Complete = 4,
}

pub const KIND_NAMES: [&str; 5] = ["release", "reveal", "run", "op_complete", "complete"];

/// Columns of the event log. `end == time` except for run rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventLog {
    pub kind: Vec<u8>,
    pub time: Vec<f64>,
    pub end: Vec<f64>,
    pub job: Vec<i64>,
    pub op: Vec<i64>,
    pub value: Vec<f64>,
}

impl EventLog {
    pub fn len(&self) -> usize {
        self.kind.len()
    }
    pub fn is_empty(&self) -> bool {
        self.kind.is_empty()
    }
}

/// Collects rows when enabled; every call is a no-op otherwise.
pub(crate) struct Recorder {
    log: Option<EventLog>,
    max_rows: usize,
}

impl Recorder {
    pub fn new(enabled: bool, max_rows: usize) -> Self {
        Recorder {
            log: enabled.then(EventLog::default),
            max_rows,
        }
    }

    #[inline]
    pub fn on(&self) -> bool {
        self.log.is_some()
    }

    #[inline]
    fn push(&mut self, kind: Kind, time: f64, end: f64, job: usize, op: u32, value: f64) -> CoreResult<()> {
        if let Some(l) = &mut self.log {
            if l.kind.len() >= self.max_rows {
                return Err(CoreError::invalid(
                    "max_log_rows",
                    None,
                    format!(
                        "the event log exceeds {} rows; simulate fewer jobs or raise max_log_rows",
                        self.max_rows
                    ),
                ));
            }
            l.kind.push(kind as u8);
            l.time.push(time);
            l.end.push(end);
            l.job.push(job as i64);
            l.op.push(op as i64);
            l.value.push(value);
        }
        Ok(())
    }

    /// Release of `job` with its first operation revealed.
    #[inline]
    pub fn release(&mut self, t: f64, job: usize, first_size: f64) -> CoreResult<()> {
        if self.on() {
            self.push(Kind::Release, t, t, job, 0, f64::NAN)?;
            self.push(Kind::Reveal, t, t, job, 0, first_size)?;
        }
        Ok(())
    }

    /// Operation `op` of `job` completed at `t`; `next` is the revealed size of op + 1, or
    /// None when the job completed.
    #[inline]
    pub fn op_done(&mut self, t: f64, job: usize, op: u32, next: Option<f64>) -> CoreResult<()> {
        if self.on() {
            self.push(Kind::OpComplete, t, t, job, op, f64::NAN)?;
            match next {
                Some(size) => self.push(Kind::Reveal, t, t, job, op + 1, size)?,
                None => self.push(Kind::Complete, t, t, job, op, f64::NAN)?,
            }
        }
        Ok(())
    }

    /// A run segment; empty segments are skipped.
    #[inline]
    pub fn run(&mut self, start: f64, end: f64, job: usize, op: u32, rate: f64) -> CoreResult<()> {
        if self.on() && end > start && rate > 0.0 {
            self.push(Kind::Run, start, end, job, op, rate)?;
        }
        Ok(())
    }

    pub fn finish(self) -> Option<EventLog> {
        self.log
    }
}
