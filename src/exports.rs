//! What a run exports as files, and its small plots: the whole space-time diagram as a
//! standalone SVG (every lane, every message's arrow from its sending to its arrival, a
//! cross where one was lost, crashes and restarts), the ledger as CSV (one row per
//! message, the core's own fields), and the run over time as SVG line plots (envelopes
//! in flight; messages applied, duplicated and lost; participants in doubt). Every
//! figure is read from the core's run; these functions only draw it.
//!
//! The SVG carries its styles in attributes, so it opens on its own in a browser, an
//! editor or a slide. Texts are escaped.

use std::fmt::Write as _;

use mqlab_sim::series::Sample;
use mqlab_sim::{EventKind, MessageRecord, NodeId, TraceEvent};

use crate::components::stage::message_caption;
use crate::components::timeline::lanes;
use crate::decimal::tenths;

/// The diagram's left margin for lane names, and the space between lanes, in pixels.
const MARGIN: f64 = 110.0;
const LANE_GAP: f64 = 48.0;
const TOP: f64 = 40.0;

/// Escapes a text for XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The diagram's width in pixels for a run of `ticks`: two to twenty pixels a tick, so
/// that a short run stays readable and a long one fits a wide slide.
pub fn diagram_scale(ticks: u64) -> f64 {
    let ticks = ticks.max(1) as f64;
    (1600.0 / ticks).clamp(2.0, 20.0)
}

