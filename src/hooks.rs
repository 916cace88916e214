//! Effects that live outside the simulator's state: the URL fragment that holds the
//! current run, so that a link reproduces it exactly.

use gloo::events::{EventListener, EventListenerOptions};
use std::cell::RefCell;
use std::rc::Rc;

use gloo::render::{request_animation_frame, AnimationFrame};
use gloo::timers::callback::Timeout;
use mqlab_sim::SharedRun;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::state::{Lab, LabAction, Notice};

/// The shortest time between two player steps: about 30 a second, so the whole page is
/// drawn at most every other frame while the stage glides its tokens on every frame in
/// between (a glide lasts as long as the player's period).
const FRAME_MS: u32 = 33;

/// The player's cadence at a speed: (milliseconds between steps, steps each time). Slow
/// speeds take one step at a time; fast ones batch steps about 30 times a second.
pub fn cadence(steps_per_second: u32) -> (u32, u32) {
    let steps_per_second = steps_per_second.max(1);
    let period_ms = 1000 / steps_per_second;
    if period_ms >= FRAME_MS {
        (period_ms, 1)
    } else {
        (FRAME_MS, steps_per_second.div_ceil(1000 / FRAME_MS))
    }
}

/// The English of a catalogue the page does not carry (`crate::words::fetch_late`),
/// fetched the first time `needed` is true: `None` until the fetch has ended, then
/// whether it worked. The component is drawn again when it ends.
#[hook]
pub fn use_late_words(file: mqlab_text::File, needed: bool) -> Option<Result<(), String>> {
    let fetch = use_state(|| None::<Result<(), String>>);
    {
        let fetch = fetch.clone();
        use_effect_with(needed, move |needed| {
            if *needed && fetch.is_none() {
                yew::platform::spawn_local(async move {
                    fetch.set(Some(crate::words::fetch_late(file).await));
                });
            }
        });
    }
    (*fetch).clone()
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

/// The player: a loop of animation frames that exists only while the lab is playing,
/// rebuilt when the speed changes, that only dispatches steps. Steps are taken at the
/// start of a frame, so the page is drawn right after them in the same frame, never in a
/// frame that a timer firing late would push past its deadline.
#[hook]
pub fn use_player(lab: &UseReducerHandle<Lab>) {
    let dispatcher = lab.dispatcher();
    let speed = lab.steps_per_second();
    use_effect_with((lab.playing, speed), move |(playing, speed)| {
        let frames = Rc::new(RefCell::new(None));
        if *playing {
            play_in_frames(frames.clone(), dispatcher, PlayerClock::default(), *speed);
        }
        move || drop(frames.borrow_mut().take())
    });
}

fn play_in_frames(
    frames: Rc<RefCell<Option<AnimationFrame>>>,
    dispatcher: UseReducerDispatcher<Lab>,
    mut clock: PlayerClock,
    steps_per_second: u32,
) {
    let next = frames.clone();
    let frame = request_animation_frame(move |now| {
        let steps = clock.due(now, steps_per_second);
        // The next frame is asked for first: a step that ends the run stops the player,
        // and stopping cancels the frame asked for.
        play_in_frames(next, dispatcher.clone(), clock, steps_per_second);
        if steps > 0 {
            dispatcher.dispatch(if steps == 1 {
                LabAction::Step
            } else {
                LabAction::Advance(steps)
            });
        }
    });
    *frames.borrow_mut() = Some(frame);
}

/// The longest time between two frames that the player makes up for: a tab that was
/// hidden, or a machine that stalled, resumes at the speed chosen, without a burst.
const MAX_CATCH_UP_MS: f64 = 100.0;

/// The player's clock, read once per animation frame: how many steps are due. The time
/// that passes owes steps at the speed chosen, so the speed is the same at any frame
/// rate; they are taken at most about 30 times a second (every other frame at 60 frames
/// a second when fast), so that the page between is only the tokens' glide.
#[derive(Clone, Copy, Default)]
struct PlayerClock {
    last_frame: Option<f64>,
    last_steps: f64,
    owed: f64,
}

impl PlayerClock {
    fn due(&mut self, now: f64, steps_per_second: u32) -> u32 {
        let Some(last_frame) = self.last_frame.replace(now) else {
            self.last_steps = now;
            return 0;
        };
        self.owed += (now - last_frame).clamp(0.0, MAX_CATCH_UP_MS)
            * f64::from(steps_per_second.max(1))
            / 1000.0;
        // Frames come a little early or late: two frames of 16.7 ms make a 33 ms period.
        let steps = (self.owed + 1e-6).floor();
        if steps < 1.0 || now - self.last_steps < f64::from(FRAME_MS) - FRAME_SLACK_MS {
            return 0;
        }
        self.last_steps = now;
        self.owed -= steps;
        steps as u32
    }
}

/// How early a frame may come and still count as a player period later.
const FRAME_SLACK_MS: f64 = 4.0;

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
    fn slow_speeds_take_one_step_at_a_time() {
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

    /// Steps a clock through `seconds` of frames `frame_ms` apart: (steps, times stepped).
    fn play(steps_per_second: u32, frame_ms: f64, seconds: f64) -> (u32, u32) {
        let mut clock = PlayerClock::default();
        let (mut steps, mut times) = (0, 0);
        let mut now = 1234.5;
        while now < 1234.5 + seconds * 1000.0 {
            let due = clock.due(now, steps_per_second);
            steps += due;
            times += u32::from(due > 0);
            now += frame_ms;
        }
        (steps, times)
    }

    #[test]
    fn the_player_keeps_its_speed_at_any_frame_rate() {
        for frame_ms in [1000.0 / 60.0, 1000.0 / 120.0, 1000.0 / 144.0, 1000.0 / 30.0] {
            for speed in SPEEDS {
                let (steps, times) = play(speed, frame_ms, 10.0);
                let expected = f64::from(speed) * 10.0;
                // Within a step or two, or one period's worth at slow speeds.
                let slack = 2.0 + f64::from(cadence(speed).1);
                assert!(
                    (f64::from(steps) - expected).abs() <= slack.max(expected * 0.02),
                    "{speed} steps/s at {frame_ms:.1} ms frames: {steps} steps in 10 s"
                );
                // Never more often than about 30 times a second.
                assert!(
                    times <= 10 * 31,
                    "{speed} steps/s: stepped {times} times in 10 s"
                );
            }
        }
    }

    #[test]
    fn fast_play_steps_every_other_frame_at_60_frames_a_second() {
        let mut clock = PlayerClock::default();
        let frame = 1000.0 / 60.0;
        let due: Vec<u32> = (0..9)
            .map(|i| clock.due(f64::from(i) * frame, 1000))
            .collect();
        assert_eq!(
            due.iter().map(|&d| d > 0).collect::<Vec<_>>(),
            [false, false, true, false, true, false, true, false, true]
        );
        assert!(
            due.iter().all(|&d| d == 0 || (33..=34).contains(&d)),
            "{due:?}"
        );
    }

    #[test]
    fn a_long_pause_between_frames_is_not_made_up_for() {
        let mut clock = PlayerClock::default();
        assert_eq!(clock.due(0.0, 1000), 0);
        // A tab hidden for a minute resumes with at most a tenth of a second's steps.
        assert_eq!(clock.due(60_000.0, 1000), 100);
        assert_eq!(clock.due(60_000.0 + 100.0 / 3.0, 1000), 33);
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
