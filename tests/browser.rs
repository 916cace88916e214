//! Browser tests: the app and its components rendered into a real DOM in headless
//! Chromium (wasm-bindgen-test). The logic is tested natively; these check what the DOM
//! shows and that clicks reach the core.
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use mqlab::app::App;
use mqlab::components::ledger_view::LedgerView;
use mqlab::components::stage::Stage;
use mqlab_sim::{Command, CrashPoint, Mode, NodeId, Scenario, Sim};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh container in the document.
fn container() -> web_sys::Element {
    let document = gloo::utils::document();
    let div = document.create_element("div").expect("a div");
    document
        .body()
        .expect("a body")
        .append_child(&div)
        .expect("appended");
    div
}

/// Lets Yew render: it schedules renders on the microtask queue, and the simulator draws
/// its parts over several tasks, so this waits until the document's text stops changing.
async fn settle() {
    let body_text = || {
        gloo::utils::document()
            .body()
            .and_then(|body| body.text_content())
            .unwrap_or_default()
    };
    yew::platform::time::sleep(Duration::from_millis(30)).await;
    let mut last = body_text();
    for _ in 0..100 {
        yew::platform::time::sleep(Duration::from_millis(20)).await;
        let now = body_text();
        if now == last {
            return;
        }
        last = now;
    }
}

fn text(root: &web_sys::Element) -> String {
    root.text_content().unwrap_or_default()
}

fn button(root: &web_sys::Element, name: &str) -> web_sys::HtmlElement {
    let buttons = root.query_selector_all("button").expect("buttons");
    for index in 0..buttons.length() {
        let element: web_sys::HtmlElement = buttons.get(index).expect("a node").unchecked_into();
        let label = element
            .get_attribute("aria-label")
            .unwrap_or_else(|| element.inner_text());
        if label.trim() == name {
            return element;
        }
    }
    panic!("no button named {name:?}");
}

fn set_fragment(fragment: &str) {
    let history = gloo::utils::window().history().expect("history");
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment))
        .expect("fragment set");
}

/// Draws the stage for a snapshot into `root` and waits for it to settle.
async fn mount_stage(root: &web_sys::Element, snapshot: mqlab_sim::Snapshot) {
    #[derive(Properties, PartialEq)]
    struct Props {
        snapshot: mqlab_sim::Snapshot,
    }
    #[component]
    fn Host(props: &Props) -> Html {
        html! { <Stage snapshot={props.snapshot.clone()} /> }
    }
    yew::Renderer::<Host>::with_root_and_props(root.clone(), Props { snapshot }).render();
    settle().await;
}

#[wasm_bindgen_test]
async fn the_stage_draws_the_nodes_the_core_names() {
    let root = container();
    let snapshot = Sim::new(&Scenario::default())
        .expect("default scenario")
        .snapshot();
    mount_stage(&root, snapshot).await;
    let shown = text(&root);
    for node in NodeId::ALL {
        assert!(
            shown.contains(node.label().as_str()),
            "{} missing from {shown}",
            node.label()
        );
    }
    assert!(root
        .query_selector("svg[role=img]")
        .expect("query")
        .is_some());
}

#[wasm_bindgen_test]
async fn the_stage_draws_every_node_of_the_topology_inside_its_drawing() {
    let root = container();
    let scenario = Scenario {
        topology: mqlab_sim::Topology {
            producers: 2,
            brokers: 1,
            consumers: 3,
        },
        ..Scenario::default()
    };
    let snapshot = Sim::new(&scenario)
        .expect("two producers and three consumers")
        .snapshot();
    mount_stage(&root, snapshot).await;
    let boxes = root
        .query_selector_all("svg[role=img] g.node:not(.absent)")
        .expect("query");
    assert_eq!(boxes.length(), 6);
    let cards = root.query_selector_all(".node-card").expect("query");
    assert_eq!(cards.length(), 6);
    let shown = text(&root);
    for label in ["Producer 2", "Consumer 2", "Consumer 3"] {
        assert!(shown.contains(label), "{label} missing from {shown}");
    }
    // The drawing grew by two rows to hold the third consumer.
    let svg = root
        .query_selector("svg[role=img]")
        .expect("query")
        .expect("the drawing");
    assert_eq!(
        svg.get_attribute("viewBox").as_deref(),
        Some("0 186 960 394")
    );
}