/// The whole run's space-time diagram as a standalone SVG document. `title` names it
/// (the scenario, in words).
pub fn diagram_svg(trace: &[TraceEvent], title: &str) -> String {
    let mut present: Vec<NodeId> = Vec::new();
    for event in trace {
        for node in [Some(event.node), event.peer].into_iter().flatten() {
            if !present.contains(&node) {
                present.push(node);
            }
        }
    }
    present.sort_unstable();
    let lanes = lanes(&present);
    let end = trace.iter().map(|e| e.tick).max().unwrap_or(0);
    let scale = diagram_scale(end);
    let x = |tick: u64| MARGIN + tick as f64 * scale;
    let lane_y = |node: NodeId| {
        let index = lanes.iter().position(|n| *n == node).unwrap_or(0);
        TOP + index as f64 * LANE_GAP
    };
    let width = x(end) + 40.0;
    let height = TOP + lanes.len().max(1) as f64 * LANE_GAP;
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         font-family=\"system-ui, sans-serif\" font-size=\"12\">\
         <title>{t}</title><rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <text x=\"8\" y=\"18\" font-weight=\"600\" fill=\"#1b1f24\">{t}</text>",
        w = tenths(width),
        h = tenths(height),
        t = escape(title),
    );
    for node in &lanes {
        let y = tenths(lane_y(*node));
        let _ = write!(
            svg,
            "<g class=\"lane\" data-node=\"{n}\"><text x=\"8\" y=\"{y}\" dy=\"4\" fill=\"#1b1f24\">{n}</text>\
             <line x1=\"{x1}\" y1=\"{y}\" x2=\"{x2}\" y2=\"{y}\" stroke=\"#8b949e\" stroke-width=\"1\"/></g>",
            n = escape(&node.name()),
            x1 = tenths(MARGIN),
            x2 = tenths(width - 20.0),
        );
    }
    svg.push_str(
        "<defs><marker id=\"head\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" \
         orient=\"auto-start-reverse\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#0b62d6\"/></marker></defs>",
    );
    for event in trace {
        let (Some(link), Some(sent), Some(kind)) =
            (event.link, event.sent_tick, event.message_kind)
        else {
            continue;
        };
        let lost = matches!(event.kind, EventKind::Drop | EventKind::ArriveWhileDown);
        let (x1, y1, x2, y2) = (x(sent), lane_y(link.from), x(event.tick), lane_y(link.to));
        let caption = message_caption(kind, event.message, event.txn);
        let colour = if lost { "#b42318" } else { "#0b62d6" };
        let _ = write!(
            svg,
            "<g class=\"message\" data-step=\"{step}\"><line x1=\"{a}\" y1=\"{b}\" x2=\"{c}\" y2=\"{d}\" stroke=\"{colour}\" \
             stroke-width=\"1.4\"{dash}{head}/>",
            step = event.step,
            a = tenths(x1),
            b = tenths(y1),
            c = tenths(x2),
            d = tenths(y2),
            dash = if lost { " stroke-dasharray=\"4 3\"" } else { "" },
            head = if lost { "" } else { " marker-end=\"url(#head)\"" },
        );
        if lost {
            let _ = write!(
                svg,
                "<path d=\"M{l},{t} L{r},{b} M{l},{b} L{r},{t}\" stroke=\"#b42318\" stroke-width=\"2\"/>",
                l = tenths(x2 - 5.0),
                r = tenths(x2 + 5.0),
                t = tenths(y2 - 5.0),
                b = tenths(y2 + 5.0),
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{tx}\" y=\"{ty}\" font-size=\"10\" text-anchor=\"middle\" fill=\"{colour}\">{label}</text></g>",
            tx = tenths((x1 + x2) / 2.0),
            ty = tenths((y1 + y2) / 2.0 - 3.0),
            label = escape(caption.trim()),
        );
    }
    for event in trace {
        let y = lane_y(event.node);
        let at = x(event.tick);
        if event.kind == EventKind::Crash || event.crash.is_some() {
            let point = event
                .crash
                .map(|point| point.to_string())
                .unwrap_or_default();
            let _ = write!(
                svg,
                "<g class=\"crash\" data-step=\"{step}\"><path d=\"M{l},{t} L{r},{b} M{l},{b} L{r},{t}\" stroke=\"#b42318\" \
                 stroke-width=\"3\"/><text x=\"{at}\" y=\"{ty}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#b42318\">{p}</text></g>",
                step = event.step,
                l = tenths(at - 7.0),
                r = tenths(at + 7.0),
                t = tenths(y - 7.0),
                b = tenths(y + 7.0),
                at = tenths(at),
                ty = tenths(y + 19.0),
                p = escape(&point),
            );
        } else if event.kind == EventKind::Restart {
            let _ = write!(
                svg,
                "<circle class=\"restart\" data-step=\"{step}\" cx=\"{at}\" cy=\"{y}\" r=\"6\" fill=\"none\" stroke=\"#1a7f37\" stroke-width=\"2.5\"/>",
                step = event.step,
                at = tenths(at),
                y = tenths(y),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// The columns of the ledger's CSV, in order.
pub const CSV_COLUMNS: [&str; 12] = [
    "message",
    "verdict",
    "published",
    "publish_attempts",
    "stored_durably",
    "delivered",
    "redelivered",
    "applied",
    "acked",
    "first_applied_step",
    "dead_lettered",
    "dropped",
];

/// The ledger as CSV: a header, then one row per message with the core's own fields
/// (the verdict by its machine name, as the command line writes it).
pub fn ledger_csv(records: &[MessageRecord]) -> String {
    let mut csv = CSV_COLUMNS.join(",");
    csv.push_str("\r\n");
    for record in records {
        let _ = write!(
            csv,
            "{},{},{},{},{},{},{},{},{},{},{},{}\r\n",
            record.id,
            record.verdict.as_str(),
            record.published,
            record.publish_attempts,
            record.stored_durably,
            record.delivered,
            record.redelivered,
            record.applied,
            record.acked,
            record
                .first_applied_step
                .map_or_else(String::new, |step| step.to_string()),
            record.dead_lettered,
            record.dropped,
        );
    }
    csv
}

/// One line of a plot: its name, colour, dash pattern, and its value in a sample.
pub struct Line<'a> {
    pub name: &'a str,
    pub colour: &'static str,
    pub dash: &'static str,
    pub value: fn(&Sample) -> u32,
}

/// A line plot of `lines` over the samples' ticks, as a standalone SVG: axes with the
/// largest value and the last tick, a legend (names and dash patterns, so that colour
/// is never the only cue), and a `<title>` for screen readers. `x_label` names the
/// horizontal axis.
pub fn plot_svg(title: &str, x_label: &str, samples: &[Sample], lines: &[Line<'_>]) -> String {
    const W: f64 = 560.0;
    const H: f64 = 190.0;
    const LEFT: f64 = 44.0;
    const RIGHT: f64 = 12.0;
    const TOP_PAD: f64 = 30.0;
    const BOTTOM: f64 = 52.0;
    let last_tick = samples.iter().map(|s| s.tick).max().unwrap_or(0).max(1);
    let most = samples
        .iter()
        .flat_map(|s| lines.iter().map(move |line| (line.value)(s)))
        .max()
        .unwrap_or(0)
        .max(1);
    let x = |tick: u64| LEFT + tick as f64 / last_tick as f64 * (W - LEFT - RIGHT);
    let y = |value: u32| H - BOTTOM - f64::from(value) / f64::from(most) * (H - BOTTOM - TOP_PAD);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" \
         font-family=\"system-ui, sans-serif\" font-size=\"11\"><title>{t}</title>\
         <rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\
         <text x=\"{left}\" y=\"16\" font-weight=\"600\" font-size=\"12\" fill=\"#1b1f24\">{t}</text>\
         <line x1=\"{left}\" y1=\"{base}\" x2=\"{right}\" y2=\"{base}\" stroke=\"#57606a\"/>\
         <line x1=\"{left}\" y1=\"{top}\" x2=\"{left}\" y2=\"{base}\" stroke=\"#57606a\"/>\
         <text x=\"{lx}\" y=\"{top}\" dy=\"4\" text-anchor=\"end\" fill=\"#57606a\">{most}</text>\
         <text x=\"{lx}\" y=\"{base}\" text-anchor=\"end\" fill=\"#57606a\">0</text>\
         <text x=\"{right}\" y=\"{ticks_y}\" text-anchor=\"end\" fill=\"#57606a\">{x_label} {last}</text>",
        w = tenths(W),
        h = tenths(H),
        t = escape(title),
        left = tenths(LEFT),
        right = tenths(W - RIGHT),
        base = tenths(H - BOTTOM),
        top = tenths(TOP_PAD),
        lx = tenths(LEFT - 6.0),
        ticks_y = tenths(H - BOTTOM + 14.0),
        x_label = escape(x_label),
        last = last_tick,
    );
    for line in lines {
        let mut points = String::new();
        let mut previous: Option<u32> = None;
        for sample in samples {
            let value = (line.value)(sample);
            // A step line: the value holds until the next sample changes it.
            if let Some(before) = previous {
                let _ = write!(points, "{},{} ", tenths(x(sample.tick)), tenths(y(before)));
            }
            let _ = write!(points, "{},{} ", tenths(x(sample.tick)), tenths(y(value)));
            previous = Some(value);
        }
        let _ = write!(
            svg,
            "<polyline class=\"series\" data-name=\"{n}\" data-last=\"{last}\" points=\"{p}\" fill=\"none\" stroke=\"{c}\" \
             stroke-width=\"2\"{dash}/>",
            n = escape(line.name),
            last = samples.last().map_or(0, |s| (line.value)(s)),
            p = points.trim_end(),
            c = line.colour,
            dash = if line.dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{}\"", line.dash)
            },
        );
    }
    // The legend, below the axis.
    let mut lx = LEFT;
    for line in lines {
        let ly = H - 14.0;
        let _ = write!(
            svg,
            "<line x1=\"{a}\" y1=\"{ly}\" x2=\"{b}\" y2=\"{ly}\" stroke=\"{c}\" stroke-width=\"2\"{dash}/>\
             <text x=\"{tx}\" y=\"{ly}\" dy=\"4\" fill=\"#1b1f24\">{n}</text>",
            a = tenths(lx),
            b = tenths(lx + 22.0),
            ly = tenths(ly),
            c = line.colour,
            dash = if line.dash.is_empty() {
                String::new()
            } else {
                format!(" stroke-dasharray=\"{}\"", line.dash)
            },
            tx = tenths(lx + 27.0),
            n = escape(line.name),
        );
        lx += 40.0 + line.name.chars().count() as f64 * 6.6;
    }
    svg.push_str("</svg>");
    svg
}

/// The size an SVG document says it has (its `width` and `height`), in whole pixels.
pub fn svg_size(svg: &str) -> (u32, u32) {
    let number = |name: &str| {
        let start = svg.find(&format!(" {name}=\""))? + name.len() + 3;
        let end = svg[start..].find('"')? + start;
        svg[start..end].parse::<f64>().ok()
    };
    let size = |value: Option<f64>| value.map_or(1, |v| v.ceil().clamp(1.0, 16_000.0) as u32);
    (size(number("width")), size(number("height")))
}

/// Several SVG documents, one under the other, as one document.
pub fn stack(svgs: &[String]) -> String {
    let sizes: Vec<(u32, u32)> = svgs.iter().map(|svg| svg_size(svg)).collect();
    let width = sizes.iter().map(|(w, _)| *w).max().unwrap_or(1);
    let height: u32 = sizes.iter().map(|(_, h)| *h).sum::<u32>().max(1);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">"
    );
    let mut y = 0;
    for (svg, (_, h)) in svgs.iter().zip(&sizes) {
        // Each document becomes a nested <svg> placed at its height.
        let inner = svg.replacen("<svg ", &format!("<svg y=\"{y}\" "), 1);
        out.push_str(&inner);
        y += h;
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use mqlab_sim::{lessons, series, SharedRun, SimOptions};

    fn lesson_sim(id: &str) -> mqlab_sim::Sim {
        let run = SharedRun {
            step: None,
            ..SharedRun::new(lessons::find(id).expect("lesson").scenario)
        };
        run.to_sim(SimOptions::default(), 100_000).expect("runs")
    }

    /// Every element opened is closed, in order: a small check that the SVG is
    /// well-formed (the end-to-end test parses it in the browser too).
    fn balanced(svg: &str) -> bool {
        let mut open: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let Some(end) = rest[start..].find('>') else {
                return false;
            };
            let tag = &rest[start + 1..start + end];
            rest = &rest[start + end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                if open.pop().as_deref() != Some(name.trim()) {
                    return false;
                }
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().unwrap_or("").to_string());
            }
        }
        open.is_empty()
    }

    #[test]
    fn the_diagram_holds_every_lane_every_message_and_every_crash_of_the_run() {
        let sim = lesson_sim("lost-confirm");
        let svg = diagram_svg(sim.trace(), "lost <confirm> & retry");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(balanced(&svg), "{svg}");
        assert!(svg.contains("<title>lost &lt;confirm&gt; &amp; retry</title>"));
        for node in ["producer", "broker", "consumer"] {
            assert!(svg.contains(&format!("data-node=\"{node}\"")), "{node}");
        }
        let arrows = sim
            .trace()
            .iter()
            .filter(|e| e.link.is_some() && e.sent_tick.is_some() && e.message_kind.is_some())
            .count();
        assert_eq!(svg.matches("class=\"message\"").count(), arrows);
        for message in ["m1", "m2", "m3"] {
            assert!(svg.contains(&format!(">{message}<")), "{message}");
        }
        // The dropped confirm is drawn dashed, with a cross.
        assert!(svg.contains("stroke-dasharray=\"4 3\""));

        let crash = lesson_sim("fire-and-forget");
        let svg = diagram_svg(crash.trace(), "crash");
        assert_eq!(svg.matches("class=\"crash\"").count(), 1);
        assert!(svg.contains(">broker.after_append<"));
        assert_eq!(svg.matches("class=\"restart\"").count(), 1);
        assert!(balanced(&svg));
    }

    #[test]
    fn the_csv_has_a_row_per_message_with_the_ledgers_verdicts() {
        let sim = lesson_sim("lost-confirm");
        let csv = ledger_csv(sim.ledger().messages());
        let rows: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(rows[0], CSV_COLUMNS.join(","));
        assert_eq!(rows.len(), 1 + sim.ledger().messages().len());
        let duplicated = rows
            .iter()
            .filter(|row| row.contains(",duplicated,"))
            .count();
        assert_eq!(duplicated as u32, sim.summary().duplicated);
        assert!(
            rows[1].starts_with("m1,duplicated,true,2,true,"),
            "{}",
            rows[1]
        );
        for row in &rows {
            assert_eq!(row.split(',').count(), CSV_COLUMNS.len(), "{row}");
        }
    }

    #[test]
    fn a_plot_draws_each_line_to_its_last_value() {
        let run = SharedRun {
            step: None,
            ..SharedRun::new(lessons::find("lost-confirm").expect("lesson").scenario)
        };
        let samples = series::over_run(&run, 100).expect("replays");
        let lines = [
            Line {
                name: "applied",
                colour: "#1a7f37",
                dash: "",
                value: |s| s.applied,
            },
            Line {
                name: "duplicated",
                colour: "#9a6700",
                dash: "6 3",
                value: |s| s.duplicated,
            },
        ];
        let svg = plot_svg("Messages <over> time", "tick", &samples, &lines);
        assert!(balanced(&svg), "{svg}");
        assert!(svg.contains("<title>Messages &lt;over&gt; time</title>"));
        assert!(svg.contains("data-name=\"applied\" data-last=\"3\""));
        assert!(svg.contains("data-name=\"duplicated\" data-last=\"1\""));
        assert_eq!(svg.matches("<polyline").count(), 2);
        // No samples still gives a drawing, with flat axes.
        assert!(balanced(&plot_svg("empty", "tick", &[], &lines)));

        let both = stack(&[svg.clone(), svg]);
        assert!(balanced(&both));
        assert_eq!(svg_size(&both), (560, 380));
        assert!(both.contains("<svg y=\"190\" "));
    }

    #[test]
    fn an_svg_says_its_size() {
        assert_eq!(
            svg_size("<svg xmlns=\"x\" width=\"640.5\" height=\"200\">"),
            (641, 200)
        );
        assert_eq!(svg_size("<svg>"), (1, 1));
        assert_eq!(svg_size("<svg width=\"1e9\" height=\"-3\">"), (16_000, 1));
    }
}
