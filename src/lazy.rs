//! Parts of the page that the first view does not need, fetched when they are first
//! shown: the words of a part (a text catalogue, `catalogue.rs`) and its stylesheet. They
//! are plain static files next to the WebAssembly, so they keep the first download small;
//! the service worker (static/sw.js) stores them with the rest of the site, so they load
//! offline too. Each file is fetched once per page and shared by every component that
//! shows the part; while it loads the part says so, and if it cannot be fetched the part
//! says why and offers to try again, while the rest of the page keeps working.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use mqlab_text::{page, Catalogue, Lang};

/// A part of the page whose words live in a file of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Part {
    /// The "In real systems" panel: Kafka and RabbitMQ settings, client sketches.
    RealSystems,
    /// The lessons' intros and take-aways.
    Lessons,
}

impl Part {
    pub const ALL: [Part; 2] = [Part::RealSystems, Part::Lessons];

    /// The file's name, without folder or extension.
    pub const fn name(self) -> &'static str {
        match self {
            Part::RealSystems => "real-systems",
            Part::Lessons => "lessons",
        }
    }

    /// The catalogue's address in a language, relative to the page (so it works under
    /// a sub-path).
    pub fn text_path(self, lang: Lang) -> String {
        crate::words::catalogue_path(lang, self.name())
    }

    /// The part's stylesheet, relative to the page, if it has one of its own.
    pub const fn stylesheet(self) -> Option<&'static str> {
        match self {
            Part::RealSystems => Some("parts/real-systems.css"),
            Part::Lessons => Some("parts/lessons.css"),
        }
    }

    /// What the part holds, as the loading and failure messages name it.
    pub fn what(self) -> String {
        let words = crate::words::current();
        words
            .get(match self {
                Part::RealSystems => page::Key::PartRealSystems,
                Part::Lessons => page::Key::PartLessons,
            })
            .to_string()
    }
}

/// Where a part's words stand.
#[derive(Clone, Debug, PartialEq)]
pub enum Loaded {
    /// The file is on its way.
    Loading,
    /// The file arrived and was read.
    Ready(Rc<Catalogue>),
    /// The file could not be fetched or read: why, in one sentence.
    Failed(Rc<str>),
}

/// A file the page asked for: its address, where it stands, and the components waiting
/// for it while it is on its way.
struct File {
    path: String,
    loaded: Loaded,
    waiting: Vec<Callback<Loaded>>,
}

thread_local! {
    /// Each file asked for, fetched once per page (a handful at most, so a list).
    static FILES: RefCell<Vec<File>> = const { RefCell::new(Vec::new()) };
}

/// The file's state if it was asked for before.
fn known(path: &str) -> Option<Loaded> {
    FILES.with(|files| {
        files
            .borrow()
            .iter()
            .find(|file| file.path == path)
            .map(|file| file.loaded.clone())
    })
}

/// Records where a file stands; returns the components that were waiting for it.
fn settle(path: &str, loaded: Loaded, waiter: Option<Callback<Loaded>>) -> Vec<Callback<Loaded>> {
    FILES.with(|files| {
        let mut files = files.borrow_mut();
        let index = match files.iter().position(|file| file.path == path) {
            Some(index) => index,
            None => {
                files.push(File {
                    path: path.to_string(),
                    loaded: Loaded::Loading,
                    waiting: Vec::new(),
                });
                files.len() - 1
            }
        };
        let file = &mut files[index];
        file.loaded = loaded;
        file.waiting.extend(waiter);
        if matches!(file.loaded, Loaded::Loading) {
            Vec::new()
        } else {
            std::mem::take(&mut file.waiting)
        }
    })
}

/// Asks for a part's file; `notify` hears once when it has arrived or failed. A file that
/// failed before is fetched again.
fn request(part: Part, lang: Lang, notify: Callback<Loaded>) {
    let path = part.text_path(lang);
    match known(&path) {
        Some(Loaded::Ready(catalogue)) => {
            notify.emit(Loaded::Ready(catalogue));
            return;
        }
        Some(Loaded::Loading) => {
            settle(&path, Loaded::Loading, Some(notify));
            return;
        }
        Some(Loaded::Failed(_)) | None => {}
    }
    settle(&path, Loaded::Loading, Some(notify));
    yew::platform::spawn_local(async move {
        let words = crate::words::current();
        let loaded = match crate::words::fetch_text(&path).await {
            Ok(text) => match Catalogue::parse(&text) {
                Ok(catalogue) => Loaded::Ready(Rc::new(catalogue)),
                Err(error) => Loaded::Failed(
                    words
                        .fill(
                            page::Key::FetchMalformed,
                            &[
                                ("path", path.as_str().into()),
                                ("error", error.to_string().into()),
                            ],
                        )
                        .into(),
                ),
            },
            Err(reason) => Loaded::Failed(
                words
                    .fill(
                        page::Key::FetchFailed,
                        &[("path", path.as_str().into()), ("reason", reason.into())],
                    )
                    .into(),
            ),
        };
        for notify in settle(&path, loaded.clone(), None) {
            notify.emit(loaded.clone());
        }
    });
}

