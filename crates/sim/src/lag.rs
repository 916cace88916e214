//! Consumer lag over a run: each group's lag on each partition (the partition's end
//! offset less the group's committed offset), sampled each time a step of the broker
//! changes one. Kept beside the trace, not in the simulation's checkpoints.

/// The most samples a history keeps (a few hundred kilobytes with three groups on eight
/// partitions).
pub const MAX_LAG_SAMPLES: usize = 8_192;

/// The lags of a run over time: one sample per step of the broker that changed one,
/// each holding every group's lag on every partition (group after group).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LagHistory {
    /// Values per sample: groups × partitions.
    width: usize,
    steps: Vec<u64>,
    ticks: Vec<u64>,
    values: Vec<u32>,
}

impl LagHistory {
    /// A history of `width` lags per sample.
    pub(crate) fn new(width: usize) -> LagHistory {
        LagHistory {
            width,
            ..LagHistory::default()
        }
    }

    /// Adds a sample taken at a step, unless nothing changed since the last or the
    /// history is full.
    pub(crate) fn note(&mut self, step: u64, tick: u64, lags: &[u32]) {
        if self.width == 0 || lags.len() != self.width || self.is_full() {
            return;
        }
        if self.values.len() >= self.width && self.values[self.values.len() - self.width..] == *lags
        {
            return;
        }
        self.steps.push(step);
        self.ticks.push(tick);
        self.values.extend_from_slice(lags);
    }

    /// Forgets the samples taken at `step` or later (the run went back before it).
    pub(crate) fn truncate_from(&mut self, step: u64) {
        let keep = self.steps.partition_point(|&s| s < step);
        self.steps.truncate(keep);
        self.ticks.truncate(keep);
        self.values.truncate(keep * self.width);
    }

    /// How many lags each sample holds (0: the run has no consumer groups).
    pub fn width(&self) -> usize {
        self.width
    }

    /// True when it holds `MAX_LAG_SAMPLES` samples and takes no more: a long run's
    /// plot shows its beginning.
    pub fn is_full(&self) -> bool {
        self.steps.len() >= MAX_LAG_SAMPLES
    }

    /// How many samples it holds.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// True when it holds no sample.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The samples of one group on one partition: (tick, lag) each time it changed,
    /// in order.
    pub fn series(&self, group: usize, partitions: usize, partition: usize) -> Vec<(u64, u32)> {
        let column = group * partitions + partition;
        if column >= self.width {
            return Vec::new();
        }
        self.ticks
            .iter()
            .zip(self.values.chunks_exact(self.width))
            .map(|(&tick, row)| (tick, row[column]))
            .collect()
    }

    /// The largest lag in the history.
    pub fn peak(&self) -> u32 {
        self.values.iter().copied().max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_is_kept_only_when_a_lag_changed_and_going_back_forgets_later_ones() {
        let mut history = LagHistory::new(2);
        history.note(1, 10, &[1, 0]);
        history.note(2, 11, &[1, 0]);
        history.note(3, 12, &[1, 1]);
        history.note(5, 14, &[0, 1]);
        assert_eq!(history.len(), 3);
        assert_eq!(history.series(0, 2, 0), vec![(10, 1), (12, 1), (14, 0)]);
        assert_eq!(history.series(0, 2, 1), vec![(10, 0), (12, 1), (14, 1)]);
        assert_eq!(history.peak(), 1);
        history.truncate_from(4);
        assert_eq!(history.len(), 2);
        history.truncate_from(0);
        assert!(history.is_empty());
        // A sample of the wrong width is ignored rather than misread.
        history.note(1, 1, &[3]);
        assert!(history.is_empty());
        // A full history takes no more samples.
        for step in 0..MAX_LAG_SAMPLES as u64 + 10 {
            history.note(step, step, &[step as u32, 0]);
        }
        assert_eq!(history.len(), MAX_LAG_SAMPLES);
        assert!(history.is_full());
    }
}
