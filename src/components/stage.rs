//! The stage: the pipeline drawn in SVG.

use mqlab_sim::{NodeId, Scenario};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StageProps {
    pub scenario: Scenario,
}

/// Where a node sits on the stage, in SVG user units.
fn node_position(node: NodeId) -> (i32, i32) {
    match node {
        NodeId::Producer => (120, 250),
        NodeId::Broker => (480, 250),
        NodeId::Consumer => (840, 250),
        NodeId::Coordinator => (480, 70),
    }
}

#[component]
pub fn Stage(props: &StageProps) -> Html {
    let present = props.scenario.nodes();
    let nodes = NodeId::ALL.iter().map(|&node| {
        let (x, y) = node_position(node);
        let absent = !present.contains(&node);
        let class = classes!("node", node.name(), absent.then_some("absent"));
        html! {
            <g class={class} transform={format!("translate({x},{y})")}>
                <rect class="node-box" x="-90" y="-40" width="180" height="80" rx="12"
                      style={format!("stroke: var(--{})", node.name())} />
                <text class="node-title" text-anchor="middle" y="2">{ node.label() }</text>
                if absent {
                    <text class="node-sub" text-anchor="middle" y="22">{ "transactional mode only" }</text>
                }
            </g>
        }
    });
    html! {
        <svg role="img" aria-label="The message pipeline: producer, broker and consumer, with the 2PC coordinator above"
             viewBox="0 0 960 330">
            <path class="link" d="M210 250 H390" />
            <path class="link" d="M570 250 H750" />
            { for nodes }
        </svg>
    }
}
