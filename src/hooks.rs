//! Effects that live outside the simulator's state: the URL fragment that holds the
//! current run, so that a link reproduces it exactly.

use gloo::events::{EventListener, EventListenerOptions};
use gloo::timers::callback::{Interval, Timeout};
use mqlab_sim::SharedRun;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::{Lab, LabAction, Notice};

/// The shortest time between two player callbacks: about 30 a second, so the whole page
/// is drawn at most every other frame while the stage glides its tokens on every frame in
/// between (a callback's glide lasts as long as the callback period).
const FRAME_MS: u32 = 33;

/// The player's cadence at a speed: (milliseconds between timer callbacks, steps per
/// callback). Slow speeds take one step per callback; fast ones batch steps per frame.
pub fn cadence(steps_per_second: u32) -> (u32, u32) {
    let steps_per_second = steps_per_second.max(1);
    let period_ms = 1000 / steps_per_second;
    if period_ms >= FRAME_MS {
        (period_ms, 1)
    } else {
        (FRAME_MS, steps_per_second.div_ceil(1000 / FRAME_MS))
    }
}

/// How many of a view's later parts are drawn: none on the view's first render, then one
/// more in each following task, up to `parts`. A view that would build much at once draws
/// its first screenful at once and the rest a part per task, so that opening it never
/// holds the page for long (the browser also compiles the code a part runs for the first
/// time while drawing it).
#[hook]
pub fn use_parts_drawn(parts: u8) -> u8 {
    let drawn = use_state(|| 0u8);
    {
        let drawn = drawn.clone();
        use_effect_with(*drawn, move |now| {
            let now = *now;
            let next = (now < parts).then(|| Timeout::new(0, move || drawn.set(now + 1)));
            move || drop(next)
        });
    }
    *drawn
}

/// A jump of more steps than this (to the end, back to the start, across the diagram)
/// draws the stage at once and the long lists in the next task.
const CATCH_UP_STEPS: u64 = 48;

/// The lab's version that a view's long lists (the narration, the ledger, the space-time
/// diagram) show. A step or a short batch shows at once; after a jump of many steps the
/// lists keep the version they showed for one task, and catch up in the next, so that the
/// stage and the controls answer at once and the rest is drawn in a task of its own.
#[hook]
pub fn use_lists_version(version: u64, step: u64) -> u64 {
    let shown = use_mut_ref(|| (version, step));
    let update = use_force_update();
    let jump = step.abs_diff(shown.borrow().1) > CATCH_UP_STEPS;
    if !jump {
        *shown.borrow_mut() = (version, step);
    }
    {
        let shown = shown.clone();
        use_effect_with((jump, version), move |(jump, version)| {
            let version = *version;
            let later = jump.then(|| {
                Timeout::new(0, move || {
                    *shown.borrow_mut() = (version, step);
                    update.force_update();
                })
            });
            move || drop(later)
        });
    }
    let version_shown = shown.borrow().0;
    version_shown
}

/// The player: a timer that exists only while the lab is playing, rebuilt when the
/// speed changes, that only dispatches steps.
#[hook]
pub fn use_player(lab: &UseReducerHandle<Lab>) {
    let dispatcher = lab.dispatcher();
    let speed = lab.steps_per_second();
    use_effect_with((lab.playing, speed), move |(playing, speed)| {
        let timer = playing.then(|| {
            let (period_ms, steps) = cadence(*speed);
            Interval::new(period_ms, move || {
                dispatcher.dispatch(if steps == 1 {
                    LabAction::Step
                } else {
                    LabAction::Advance(steps)
                })
            })
        });
        move || drop(timer)
    });
}

/// True when a key press is meant for a form field or a dialog rather than for the
/// playback shortcuts.
fn typing_in_field(event: &web_sys::KeyboardEvent) -> bool {
    let Some(element) = event
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
    else {
        return false;
    };
    matches!(element.tag_name().as_str(), "INPUT" | "SELECT" | "TEXTAREA")
        || element.closest("[role=dialog]").ok().flatten().is_some()
}

/// Playback shortcuts for the whole document while `active`: each key that `shortcut`
/// maps to an action of the player `player` (the simulator's lab, a lesson's, the
/// Transactions view's) dispatches it. Keys a focused element already handled (a tab
/// list's arrows) are left alone, and Space on a focused button presses that button.
#[hook]
pub fn use_playback_keys<R>(
    player: &UseReducerHandle<R>,
    active: bool,
    shortcut: fn(&str) -> Option<R::Action>,
) where
    R: Reducible + 'static,
{
    let dispatcher = player.dispatcher();
    use_effect_with(active, move |active| {
        let listener = active.then(|| {
            EventListener::new_with_options(
                &gloo::utils::document(),
                "keydown",
                EventListenerOptions::enable_prevent_default(),
                move |event| {
                    let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                        return;
                    };
                    if event.default_prevented()
                        || event.ctrl_key()
                        || event.meta_key()
                        || event.alt_key()
                        || typing_in_field(event)
                    {
                        return;
                    }
                    let on_button = event
                        .target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|e| e.tag_name() == "BUTTON" || e.tag_name() == "A");
                    if event.key() == " " && on_button {
                        return;
                    }
                    if let Some(action) = shortcut(&event.key()) {
                        event.prevent_default();
                        dispatcher.dispatch(action);
                    }
                },
            )
        });
        move || drop(listener)
    });
}

