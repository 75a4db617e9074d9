//! The time, as one thing passed in. Storage, services and handlers ask a [`Clock`] instead
//! of the operating system, so a test can stand on any day (a deadline that falls due, a
//! session that ages, a year that closes) and every part of one request sees the same
//! time. `clippy.toml` forbids reading the system clock anywhere else.

use std::sync::atomic::{AtomicI64, Ordering};
use time::{Date, OffsetDateTime};

/// Where the time comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, in UTC, to the microsecond (what both databases keep).
    fn now(&self) -> OffsetDateTime;

    /// Today's date in Vietnam (UTC+7): the day users live in, for "not in the future"
    /// checks and form defaults (from 17:00 UTC Vietnam is already on the next day).
    fn today_in_vietnam(&self) -> Date {
        crate::calendar::date_in_vietnam(self.now())
    }
}

/// The operating system's clock: the one place treem reads it.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.replace_nanosecond(now.microsecond() * 1000).unwrap_or(now)
    }
}

/// A clock that says what it is told, for tests: it starts at a given moment and moves
/// only when set or advanced.
#[derive(Debug)]
pub struct FixedClock {
    micros: AtomicI64,
}

impl FixedClock {
    pub fn at(t: OffsetDateTime) -> Self {
        Self { micros: AtomicI64::new(micros_of(t)) }
    }

    pub fn set(&self, t: OffsetDateTime) {
        self.micros.store(micros_of(t), Ordering::SeqCst);
    }

    pub fn advance(&self, by: time::Duration) {
        self.micros.fetch_add(by.whole_microseconds() as i64, Ordering::SeqCst);
    }
}

fn micros_of(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1000) as i64
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        let us = self.micros.load(Ordering::SeqCst);
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_fixed_clock_moves_only_when_told_and_knows_vietnams_day() {
        let c = FixedClock::at(datetime!(2026-11-14 16:59:59.5 UTC));
        assert_eq!(c.now(), datetime!(2026-11-14 16:59:59.5 UTC));
        assert_eq!(c.today_in_vietnam(), time::macros::date!(2026 - 11 - 14));
        c.advance(time::Duration::seconds(1));
        assert_eq!(c.today_in_vietnam(), time::macros::date!(2026 - 11 - 15), "17:00 UTC is midnight in Vietnam");
        c.set(datetime!(2013-01-01 00:00 UTC));
        assert_eq!(c.now().year(), 2013);
    }

    #[test]
    fn the_system_clock_keeps_microseconds() {
        assert_eq!(SystemClock.now().nanosecond() % 1000, 0);
    }
}
