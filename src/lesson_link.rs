//! Lesson links: the URL fragment `#lesson=<slug>` opens a built-in lesson, and
//! `#lesson1.…` the lesson a lesson link carries whole (docs/lesson-format.md). Run links (`#v1.…`)
//! belong to `hooks::use_url_sync`, which ignores lesson fragments; this hook keeps the
//! fragment on the lesson while one is open in the Lessons view.

use gloo::events::EventListener;
use mqlab_sim::lesson_file::{LESSON_LINK_PREFIX, MAX_LESSON_LINK_CHARS};
use mqlab_sim::lessons::LINK_PREFIX;
use mqlab_sim::SharedRun;
use yew::prelude::*;

use crate::state::Lab;
use crate::view::View;

/// A slug longer than this is cut short before it is shown in a message.
const MAX_SLUG_SHOWN_CHARS: usize = 60;

/// The current fragment, without its `#`.
fn current_fragment() -> String {
    let hash = gloo::utils::window().location().hash().unwrap_or_default();
    hash.strip_prefix('#').unwrap_or(&hash).to_string()
}

/// The slug or lesson link a fragment asks for, if it is a lesson link. Neither is
/// checked here: the Lessons view says clearly when no lesson has the slug, or why the
/// lesson link holds no lesson it can play. A lesson link is kept whole up to one
/// character past the longest allowed, so that the view can say it is too long.
pub fn lesson_in_fragment(fragment: &str) -> Option<String> {
    let slug = match fragment.strip_prefix(LINK_PREFIX) {
        Some(slug) => slug,
        None if fragment.starts_with(LESSON_LINK_PREFIX) => fragment,
        None => return None,
    };
    let most = if slug.starts_with(LESSON_LINK_PREFIX) {
        MAX_LESSON_LINK_CHARS as usize + 1
    } else {
        MAX_SLUG_SHOWN_CHARS
    };
    Some(slug.chars().take(most).collect())
}

/// True when the page was opened with a lesson link, so that it starts on the Lessons
/// view.
pub fn page_opens_a_lesson() -> bool {
    lesson_in_fragment(&current_fragment()).is_some()
}

/// The fragment that opens a lesson, without its `#`: `lesson=<slug>` for a built-in
/// lesson, the lesson link itself (`lesson1.…`) for a lesson it carries.
pub fn fragment_for(open: &str) -> String {
    if open.starts_with(LESSON_LINK_PREFIX) {
        open.to_string()
    } else {
        format!("{LINK_PREFIX}{open}")
    }
}

fn replace_fragment(fragment: &str) {
    if let Ok(history) = gloo::utils::window().history() {
        // Replace, not push, as the run link does: the back button leaves the page.
        let _ = history.replace_state_with_url(
            &wasm_bindgen::JsValue::NULL,
            "",
            Some(&format!("#{fragment}")),
        );
    }
}

/// The lesson asked for by the URL (its slug, checked by the Lessons view), opened from
/// the page's first fragment and from every lesson link followed later. Call it after
/// `use_url_sync`: effects run in the order they are declared, so this one writes the
/// lesson link after that one wrote the run link.
#[hook]
pub fn use_lesson_link(
    lab: &UseReducerHandle<Lab>,
    view: &UseStateHandle<View>,
) -> UseStateHandle<Option<String>> {
    // Read during the first render, before any effect replaces the fragment.
    let open = use_state(|| lesson_in_fragment(&current_fragment()));
    {
        let open = open.clone();
        let view = view.clone();
        use_effect_with((), move |_| {
            if open.is_some() {
                view.set(View::Lessons);
            }
            let listener = EventListener::new(&gloo::utils::window(), "hashchange", move |_| {
                if let Some(slug) = lesson_in_fragment(&current_fragment()) {
                    open.set(Some(slug));
                    view.set(View::Lessons);
                }
            });
            move || drop(listener)
        });
    }
    {
        let run = lab.run.clone();
        use_effect_with(
            (lab.version, lab.playing, (*open).clone(), **view),
            move |(_, playing, open, view)| {
                let fragment = current_fragment();
                match (view, open) {
                    (View::Lessons, Some(slug)) => {
                        let wanted = fragment_for(slug);
                        if fragment != wanted {
                            replace_fragment(&wanted);
                        }
                    }
                    // Out of a lesson, the fragment goes back to describing the run.
                    _ if !*playing && lesson_in_fragment(&fragment).is_some() => {
                        replace_fragment(&SharedRun::from_run(&run.borrow()).to_link());
                    }
                    _ => {}
                }
            },
        );
    }
    open
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqlab_sim::lessons;

    #[test]
    fn every_lesson_link_names_its_lesson() {
        for lesson in lessons::all() {
            let slug = lesson_in_fragment(&lesson.link_fragment()).expect("a lesson link");
            assert_eq!(lessons::find(&slug).map(|found| found.id), Some(lesson.id));
        }
    }

    #[test]
    fn run_links_and_ordinary_fragments_are_not_lesson_links() {
        let run_link = SharedRun::new(mqlab_sim::Scenario::default()).to_link();
        for fragment in ["", "main", "lesson", "lessons=x", run_link.as_str()] {
            assert_eq!(lesson_in_fragment(fragment), None, "{fragment:?}");
        }
    }

    #[test]
    fn an_unknown_or_huge_slug_is_kept_short_and_finds_nothing() {
        assert_eq!(lesson_in_fragment("lesson=").as_deref(), Some(""));
        let huge = format!("lesson={}", "x".repeat(10_000));
        let slug = lesson_in_fragment(&huge).expect("still a lesson link");
        assert_eq!(slug.chars().count(), MAX_SLUG_SHOWN_CHARS);
        assert_eq!(lessons::find(&slug), None);
        let odd = lesson_in_fragment("lesson=%3Cb%3E%F0%9F%92%A5").expect("a lesson link");
        assert_eq!(lessons::find(&odd), None);
    }

    #[test]
    fn a_lesson_link_is_kept_whole_and_an_overlong_one_stays_too_long() {
        let file =
            mqlab_sim::lesson_file::read(include_str!("../docs/examples/lesson-lost-ack.json"))
                .expect("the example lesson file");
        let link = mqlab_sim::lesson_file::to_link(&file);
        assert_eq!(fragment_for(&link), link);
        let asked = lesson_in_fragment(&link).expect("a lesson link");
        assert_eq!(asked, link);
        // Written after `lesson=` too, it is the same lesson link.
        let asked = lesson_in_fragment(&format!("{LINK_PREFIX}{link}")).expect("a lesson link");
        assert_eq!(asked, link);
        assert_eq!(mqlab_sim::lesson_file::read_link(&asked).ok(), Some(file));
        let huge = format!("{LESSON_LINK_PREFIX}{}", "A".repeat(400_000));
        let asked = lesson_in_fragment(&huge).expect("a lesson link");
        assert_eq!(asked.len(), MAX_LESSON_LINK_CHARS as usize + 1);
        assert!(mqlab_sim::lesson_file::read_link(&asked).is_err());
    }
}
