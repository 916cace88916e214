//! The worker's cells, rebuilt by the page from its plan, are the cells of the search run
//! on the page in slices: the same in every field, in the same order.

use mqlab_matrix_worker::{serve, Plan, Reply, Request};
use mqlab_sim::matrix::{modes_for, MatrixJob, MatrixOptions};
use mqlab_sim::{KafkaConfig, Scenario};

/// Runs a search through the worker's protocol (its JSON both ways) with a clock that
/// moves `tick` ms per look, and rebuilds the cells as the page does.
fn through_worker(
    scenario: &Scenario,
    options: &MatrixOptions,
    tick: f64,
) -> Vec<mqlab_sim::matrix::Cell> {
    let request = Request::new(scenario, options)
        .to_json()
        .expect("a request is written");
    let plan = Plan::new(scenario, options.clone()).expect("the scenario runs");
    let mut clock = 0.0;
    let mut replies = Vec::new();
    serve(
        &request,
        || {
            clock += tick;
            clock
        },
        |reply| replies.push(reply.to_json()),
        100.0,
    );
    assert!(replies.len() > 1 || tick == 0.0, "cells come in batches");
    let mut cells = Vec::new();
    for text in replies {
        match Reply::from_json(&text).expect("a reply is read") {
            Reply::Cells {
                first,
                cells: batch,
                total,
            } => {
                assert_eq!(first as usize, cells.len(), "batches come in order");
                assert_eq!(total, plan.total());
                for wire in batch {
                    let index = cells.len();
                    cells.push(plan.cell(index, wire).expect("the cell is in the plan"));
                }
            }
            other => panic!("unexpected reply {other:?}"),
        }
    }
    cells
}

fn sliced(scenario: &Scenario, options: &MatrixOptions) -> Vec<mqlab_sim::matrix::Cell> {
    let mut job = MatrixJob::new(scenario, options.clone()).expect("the scenario runs");
    while !job.run_slice(4).finished {}
    job.cells().to_vec()
}

#[test]
fn worker_cells_are_the_sliced_cells_with_consumer_groups() {
    let mut scenario = Scenario {
        messages: 12,
        ..Scenario::default()
    };
    scenario.topology.consumers = 6;
    scenario.kafka = Some(KafkaConfig {
        groups: 3,
        partitions: 4,
        ..KafkaConfig::default()
    });
    let options = MatrixOptions {
        modes: modes_for(&scenario),
        ..MatrixOptions::singles()
    };
    let worker = through_worker(&scenario, &options, 7.0);
    let page = sliced(&scenario, &options);
    assert_eq!(worker.len(), page.len());
    assert!(worker.iter().any(|cell| cell.group_summaries.len() == 3));
    assert!(worker
        .iter()
        .any(|cell| cell.outcome != mqlab_sim::matrix::Outcome::ExactlyOnce));
    assert_eq!(worker, page);
}

#[test]
fn worker_cells_are_the_sliced_cells_with_pairs_on_a_queue() {
    let scenario = Scenario {
        messages: 3,
        ..Scenario::default()
    };
    let options = MatrixOptions {
        pairs: true,
        ..MatrixOptions::singles()
    };
    assert_eq!(
        through_worker(&scenario, &options, 30.0),
        sliced(&scenario, &options)
    );
}

#[test]
fn bad_requests_are_answered_in_words() {
    let mut replies = Vec::new();
    serve(
        "{not json",
        || 0.0,
        |reply| replies.push(reply.clone()),
        100.0,
    );
    let request = Request {
        modes: vec!["sometimes".into()],
        ..Request::new(&Scenario::default(), &MatrixOptions::singles())
    };
    let text = request.to_json().expect("a request is written");
    serve(&text, || 0.0, |reply| replies.push(reply.clone()), 100.0);
    assert_eq!(replies.len(), 2);
    for reply in &replies {
        assert!(
            matches!(reply, Reply::Failed { reason } if !reason.is_empty()),
            "{reply:?}"
        );
    }
    assert!(matches!(&replies[1], Reply::Failed { reason } if reason.contains("sometimes")));
}

#[test]
fn a_cell_past_the_plan_is_none() {
    let scenario = Scenario::default();
    let plan = Plan::new(&scenario, MatrixOptions::singles()).expect("the scenario runs");
    let page = sliced(&scenario, &MatrixOptions::singles());
    let wire = mqlab_matrix_worker::WireCell::of(&page[0]);
    assert!(plan.cell(page.len(), wire.clone()).is_none());
    assert_eq!(plan.cell(0, wire), Some(page[0].clone()));
}