/// Adds a part's stylesheet (an address relative to the page) to the document once.
pub fn ensure_stylesheet(href: &str) {
    let document = gloo::utils::document();
    let selector = format!("link[href=\"{href}\"]");
    if document.query_selector(&selector).ok().flatten().is_some() {
        return;
    }
    let (Ok(link), Ok(Some(head))) = (
        document.create_element("link"),
        document.query_selector("head"),
    ) else {
        return;
    };
    // A stylesheet that cannot be added only loses the part's styling.
    let _ = link.set_attribute("rel", "stylesheet");
    let _ = link.set_attribute("href", href);
    let _ = head.append_child(&link);
}

/// The words of a part, fetched when a component that shows the part first mounts, and
/// a callback that tries again after a failure.
#[hook]
pub fn use_part(part: Part) -> (Loaded, Callback<()>) {
    let lang = crate::words::current().lang();
    let loaded = use_state(|| match known(&part.text_path(lang)) {
        Some(ready @ Loaded::Ready(_)) => ready,
        _ => Loaded::Loading,
    });
    let attempt = use_state(|| 0_u32);
    {
        let loaded = loaded.clone();
        use_effect_with((part, lang, *attempt), move |(part, lang, _)| {
            if let Some(href) = part.stylesheet() {
                ensure_stylesheet(href);
            }
            match known(&part.text_path(*lang)) {
                Some(ready @ Loaded::Ready(_)) => loaded.set(ready),
                _ => {
                    loaded.set(Loaded::Loading);
                    let setter = loaded.setter();
                    request(
                        *part,
                        *lang,
                        Callback::from(move |result| setter.set(result)),
                    );
                }
            }
        });
    }
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_| attempt.set(attempt.wrapping_add(1)))
    };
    ((*loaded).clone(), retry)
}

/// What a part shows while its words load, or when they could not be loaded.
pub fn status(part: Part, loaded: &Loaded, retry: &Callback<()>) -> Html {
    match loaded {
        Loaded::Ready(_) => Html::default(),
        Loaded::Loading => html! {
            <p class="part-loading" role="status">
                <span class="spinner" aria-hidden="true"></span>
                { crate::words::current().fill(page::Key::PartLoading, &[("what", part.what().into())]) }
            </p>
        },
        Loaded::Failed(reason) => {
            let onclick = retry.reform(|_: MouseEvent| ());
            let words = crate::words::current();
            html! {
                <div class="notice error part-failed" role="alert">
                    <p>{ words.fill(page::Key::PartFailed, &[("what", part.what().into()), ("reason", reason.as_ref().into())]) }</p>
                    <button {onclick}>{ words.get(page::Key::PartRetry) }</button>
                </div>
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every file under a folder of static/, as the site's relative address.
    fn files_under(root: &Path, folder: &str, found: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            return;
        };
        for entry in entries.flatten() {
            let name = format!("{folder}/{}", entry.file_name().to_string_lossy());
            if entry.path().is_dir() {
                files_under(root, &name, found);
            } else {
                found.push(format!("./{name}"));
            }
        }
    }

    #[test]
    fn the_service_worker_stores_every_part_so_that_it_opens_offline() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
        let worker = std::fs::read_to_string(root.join("sw.js")).expect("static/sw.js");
        let list = &worker[worker.find("const PARTS = [").expect("a PARTS list")..];
        let list = &list[..list.find("];").expect("the end of the list")];
        let mut listed: Vec<String> = list
            .lines()
            .filter_map(|line| line.trim().strip_prefix('\'')?.split('\'').next())
            .map(str::to_string)
            .collect();
        let mut files = Vec::new();
        files_under(&root, "text", &mut files);
        files_under(&root, "parts", &mut files);
        listed.sort();
        files.sort();
        assert_eq!(listed, files);
    }

    #[test]
    fn every_part_has_its_catalogue_and_stylesheet_in_static() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("static");
        for (part, lang) in Part::ALL
            .into_iter()
            .flat_map(|p| Lang::ALL.map(|l| (p, l)))
        {
            let path = part.text_path(lang);
            let text = std::fs::read_to_string(root.join(&path))
                .unwrap_or_else(|error| panic!("{path}: {error}"));
            Catalogue::parse(&text).unwrap_or_else(|error| panic!("{path}: {error}"));
            if let Some(sheet) = part.stylesheet() {
                assert!(root.join(sheet).is_file(), "{sheet}");
            }
        }
    }
}