#[wasm_bindgen_test]
async fn the_ledger_reads_its_counters_from_the_summary() {
    // The page fetches the explanations' English once its run has moved; this test has
    // no site to fetch from, so it carries them.
    mqlab_text::late::carry(mqlab_text::File::Steps);
    let root = container();
    let mut sim = Sim::new(&Scenario {
        mode: Mode::AtLeastOnce,
        ..Scenario::default()
    })
    .expect("scenario");
    sim.apply(Command::CrashAt {
        point: CrashPoint::ConsumerAfterApply,
        message: Some(1),
        instance: 0,
    })
    .expect("armed");
    sim.run_until_quiet(100_000);
    let summary = sim.summary();
    assert_eq!(summary.duplicated, 1, "the core's own verdict");
    #[derive(Properties, PartialEq)]
    struct Props {
        summary: mqlab_sim::Summary,
        records: Vec<mqlab_sim::MessageRecord>,
        anomalies: Vec<mqlab_sim::Anomaly>,
    }
    #[component]
    fn Host(props: &Props) -> Html {
        html! { <LedgerView summary={props.summary.clone()} records={props.records.clone()}
        anomalies={props.anomalies.clone()} dispatch={Callback::noop()} /> }
    }
    let props = Props {
        summary: summary.clone(),
        records: sim.ledger().messages().to_vec(),
        anomalies: sim.ledger().anomalies(),
    };
    yew::Renderer::<Host>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let shown = text(&root);
    assert!(shown.contains("Duplicated: 1"), "{shown}");
    assert!(
        shown.contains(&format!("Exactly once: {}", summary.exactly_once)),
        "{shown}"
    );
    assert!(shown.contains("duplicated ×2"), "{shown}");
    let explanation = &sim.ledger().anomalies()[0].explanation;
    assert!(
        !explanation.is_empty() && shown.contains(explanation),
        "{shown}"
    );
}

#[wasm_bindgen_test]
async fn clicks_reach_the_core_and_a_crash_empties_a_nodes_memory() {
    set_fragment("#");
    let root = container();
    yew::Renderer::<App>::with_root(root.clone()).render();
    settle().await;
    assert!(text(&root).contains("step 0 · tick 0"), "{}", text(&root));
    button(&root, "Step").click();
    settle().await;
    assert!(text(&root).contains("step 1 ·"), "{}", text(&root));
    button(&root, "Step back").click();
    settle().await;
    assert!(text(&root).contains("step 0 · tick 0"), "{}", text(&root));
    button(&root, "Crash consumer").click();
    settle().await;
    let card = root
        .query_selector(".node-card.consumer")
        .expect("query")
        .expect("the consumer's card");
    assert!(card.class_name().split(' ').any(|c| c == "down"));
    assert!(
        text(&card).contains("wiped by the crash"),
        "{}",
        text(&card)
    );
    assert!(!button(&root, "Restart consumer").has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn a_malformed_link_gets_a_message_and_the_default_run() {
    set_fragment("#v1.mode=at-least-once&seed=oops~00000000");
    let root = container();
    yew::Renderer::<App>::with_root(root.clone()).render();
    settle().await;
    settle().await;
    let alert = root
        .query_selector("[role=alert]")
        .expect("query")
        .expect("an alert");
    assert!(
        text(&alert).contains("This link cannot be opened"),
        "{}",
        text(&alert)
    );
    assert!(text(&root).contains("step 0 · tick 0"));
    set_fragment("#");
}
