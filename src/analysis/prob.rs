//! Probabilities kept as a pair (up, down), each with full relative precision.

/// Probability that an event holds (up) and that it does not (down). Both are
/// computed from sums of non-negative products, so a near-1 availability never
/// loses the digits of its complement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prob {
    pub up: f64,
    pub down: f64,
}

impl Prob {
    pub const UP: Prob = Prob { up: 1.0, down: 0.0 };
    pub const DOWN: Prob = Prob { up: 0.0, down: 1.0 };

    pub fn from_down(down: f64) -> Prob {
        Prob { up: 1.0 - down, down }
    }

    /// Both of two independent events: P(up) multiplies; P(down) = d1 + d2·(1 − d1),
    /// a sum of non-negative terms (no cancellation).
    pub fn and(self, other: Prob) -> Prob {
        Prob { up: self.up * other.up, down: self.down + other.down * self.up }
    }

    /// Either of two independent events.
    pub fn or(self, other: Prob) -> Prob {
        Prob { up: self.up + other.up * self.down, down: self.down * other.down }
    }
}
