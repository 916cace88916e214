//! The explorer checked against a naive oracle written here: the TwoPhase specification
//! transcribed literally (vectors and ordered sets, every enabled action including the
//! stuttering ones) and a plain breadth-first search over it.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use mqlab_sim::explore::{
    explore, explore_with_progress, state_graph, Action, ExploreConfig, ExploreError, Explorer,
    Message, RmState, StateId, Status, TmState, TwoPhaseState, MAX_RMS,
};

// ---------------------------------------------------------------------------------------
// The oracle.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Rm {
    Working,
    Prepared,
    Committed,
    Aborted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tm {
    Init,
    Committed,
    Aborted,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Msg {
    Prepared(u32),
    Commit,
    Abort,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Naive {
    rm_state: Vec<Rm>,
    tm_state: Tm,
    tm_prepared: BTreeSet<u32>,
    msgs: BTreeSet<Msg>,
}

fn naive_init(n: u32) -> Naive {
    Naive {
        rm_state: vec![Rm::Working; n as usize],
        tm_state: Tm::Init,
        tm_prepared: BTreeSet::new(),
        msgs: BTreeSet::new(),
    }
}

fn naive_consistent(s: &Naive) -> bool {
    let committed = s.rm_state.contains(&Rm::Committed);
    let aborted = s.rm_state.contains(&Rm::Aborted);
    !(committed && aborted)
}

/// Every enabled action of TPNext with its successor, stuttering steps included, in the
/// order the explorer documents: TmCommit, TmAbort, then per RM TmRcvPrepared, RmPrepare,
/// RmChooseToAbort, RmRcvCommitMsg, RmRcvAbortMsg.
fn naive_next(s: &Naive, broken: bool) -> Vec<(String, Naive)> {
    let n = s.rm_state.len() as u32;
    let mut out = Vec::new();
    let all_prepared = (0..n).all(|r| s.tm_prepared.contains(&r));
    let commit_allowed = if broken {
        !s.tm_prepared.is_empty()
    } else {
        all_prepared
    };
    if s.tm_state == Tm::Init && commit_allowed {
        let mut t = s.clone();
        t.tm_state = Tm::Committed;
        t.msgs.insert(Msg::Commit);
        out.push(("TmCommit".to_string(), t));
    }
    if s.tm_state == Tm::Init {
        let mut t = s.clone();
        t.tm_state = Tm::Aborted;
        t.msgs.insert(Msg::Abort);
        out.push(("TmAbort".to_string(), t));
    }
    for r in 0..n {
        let i = r as usize;
        if s.tm_state == Tm::Init && s.msgs.contains(&Msg::Prepared(r)) {
            let mut t = s.clone();
            t.tm_prepared.insert(r);
            out.push((format!("TmRcvPrepared({r})"), t));
        }
        if s.rm_state[i] == Rm::Working {
            let mut t = s.clone();
            t.rm_state[i] = Rm::Prepared;
            t.msgs.insert(Msg::Prepared(r));
            out.push((format!("RmPrepare({r})"), t));
            let mut t = s.clone();
            t.rm_state[i] = Rm::Aborted;
            out.push((format!("RmChooseToAbort({r})"), t));
        }
        if s.msgs.contains(&Msg::Commit) {
            let mut t = s.clone();
            t.rm_state[i] = Rm::Committed;
            out.push((format!("RmRcvCommitMsg({r})"), t));
        }
        if s.msgs.contains(&Msg::Abort) {
            let mut t = s.clone();
            t.rm_state[i] = Rm::Aborted;
            out.push((format!("RmRcvAbortMsg({r})"), t));
        }
    }
    out
}

/// The RMs renamed so that their (state, known prepared, Prepared sent) triples are sorted.
fn naive_canonical(s: &Naive) -> Naive {
    let mut rms: Vec<(Rm, bool, bool)> = (0..s.rm_state.len() as u32)
        .map(|r| {
            (
                s.rm_state[r as usize],
                s.tm_prepared.contains(&r),
                s.msgs.contains(&Msg::Prepared(r)),
            )
        })
        .collect();
    rms.sort();
    let mut msgs: BTreeSet<Msg> = s
        .msgs
        .iter()
        .copied()
        .filter(|m| !matches!(m, Msg::Prepared(_)))
        .collect();
    let mut tm_prepared = BTreeSet::new();
    for (r, &(_, known, sent)) in (0u32..).zip(&rms) {
        if known {
            tm_prepared.insert(r);
        }
        if sent {
            msgs.insert(Msg::Prepared(r));
        }
    }
    Naive {
        rm_state: rms.iter().map(|t| t.0).collect(),
        tm_state: s.tm_state,
        tm_prepared,
        msgs,
    }
}

struct Oracle {
    /// States in discovery order with their breadth-first depth.
    order: Vec<Naive>,
    depth: BTreeMap<Naive, u32>,
    /// Distinct (from, action, to) edges with from != to.
    edges: BTreeSet<(Naive, String, Naive)>,
}

fn oracle_bfs(n: u32, broken: bool) -> Oracle {
    let init = naive_init(n);
    let mut depth = BTreeMap::from([(init.clone(), 0)]);
    let mut order = vec![init.clone()];
    let mut queue = VecDeque::from([init]);
    let mut edges = BTreeSet::new();
    while let Some(s) = queue.pop_front() {
        let d = depth[&s];
        for (name, t) in naive_next(&s, broken) {
            if t != s {
                edges.insert((s.clone(), name, t.clone()));
            }
            if !depth.contains_key(&t) {
                depth.insert(t.clone(), d + 1);
                order.push(t.clone());
                queue.push_back(t);
            }
        }
    }
    Oracle {
        order,
        depth,
        edges,
    }
}

/// A breadth-first search over canonical representatives only.
fn oracle_symmetry_reduced_count(n: u32, broken: bool) -> usize {
    let init = naive_canonical(&naive_init(n));
    let mut seen = BTreeSet::from([init.clone()]);
    let mut queue = VecDeque::from([init]);
    while let Some(s) = queue.pop_front() {
        for (_, t) in naive_next(&s, broken) {
            let c = naive_canonical(&t);
            if seen.insert(c.clone()) {
                queue.push_back(c);
            }
        }
    }
    seen.len()
}

/// The explorer's public state in the oracle's terms, field by field.
fn to_naive(s: &TwoPhaseState) -> Naive {
    Naive {
        rm_state: s
            .rm_states
            .iter()
            .map(|r| match r {
                RmState::Working => Rm::Working,
                RmState::Prepared => Rm::Prepared,
                RmState::Committed => Rm::Committed,
                RmState::Aborted => Rm::Aborted,
            })
            .collect(),
        tm_state: match s.tm_state {
            TmState::Init => Tm::Init,
            TmState::Committed => Tm::Committed,
            TmState::Aborted => Tm::Aborted,
        },
        tm_prepared: s.tm_prepared.clone(),
        msgs: s
            .msgs
            .iter()
            .map(|m| match *m {
                Message::Prepared(r) => Msg::Prepared(r),
                Message::Commit => Msg::Commit,
                Message::Abort => Msg::Abort,
            })
            .collect(),
    }
}

/// Replays a path in the oracle: each action must be enabled and lead to the step's state.
fn replay(path: &mqlab_sim::explore::Path, n: u32, broken: bool) -> Naive {
    let mut current = to_naive(&path.init);
    assert_eq!(current, naive_init(n), "a path starts in the initial state");
    for (i, step) in path.steps.iter().enumerate() {
        let name = step.action.to_string();
        let next = to_naive(&step.state);
        assert!(
            naive_next(&current, broken)
                .iter()
                .any(|(a, t)| *a == name && *t == next),
            "step {i} ({name}) is not a step of the specification from {current:?}"
        );
        current = next;
    }
    current
}

fn config(n: u32, symmetry: bool, broken: bool) -> ExploreConfig {
    ExploreConfig {
        symmetry,
        broken,
        ..ExploreConfig::new(n)
    }
}

fn run(n: u32, symmetry: bool, broken: bool) -> Explorer {
    let mut explorer = Explorer::new(config(n, symmetry, broken)).expect("valid config");
    while !explorer.run_slice(10_000).done {}
    assert_eq!(explorer.status(), Status::Complete);
    explorer
}

// ---------------------------------------------------------------------------------------
// The tests.

#[test]
fn counts_match_the_naive_oracle_for_one_to_five_rms() {
    for n in 1..=5 {
        for broken in [false, true] {
            let oracle = oracle_bfs(n, broken);
            let result = run(n, true, broken).result();
            let what = format!("n = {n}, broken = {broken}");
            assert_eq!(result.distinct_states, oracle.order.len() as u64, "{what}");
            assert_eq!(
                result.max_depth,
                *oracle.depth.values().max().unwrap(),
                "{what}"
            );
            assert_eq!(result.transitions, oracle.edges.len() as u64, "{what}");
            let oracle_violations = oracle.order.iter().filter(|s| !naive_consistent(s)).count();
            assert_eq!(result.violations, oracle_violations as u64, "{what}");
            let orbits: BTreeSet<Naive> = oracle.order.iter().map(naive_canonical).collect();
            assert_eq!(result.symmetric_states, Some(orbits.len() as u64), "{what}");
        }
    }
}

#[test]
fn the_published_twophase_figures_are_reproduced() {
    // The distinct reachable states of the TwoPhase specification reported by TLC and by
    // Stateright's 2PC example.
    assert_eq!(explore(ExploreConfig::new(3)).unwrap().distinct_states, 288);
    assert_eq!(
        explore(ExploreConfig::new(5)).unwrap().distinct_states,
        8_832
    );
}

#[test]
fn states_get_ids_in_the_oracles_breadth_first_discovery_order() {
    for n in 1..=4 {
        let oracle = oracle_bfs(n, false);
        let explorer = run(n, false, false);
        for (id, expected) in (0u32..).zip(&oracle.order) {
            let state = explorer.state(StateId(id)).expect("id in range");
            assert_eq!(&to_naive(&state), expected, "n = {n}, id = {id}");
            assert_eq!(explorer.state_id(&state), Some(StateId(id)));
        }
        assert_eq!(explorer.state(StateId(oracle.order.len() as u32)), None);
    }
}

#[test]
fn the_correct_protocol_is_consistent_in_every_state() {
    for n in 1..=7 {
        let result = explore(ExploreConfig::new(n)).unwrap();
        assert_eq!(result.status, Status::Complete);
        assert!(result.distinct_states > 1);
        assert_eq!(result.violations, 0, "n = {n}");
        assert_eq!(result.first_violation, None);
        assert_eq!(result.counterexample, None);
    }
}

#[test]
fn a_tm_that_commits_without_all_votes_is_caught_with_a_shortest_counterexample() {
    for n in 2..=5 {
        let result = explore(config(n, false, true)).unwrap();
        assert!(result.violations > 0, "n = {n}");
        let path = result.counterexample.expect("a counterexample");
        let last = replay(&path, n, true);
        assert!(
            !naive_consistent(&last),
            "n = {n}: the path ends consistent"
        );
        let oracle = oracle_bfs(n, true);
        let shortest = oracle
            .order
            .iter()
            .filter(|s| !naive_consistent(s))
            .map(|s| oracle.depth[s])
            .min()
            .unwrap();
        assert_eq!(path.steps.len() as u32, shortest, "n = {n}");
        // The bug needs the TM to commit before every vote is in.
        let commit = path.steps.iter().position(|s| s.action == Action::TmCommit);
        let commit = commit.expect("the counterexample commits");
        assert!(path.steps[commit].state.tm_prepared.len() < n as usize);
    }
}

#[test]
fn with_one_rm_the_broken_tm_is_still_correct_because_one_vote_is_all_votes() {
    let result = explore(config(1, false, true)).unwrap();
    assert_eq!(result.violations, 0);
    assert_eq!(
        result.distinct_states,
        explore(ExploreConfig::new(1)).unwrap().distinct_states
    );
}

#[test]
fn every_shortest_path_replays_in_the_oracle_with_the_breadth_first_depth() {
    for (n, broken) in [(3, false), (3, true), (4, false)] {
        let oracle = oracle_bfs(n, broken);
        let explorer = run(n, false, broken);
        for id in 0..explorer.state_count() {
            let path = explorer.path_to(StateId(id)).expect("id in range");
            let last = replay(&path, n, broken);
            assert_eq!(
                Some(path.steps.len() as u32),
                explorer.depth(StateId(id)),
                "n = {n}, id = {id}"
            );
            assert_eq!(
                path.steps.len() as u32,
                oracle.depth[&last],
                "n = {n}, id = {id}"
            );
        }
        assert_eq!(explorer.path_to(StateId(explorer.state_count())), None);
    }
}

#[test]
fn the_symmetry_count_is_smaller_and_agrees_with_a_symmetry_reduced_search() {
    for n in 1..=5 {
        for broken in [false, true] {
            let result = explore(config(n, true, broken)).unwrap();
            let symmetric = result.symmetric_states.expect("asked for");
            assert_eq!(
                symmetric,
                oracle_symmetry_reduced_count(n, broken) as u64,
                "n = {n}"
            );
            if n == 1 {
                assert_eq!(symmetric, result.distinct_states);
            } else {
                assert!(symmetric < result.distinct_states, "n = {n}");
            }
        }
    }
    assert_eq!(
        explore(ExploreConfig::new(3)).unwrap().symmetric_states,
        None
    );
}

#[test]
fn running_in_slices_gives_the_same_result_as_one_call() {
    let whole = explore(config(4, true, true)).unwrap();
    for slice in [1, 7, 1000] {
        let mut explorer = Explorer::new(config(4, true, true)).unwrap();
        let mut last = explorer.progress();
        assert_eq!((last.explored, last.discovered, last.done), (0, 1, false));
        loop {
            let progress = explorer.run_slice(slice);
            assert!(progress.explored >= last.explored);
            assert!(progress.explored - last.explored <= slice);
            assert!(progress.discovered >= last.discovered);
            assert_eq!(progress.explored + progress.frontier, progress.discovered);
            last = progress;
            if progress.done {
                break;
            }
        }
        assert_eq!(explorer.result(), whole, "slice = {slice}");
        // Calling again after the end changes nothing.
        assert_eq!(explorer.run_slice(slice), last);
        assert_eq!(explorer.run_slice(0), last);
    }
}

#[test]
fn the_progress_callback_sees_every_slice_and_the_last_one_says_done() {
    let whole = explore(ExploreConfig::new(5)).unwrap();
    let mut seen = Vec::new();
    let result = explore_with_progress(ExploreConfig::new(5), 500, |progress| {
        seen.push(*progress);
        std::ops::ControlFlow::Continue(())
    })
    .unwrap();
    assert_eq!(result, whole);
    // 8,832 states in slices of 500: the 18th slice explores the last 332 and, with
    // budget left, finds the frontier empty and says done.
    assert_eq!(seen.len(), 8_832_usize.div_ceil(500));
    assert!(seen.windows(2).all(|w| w[1].explored >= w[0].explored));
    assert!(seen[..seen.len() - 1].iter().all(|p| !p.done));
    let last = seen.last().unwrap();
    assert!(last.done);
    assert_eq!(u64::from(last.discovered), whole.distinct_states);
}

#[test]
fn the_progress_callback_cancels_and_keeps_the_figures_so_far() {
    let mut calls = 0;
    let result = explore_with_progress(ExploreConfig::new(6), 1_000, |_| {
        calls += 1;
        if calls == 3 {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    })
    .unwrap();
    assert_eq!(calls, 3, "no slice runs after the cancel");
    assert_eq!(result.status, Status::Running);
    let whole = explore(ExploreConfig::new(6)).unwrap();
    assert!(result.distinct_states > 3_000);
    assert!(result.distinct_states < whole.distinct_states);
    assert_eq!(result.violations, 0);
}

#[test]
fn a_partial_result_reports_the_figures_so_far() {
    let mut explorer = Explorer::new(ExploreConfig::new(5)).unwrap();
    let progress = explorer.run_slice(100);
    assert!(!progress.done);
    assert_eq!(progress.explored, 100);
    let partial = explorer.result();
    assert_eq!(partial.status, Status::Running);
    assert_eq!(partial.distinct_states, u64::from(progress.discovered));
    assert_eq!(partial.max_depth, progress.depth);
}

#[test]
fn the_state_limit_stops_the_search_without_panicking() {
    let limited = ExploreConfig {
        max_states: 100,
        ..ExploreConfig::new(5)
    };
    let result = explore(limited).unwrap();
    assert_eq!(result.status, Status::StateLimitReached);
    assert_eq!(result.distinct_states, 100);
    assert_eq!(
        explore(ExploreConfig {
            max_states: 288,
            ..ExploreConfig::new(3)
        })
        .unwrap()
        .status,
        Status::Complete,
        "a limit equal to the state count is not reached"
    );
}

#[test]
fn bad_configurations_are_typed_errors_with_readable_messages() {
    for n in [0, MAX_RMS + 1, u32::MAX] {
        let error = Explorer::new(ExploreConfig::new(n)).err().expect("refused");
        assert!(matches!(error, ExploreError::RmCountOutOfRange { rm_count, .. } if rm_count == n));
        assert!(error.to_string().contains("between 1 and 14"), "{error}");
        assert_eq!(explore(ExploreConfig::new(n)).err(), Some(error.clone()));
        assert_eq!(state_graph(ExploreConfig::new(n)).err(), Some(error));
    }
    let zero = ExploreConfig {
        max_states: 0,
        ..ExploreConfig::new(2)
    };
    assert_eq!(explore(zero).err(), Some(ExploreError::MaxStatesZero));
    assert_eq!(
        state_graph(ExploreConfig::new(5)).err(),
        Some(ExploreError::GraphTooLarge {
            rm_count: 5,
            max: 4
        })
    );
}

#[test]
fn the_largest_rm_count_runs_in_slices() {
    let mut explorer = Explorer::new(ExploreConfig::new(MAX_RMS)).unwrap();
    let progress = explorer.run_slice(1_000);
    assert_eq!(progress.explored, 1_000);
    let deepest = StateId(progress.discovered - 1);
    let path = explorer.path_to(deepest).unwrap();
    replay(&path, MAX_RMS, false);
}

#[test]
fn the_state_graph_of_small_cases_is_the_oracles_graph() {
    for n in 1..=3 {
        for broken in [false, true] {
            let oracle = oracle_bfs(n, broken);
            let graph = state_graph(config(n, false, broken)).unwrap();
            assert_eq!(graph.states.len(), oracle.order.len());
            for (i, node) in graph.states.iter().enumerate() {
                assert_eq!(node.id, StateId(i as u32));
                let naive = to_naive(&node.state);
                assert_eq!(node.depth, oracle.depth[&naive]);
                assert_eq!(node.consistent, naive_consistent(&naive));
            }
            let edges: BTreeSet<(Naive, String, Naive)> = graph
                .edges
                .iter()
                .map(|e| {
                    let to = e.to.expect("complete graph");
                    (
                        to_naive(&graph.states[e.from.0 as usize].state),
                        e.action.to_string(),
                        to_naive(&graph.states[to.0 as usize].state),
                    )
                })
                .collect();
            assert_eq!(edges.len(), graph.edges.len(), "no duplicate edges");
            assert_eq!(edges, oracle.edges, "n = {n}, broken = {broken}");
        }
    }
}

#[test]
fn actions_are_named_subject_first_and_have_a_label() {
    assert_eq!(Action::TmRcvPrepared(2).to_string(), "TmRcvPrepared(2)");
    assert_eq!(Action::RmChooseToAbort(0).to_string(), "RmChooseToAbort(0)");
    assert_eq!(
        Action::RmPrepare(1).label(),
        "RM 1 prepares and sends Prepared"
    );
    assert_eq!(
        Action::TmCommit.label(),
        "TM decides to commit and sends Commit"
    );
}

/// splitmix64: the test's own seeded generator.
fn next_random(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[test]
fn random_walks_through_the_successor_lists_follow_the_oracle() {
    let explorers: Vec<(u32, bool, Explorer)> = [(2, false), (4, false), (4, true), (5, true)]
        .into_iter()
        .map(|(n, broken)| (n, broken, run(n, false, broken)))
        .collect();
    for seed in 0..200u64 {
        let mut random = seed;
        let (n, broken, explorer) = &explorers[(seed % explorers.len() as u64) as usize];
        let mut id = StateId(0);
        for step in 0..40 {
            let here = to_naive(&explorer.state(id).unwrap());
            let edges = explorer.successors(id).unwrap();
            let expected: Vec<(String, Naive)> = naive_next(&here, *broken)
                .into_iter()
                .filter(|(_, t)| *t != here)
                .collect();
            let got: Vec<(String, Naive)> = edges
                .iter()
                .map(|e| {
                    let to = e.to.expect("complete exploration");
                    (e.action.to_string(), to_naive(&explorer.state(to).unwrap()))
                })
                .collect();
            assert_eq!(got, expected, "seed {seed}, n = {n}, step {step}");
            if edges.is_empty() {
                break;
            }
            let pick = (next_random(&mut random) % edges.len() as u64) as usize;
            let target = edges[pick].to.unwrap();
            let depth = explorer.depth(target).unwrap();
            assert!(
                depth <= explorer.depth(id).unwrap() + 1,
                "seed {seed}: a step deepens by at most one level"
            );
            id = target;
        }
    }
}