/// The current fragment, without its `#`.
/// Reads a fragment into an action: a run to load, or a notice saying why it can't be.
/// Fragments that are not run links (such as `#main`, the skip link's target) are ignored.
pub fn fragment_action(fragment: &str) -> Option<LabAction> {
    let looks_like_a_run = fragment.starts_with('v')
        && fragment[1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .count()
            > 0;
    if !looks_like_a_run {
        return None;
    }
    let words = crate::words::current();
    Some(match SharedRun::from_link(fragment) {
        Ok(shared) => LabAction::Load {
            shared: Box::new(shared),
            notice: Some(Notice::Info(
                words.get(mqlab_text::page::Key::LinkOpened).to_string(),
            )),
        },
        Err(error) => LabAction::Notify(Notice::refused(
            &words,
            |words, error| {
                words.fill(
                    mqlab_text::page::Key::LinkRefused,
                    &[("error", error.into())],
                )
            },
            move |words| error.describe_in(words),
        )),
    })
}

/// Keeps the URL fragment equal to the run's link while paused, and opens the run a
/// fragment describes when the page loads or the fragment changes.
#[hook]
pub fn use_url_sync(lab: UseReducerHandle<Lab>) {
    // Open the link the page was loaded with, and any link pasted into the address bar.
    {
        let dispatcher = lab.dispatcher();
        let run = lab.run.clone();
        use_effect_with((), move |_| {
            // The run link follows the page part (view, theme) of the address, if any. A
            // link that cannot be opened stays in the address bar until the run changes.
            let open = move || {
                let fragment = crate::page_link::current_fragment();
                let action = fragment_action(crate::page_link::split(&fragment).1)?;
                if matches!(action, LabAction::Notify(_)) {
                    let link = SharedRun::from_run(&run.borrow()).to_link();
                    crate::page_link::note_bad_fragment(&fragment, &link);
                }
                Some(action)
            };
            if let Some(action) = open() {
                dispatcher.dispatch(action);
            }
            let listener = EventListener::new(&gloo::utils::window(), "hashchange", move |_| {
                if let Some(action) = open() {
                    dispatcher.dispatch(action);
                }
            });
            move || drop(listener)
        });
    }
    // Write the link whenever the run changes and is not playing (writing on every
    // frame of a fast run would only churn the history entry).
    {
        let run = lab.run.clone();
        use_effect_with((lab.version, lab.playing), move |(_, playing)| {
            if !*playing {
                let link = SharedRun::from_run(&run.borrow()).to_link();
                crate::panic_panel::remember_run(&link, run.borrow().scenario().seed);
                let fragment = crate::page_link::current_fragment();
                let (page, _) = crate::page_link::split(&fragment);
                let wanted = crate::page_link::join(&page, &link);
                if fragment != wanted && !crate::page_link::keeps_bad_fragment(&fragment, &link) {
                    if let Ok(history) = gloo::utils::window().history() {
                        // Replace, not push: the back button leaves the page rather than
                        // stepping through every state the run passed.
                        let _ = history.replace_state_with_url(
                            &wasm_bindgen::JsValue::NULL,
                            "",
                            Some(&format!("#{wanted}")),
                        );
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::SPEEDS;
    use mqlab_sim::Scenario;

    #[test]
    fn slow_speeds_take_one_step_per_timer_callback() {
        assert_eq!(cadence(1), (1000, 1));
        assert_eq!(cadence(4), (250, 1));
        assert_eq!(cadence(16), (62, 1));
        // Above 30 a second, steps are batched: two per callback at 60 steps a second.
        assert_eq!(cadence(60), (33, 2));
    }

    #[test]
    fn fast_speeds_batch_steps_per_frame() {
        let (period, steps) = cadence(1000);
        assert_eq!(period, FRAME_MS);
        // 30 callbacks a second at 33 ms: at least the asked-for speed.
        assert!(steps * (1000 / FRAME_MS) >= 1000, "{steps} steps per frame");
    }

    #[test]
    fn every_speed_has_a_cadence() {
        for speed in SPEEDS {
            let (period, steps) = cadence(speed);
            assert!(period >= FRAME_MS && steps >= 1);
        }
    }

    #[test]
    fn a_lesson_link_is_not_a_run_link() {
        let lesson = &mqlab_sim::lessons::all()[0];
        assert_eq!(fragment_action(&lesson.link_fragment()), None);
    }

    #[test]
    fn ordinary_fragments_are_not_runs() {
        assert_eq!(fragment_action(""), None);
        assert_eq!(fragment_action("main"), None);
        assert_eq!(fragment_action("view"), None);
    }

    #[test]
    fn a_valid_link_loads_its_run() {
        let link = SharedRun::new(Scenario::default()).to_link();
        assert!(matches!(
            fragment_action(&link),
            Some(LabAction::Load { .. })
        ));
    }

    #[test]
    fn a_damaged_link_is_explained_not_loaded() {
        let link = SharedRun::new(Scenario::default()).to_link();
        for broken in [
            &link[..link.len() - 3],
            "v1.mode=sideways",
            "v99.mode=idempotent~00000000",
        ] {
            match fragment_action(broken) {
                Some(LabAction::Notify(Notice::Error(text))) => {
                    assert!(text.starts_with("This link cannot be opened: "), "{text}")
                }
                other => panic!("{broken:?} gave {other:?}"),
            }
        }
    }
}
