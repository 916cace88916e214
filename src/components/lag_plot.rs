//! The consumer lag over the run, drawn small beside the stage: one plot per group, a
//! line per partition, each the partition's end offset less the group's committed
//! offset as the run's lag history recorded it (the core's, never the view's).

use mqlab_sim::LagHistory;
use mqlab_text::simulator::Key;
use yew::prelude::*;

use crate::decimal::tenths;
use crate::words::current as words_now;

#[derive(Properties, PartialEq)]
pub struct LagPlotProps {
    pub history: LagHistory,
    pub groups: u16,
    pub partitions: u16,
    /// The current tick: the plots run from tick 0 to it.
    pub tick: u64,
}

const WIDTH: f64 = 280.0;
const HEIGHT: f64 = 64.0;

/// The polyline of one series as a step line over `[0, end]` ticks, `top` lag at the
/// top of the plot.
pub fn step_path(series: &[(u64, u32)], end: u64, top: u32) -> String {
    let end = end.max(1) as f64;
    let top = f64::from(top.max(1));
    let x = |tick: u64| tenths(WIDTH * (tick as f64 / end).min(1.0));
    let y = |lag: u32| tenths(HEIGHT - HEIGHT * f64::from(lag) / top);
    let mut points = vec![format!("0,{}", y(0))];
    for window in series.windows(2) {
        let ((t0, lag), (t1, _)) = (window[0], window[1]);
        points.push(format!("{},{}", x(t0), y(lag)));
        points.push(format!("{},{}", x(t1), y(lag)));
    }
    if let Some(&(t, lag)) = series.last() {
        points.push(format!("{},{}", x(t), y(lag)));
        points.push(format!("{},{}", tenths(WIDTH), y(lag)));
    }
    points.join(" ")
}

#[component]
pub fn LagPlot(props: &LagPlotProps) -> Html {
    let words = words_now();
    let partitions = usize::from(props.partitions);
    let top = props.history.peak().max(1);
    let plots = (0..usize::from(props.groups)).map(|group| {
        let series: Vec<Vec<(u64, u32)>> = (0..partitions)
            .map(|p| props.history.series(group, partitions, p))
            .collect();
        let now: Vec<String> = series
            .iter()
            .enumerate()
            .map(|(p, s)| format!("p{p} {}", s.last().map_or(0, |x| x.1)))
            .collect();
        let label = words.fill(
            Key::LagPlotLabel,
            &[
                ("group", (group + 1).into()),
                ("now", now.join(", ").into()),
                ("top", top.into()),
            ],
        );
        let lines = series.iter().enumerate().map(|(p, s)| {
            html! { <polyline class={classes!("lag-line", format!("p{p}"))} points={step_path(s, props.tick, top)} /> }
        });
        html! {
            <figure class="lag-plot">
                <figcaption>{ words.fill(Key::LagPlotCaption, &[("group", (group + 1).into()), ("lag", series.iter().map(|s| s.last().map_or(0, |x| x.1)).sum::<u32>().into())]) }</figcaption>
                <svg role="img" aria-label={label} viewBox={format!("-2 -4 {} {}", tenths(WIDTH + 4.0), tenths(HEIGHT + 8.0))} preserveAspectRatio="none">
                    <line class="axis" x1="0" x2={tenths(WIDTH)} y1={tenths(HEIGHT)} y2={tenths(HEIGHT)} />
                    { for lines }
                </svg>
            </figure>
        }
    });
    let legend = (0..partitions).map(|p| {
        html! { <span class={classes!("swatch", format!("p{p}"))}>{ format!("p{p}") }</span> }
    });
    html! {
        <section class="lag-plots" aria-label={words.get(Key::LagLabel)}>
            <h3>{ words.fill(Key::LagHeading, &[("top", top.into())]) }</h3>
            <div class="plots">{ for plots }</div>
            <p class="legend">{ for legend }
                if props.history.is_full() {
                    <span class="hint">{ format!(" · {}", words.get(Key::LagFull)) }</span>
                }
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_is_drawn_as_steps_that_hold_each_lag_until_the_next_change() {
        let path = step_path(&[(0, 1), (10, 2), (20, 0)], 40, 2);
        assert_eq!(path, "0,64 0,32 70,32 70,0 140,0 140,64 280,64");
        assert_eq!(step_path(&[], 10, 1), "0,64");
    }
}
