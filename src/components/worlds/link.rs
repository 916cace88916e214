//! The Transactions view's part of the address: the run on screen as its form's
//! settings, or the lesson open, in a query parameter of its own (`?tx=…`), so that the
//! page's own link (the fragment) is left as it is and "Copy link" gives a link that
//! opens the view on the same run. Each item is `key=value`, separated by `;`, values
//! percent-encoded:
//!
//! ```text
//! ?tx=world=dual;messages=3;seed=1;pattern=outbox;crash=relay.after_publish;crash-message=m2#view=transactions/
//! ?tx=lesson=zombie-fencing#view=transactions/
//! ```
//!
//! Only the form's text is carried: reading a link gives a form, which the view checks
//! as it checks what the learner types, so a bad value is told the same way.

use mqlab_sim::world_lessons;
use mqlab_text::worlds::Key;
use mqlab_text::Words;

use super::model::{Form, WorldKind};

/// The query parameter.
pub const PARAM: &str = "tx";

/// The longest part read; anything longer is refused.
const MAX_CHARS: usize = 2_000;

/// What a link opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    Run(Box<Form>),
    Lesson(&'static str),
}

/// Why a link's part could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// An item without `=`, a value that does not decode, or a part too long.
    Malformed(String),
    /// A key the view does not know.
    UnknownKey(String),
    /// A lesson slug that names no lesson.
    NoLesson(String),
}

impl LinkError {
    pub fn describe_in(&self, words: &Words) -> String {
        let (key, text) = match self {
            LinkError::Malformed(text) => (Key::LinkMalformed, text),
            LinkError::UnknownKey(text) => (Key::LinkUnknownKey, text),
            LinkError::NoLesson(text) => (Key::LinkNoLesson, text),
        };
        words.fill(key, &[("text", text.as_str().into())])
    }
}

/// The fields of the form in the link, by key.
const FIELDS: [&str; 11] = [
    "messages",
    "seed",
    "txn-size",
    "isolation",
    "pauses",
    "crash",
    "crash-message",
    "pattern",
    "relay-marks",
    "inbox-ack",
    "timed",
];

fn field<'a>(form: &'a mut Form, key: &str) -> Option<&'a mut String> {
    Some(match key {
        "messages" => &mut form.messages,
        "seed" => &mut form.seed,
        "txn-size" => &mut form.txn_size,
        "isolation" => &mut form.isolation,
        "pauses" => &mut form.pauses,
        "crash" => &mut form.crash_point,
        "crash-message" => &mut form.crash_message,
        "pattern" => &mut form.pattern,
        "relay-marks" => &mut form.relay_marks,
        "inbox-ack" => &mut form.inbox_ack,
        "timed" => &mut form.timed,
        _ => return None,
    })
}

/// Percent-encodes everything but letters, digits and `-._~@:,`.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@:,".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = text.get(index + 1..index + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                index += 3;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The link's part for a form: the settings that differ from the defaults.
pub fn of_form(form: &Form) -> String {
    let base = Form::default();
    let mut items = vec![format!("world={}", form.world.id())];
    for key in FIELDS {
        let (mut mine, mut theirs) = (form.clone(), base.clone());
        if let (Some(value), Some(default)) = (field(&mut mine, key), field(&mut theirs, key)) {
            if value != default {
                items.push(format!("{key}={}", encode(value)));
            }
        }
    }
    let flags: Vec<&str> = [(form.zombie, "zombie"), (form.external_effect, "external")]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect();
    if !flags.is_empty() {
        items.push(format!("flags={}", flags.join(",")));
    }
    items.join(";")
}

/// The link's part for a lesson.
pub fn of_lesson(id: &str) -> String {
    format!("lesson={}", encode(id))
}

/// Reads a link's part.
pub fn read(text: &str) -> Result<Opened, LinkError> {
    if text.len() > MAX_CHARS {
        return Err(LinkError::Malformed(format!(
            "{}…",
            text.chars().take(40).collect::<String>()
        )));
    }
    let mut form = Form::default();
    for item in text.split(';').filter(|item| !item.is_empty()) {
        let malformed = || LinkError::Malformed(item.to_string());
        let (key, value) = item.split_once('=').ok_or_else(malformed)?;
        let value = decode(value).ok_or_else(malformed)?;
        match key {
            "lesson" => {
                return world_lessons::find(&value)
                    .map(|lesson| Opened::Lesson(lesson.id))
                    .ok_or(LinkError::NoLesson(value));
            }
            "world" => {
                form.world = match value.as_str() {
                    "kafka" => WorldKind::Kafka,
                    "dual" => WorldKind::Dual,
                    _ => return Err(malformed()),
                }
            }
            "flags" => {
                for flag in value.split(',').filter(|f| !f.is_empty()) {
                    match flag {
                        "zombie" => form.zombie = true,
                        "external" => form.external_effect = true,
                        _ => return Err(LinkError::UnknownKey(flag.to_string())),
                    }
                }
            }
            _ => match field(&mut form, key) {
                Some(slot) => *slot = value,
                None => return Err(LinkError::UnknownKey(key.to_string())),
            },
        }
    }
    Ok(Opened::Run(Box::new(form)))
}

