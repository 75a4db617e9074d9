//! A referral's lifecycle: a case sends a child to a service (Decree 56/2017, Art. 29: the
//! plan names the services), the service accepts or declines it, and an accepted one is
//! completed. Declining needs a reason; nothing moves backwards.

/// Where a referral stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferralStatus {
    /// Sent to the service, no answer yet.
    Sent,
    Accepted,
    /// Refused by the service; the reason is recorded.
    Declined,
    Completed,
}

impl ReferralStatus {
    pub const ALL: [ReferralStatus; 4] = [Self::Sent, Self::Accepted, Self::Declined, Self::Completed];

    /// The stored and exchanged name (`sent`, `accepted`, `declined`, `completed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Accepted => "accepted",
            Self::Declined => "declined",
            Self::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The statuses a referral may move to from this one.
    pub fn next(self) -> &'static [ReferralStatus] {
        match self {
            Self::Sent => &[Self::Accepted, Self::Declined],
            Self::Accepted => &[Self::Completed],
            Self::Declined | Self::Completed => &[],
        }
    }

    /// The statuses from which a referral may move to this one (none for `Sent`, which
    /// only a new referral has).
    pub fn previous(self) -> Vec<ReferralStatus> {
        Self::ALL.into_iter().filter(|from| from.next().contains(&self)).collect()
    }

    /// Whether moving to this status needs a reason.
    pub fn needs_reason(self) -> bool {
        self == Self::Declined
    }
}

#[cfg(test)]
mod tests {
    use super::ReferralStatus::{self, *};

    #[test]
    fn names_round_trip() {
        for s in ReferralStatus::ALL {
            assert_eq!(ReferralStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(ReferralStatus::parse("Accepted"), None);
    }

    #[test]
    fn the_lifecycle_only_moves_forward_and_ends() {
        assert_eq!(Sent.next(), &[Accepted, Declined]);
        assert_eq!(Accepted.next(), &[Completed]);
        assert!(Declined.next().is_empty() && Completed.next().is_empty());
        assert_eq!(Accepted.previous(), vec![Sent]);
        assert_eq!(Declined.previous(), vec![Sent]);
        assert_eq!(Completed.previous(), vec![Accepted]);
        assert!(Sent.previous().is_empty(), "nothing returns to sent");
        // No cycle: following `next` from any status ends within three steps.
        for s in ReferralStatus::ALL {
            let mut frontier = vec![s];
            for _ in 0..3 {
                frontier = frontier.iter().flat_map(|f| f.next().iter().copied()).collect();
            }
            assert!(frontier.is_empty(), "{s:?} leads back into the lifecycle");
        }
        assert!(Declined.needs_reason() && !Accepted.needs_reason() && !Completed.needs_reason());
    }
}
