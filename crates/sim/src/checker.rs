//! The 2PC invariant checker. It sits apart from the coordinator and participant code
//! and sees only what they announce: decisions sent and outcomes applied. It therefore
//! catches a bug in that code instead of sharing it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::node::NodeId;

/// Which invariant was broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Invariant {
    /// No participant commits a transaction while another aborts it.
    Atomicity,
    /// A decision, once taken, is never replaced by the other one.
    DecisionNeverReversed,
    /// A participant commits only what the coordinator decided to commit.
    CommitOnlyAfterDecision,
}

/// One violation, with the step at which it was observed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvariantViolation {
    /// The invariant.
    pub invariant: Invariant,
    /// The transaction.
    pub txn: u32,
    /// The step at which the checker saw it.
    pub step: u64,
    /// One plain sentence.
    pub explanation: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct TxnFacts {
    /// The coordinator's decision as announced: true = commit.
    decision: Option<bool>,
    /// Per participant that applied an outcome: true = committed, false = aborted.
    outcomes: BTreeMap<NodeId, bool>,
}

/// Watches every transaction.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Checker {
    txns: BTreeMap<u32, TxnFacts>,
    violations: Vec<InvariantViolation>,
}

/// The checker stops adding violations past this many; one is enough to fail a run.
const MAX_VIOLATIONS: usize = 1_000;

impl Checker {
    /// The violations found so far.
    pub fn violations(&self) -> &[InvariantViolation] {
        &self.violations
    }

    fn report(&mut self, invariant: Invariant, txn: u32, step: u64, explanation: String) {
        if self.violations.len() < MAX_VIOLATIONS {
            self.violations.push(InvariantViolation {
                invariant,
                txn,
                step,
                explanation,
            });
        }
    }

    /// The coordinator announced (logged or sent) a decision for a transaction.
    pub fn observe_decision(&mut self, txn: u32, commit: bool, step: u64) {
        let facts = self.txns.entry(txn).or_default();
        match facts.decision {
            Some(previous) if previous != commit => {
                self.report(
                    Invariant::DecisionNeverReversed,
                    txn,
                    step,
                    format!(
                        "t{txn} was decided {} and later {}.",
                        word(previous),
                        word(commit)
                    ),
                );
            }
            _ => facts.decision = Some(commit),
        }
    }

    /// A participant committed (true) or aborted (false) a transaction.
    pub fn observe_outcome(&mut self, txn: u32, participant: NodeId, committed: bool, step: u64) {
        let facts = self.txns.entry(txn).or_default();
        facts.outcomes.insert(participant, committed);
        let decision = facts.decision;
        let committed_any = facts.outcomes.values().any(|c| *c);
        let aborted_any = facts.outcomes.values().any(|c| !*c);
        if committed && decision != Some(true) {
            self.report(
                Invariant::CommitOnlyAfterDecision,
                txn,
                step,
                format!(
                    "The {} committed t{txn}, which the coordinator never decided to commit.",
                    participant.participant_label()
                ),
            );
        }
        if committed_any && aborted_any {
            self.report(
                Invariant::Atomicity,
                txn,
                step,
                format!("t{txn} was committed by one participant and aborted by another."),
            );
        }
    }
}

fn word(commit: bool) -> &'static str {
    if commit {
        "COMMIT"
    } else {
        "ABORT"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_beside_an_abort_breaks_atomicity() {
        let mut checker = Checker::default();
        checker.observe_decision(1, true, 3);
        checker.observe_outcome(1, NodeId::BROKER, true, 4);
        checker.observe_outcome(1, NodeId::CONSUMER, false, 5);
        assert_eq!(checker.violations().len(), 1);
        assert_eq!(checker.violations()[0].invariant, Invariant::Atomicity);
    }

    #[test]
    fn a_reversed_decision_is_reported() {
        let mut checker = Checker::default();
        checker.observe_decision(2, true, 1);
        checker.observe_decision(2, false, 9);
        assert_eq!(
            checker.violations()[0].invariant,
            Invariant::DecisionNeverReversed
        );
    }

    #[test]
    fn a_participant_that_aborts_alone_before_any_decision_is_fine() {
        let mut checker = Checker::default();
        checker.observe_outcome(3, NodeId::CONSUMER, false, 1);
        checker.observe_decision(3, false, 2);
        checker.observe_outcome(3, NodeId::BROKER, false, 3);
        assert!(checker.violations().is_empty());
    }
}