/// The view's part of the current address, if it has one.
pub fn current() -> Option<String> {
    let search = gloo::utils::window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| {
            pair.strip_prefix(PARAM)
                .and_then(|rest| rest.strip_prefix('='))
        })
        .map(str::to_string)
}

/// Writes the view's part into the address (or takes it out, with `None`), keeping the
/// other parameters and the fragment (replaced, not pushed: the back button leaves the
/// page, as with the page's own link).
pub fn write(part: Option<&str>) {
    let location = gloo::utils::window().location();
    let search = location.search().unwrap_or_default();
    let mut pairs: Vec<String> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("tx="))
        .map(str::to_string)
        .collect();
    if let Some(part) = part {
        pairs.push(format!("{PARAM}={part}"));
    }
    let query = if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    };
    let url = format!(
        "{}{query}{}",
        location.pathname().unwrap_or_default(),
        location.hash().unwrap_or_default()
    );
    if let Ok(history) = gloo::utils::window().history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_comes_back_from_its_link() {
        let form = Form {
            world: WorldKind::Dual,
            messages: "3".into(),
            pattern: "outbox".into(),
            crash_point: "relay.after_publish".into(),
            crash_message: "m2".into(),
            timed: "28:crash:consumer, 40:restart:consumer".into(),
            ..Form::default()
        };
        let text = of_form(&form);
        assert!(!text.contains(' '), "{text}");
        assert_eq!(read(&text), Ok(Opened::Run(Box::new(form))));
        let kafka = Form {
            zombie: true,
            external_effect: true,
            pauses: "producer@20..200".into(),
            isolation: "read_uncommitted".into(),
            ..Form::default()
        };
        assert_eq!(read(&of_form(&kafka)), Ok(Opened::Run(Box::new(kafka))));
        assert_eq!(
            read(&of_form(&Form::default())),
            Ok(Opened::Run(Box::default()))
        );
    }

    #[test]
    fn a_lesson_comes_back_from_its_link() {
        assert_eq!(
            read(&of_lesson("inbox-reach")),
            Ok(Opened::Lesson("inbox-reach"))
        );
        assert_eq!(
            read("lesson=nowhere"),
            Err(LinkError::NoLesson("nowhere".into()))
        );
    }

    #[test]
    fn bad_links_are_refused_with_what_was_wrong() {
        assert_eq!(
            read("colour=red"),
            Err(LinkError::UnknownKey("colour".into()))
        );
        assert_eq!(
            read("messages"),
            Err(LinkError::Malformed("messages".into()))
        );
        assert_eq!(
            read("seed=%ZZ"),
            Err(LinkError::Malformed("seed=%ZZ".into()))
        );
        assert_eq!(
            read("seed=%E2%82"),
            Err(LinkError::Malformed("seed=%E2%82".into()))
        );
        assert_eq!(
            read("world=mars"),
            Err(LinkError::Malformed("world=mars".into()))
        );
        assert_eq!(
            read("flags=fast"),
            Err(LinkError::UnknownKey("fast".into()))
        );
        assert!(matches!(
            read(&"a".repeat(3_000)),
            Err(LinkError::Malformed(_))
        ));
        // A value the form takes as typed, and the view refuses as it refuses the form.
        assert!(matches!(read("messages=0"), Ok(Opened::Run(_))));
    }

    #[test]
    fn every_short_input_is_read_or_refused_and_what_is_read_comes_back() {
        // Every short string over an alphabet of the link's own characters: none panics,
        // and a form read from one is written back to a link that reads the same.
        let alphabet = ['a', '=', ';', '%', '2', 'F', ',', 'é'];
        let mut text = String::new();
        for n in 0..8_u32.pow(5) {
            text.clear();
            let mut k = n;
            for _ in 0..5 {
                text.push(alphabet[(k % 8) as usize]);
                k /= 8;
            }
            if let Ok(Opened::Run(form)) = read(&text) {
                assert_eq!(
                    read(&of_form(&form)),
                    Ok(Opened::Run(form.clone())),
                    "{text}"
                );
            }
        }
    }
}
