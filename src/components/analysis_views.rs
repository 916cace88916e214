//! The root of the analysis module: Compare, the crash matrix and the protocol lab, the
//! views that search many runs. They are built into a WebAssembly module of their own
//! (`src/bin/mqlab-analysis.rs`) that the page fetches when one of them first opens, so
//! that the first view downloads none of their code (see `analysis_host.rs`).
//!
//! The module keeps a lab of its own, opened on the simulator's run as its link gives it:
//! these views read the run and never change it. Opening a run from them goes through the
//! address bar, as any run link does, and `on_open` brings the simulator to the front.

use std::rc::Rc;

use mqlab_sim::{Scenario, SharedRun};
use mqlab_text::analysis::Key;
use mqlab_text::Words;
use yew::prelude::*;

use crate::components::challenges::Challenges;
use crate::components::compare_view::CompareView;
use crate::components::crash_matrix::CrashMatrix;
use crate::components::protocol_lab::ProtocolLab;
use crate::state::{Lab, LabAction};
use crate::view::View;
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct AnalysisViewsProps {
    /// The view to show (Compare, the crash matrix or the protocol lab).
    pub view: View,
    /// The simulator's run, as its link.
    pub run_link: AttrValue,
    /// Shows the simulator: a run was opened from this view.
    pub on_open: Callback<()>,
}

/// A lab on the run a link describes; a link that cannot be opened gives the default run
/// with a notice saying why (the simulator wrote the link, so this is not expected).
pub fn lab_from_link(link: &str, words: &Words) -> Lab {
    let lab = Rc::new(Lab::new(&Scenario::default()));
    let action = match SharedRun::from_link(link) {
        Ok(shared) => LabAction::Load {
            shared: Box::new(shared),
            notice: None,
        },
        Err(error) => LabAction::Notify(crate::state::Notice::Error(words.fill(
            Key::CommonRunUnreadable,
            &[("error", error.describe_in(words).into())],
        ))),
    };
    Rc::unwrap_or_clone(lab.reduce(action))
}

#[component]
pub fn AnalysisViews(props: &AnalysisViewsProps) -> Html {
    let words = words_now();
    let link = props.run_link.clone();
    let lab = use_reducer(move || lab_from_link(&link, &words));
    {
        // A new run from the simulator while the view is open (a link followed in the
        // address bar) replaces the one shown.
        let lab = lab.clone();
        use_effect_with(props.run_link.clone(), move |link| {
            if let Ok(shared) = SharedRun::from_link(link) {
                if SharedRun::from_run(&lab.run.borrow()) != shared {
                    lab.dispatch(LabAction::Load {
                        shared: Box::new(shared),
                        notice: None,
                    });
                }
            }
        });
    }
    match props.view {
        View::Compare => html! { <CompareView lab={lab} on_open={props.on_open.clone()} /> },
        View::CrashMatrix => html! { <CrashMatrix lab={lab} on_open={props.on_open.clone()} /> },
        View::ProtocolLab => html! { <ProtocolLab /> },
        View::Challenges => html! { <Challenges lab={lab} on_open={props.on_open.clone()} /> },
        View::Simulator | View::Lessons | View::Transactions => Html::default(),
    }
}
