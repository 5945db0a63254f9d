//! A line chart drawn on the server as SVG: no JavaScript, no chart
//! library (none renders server-side SVG from Rust without a browser or a
//! canvas; the geometry is fifty lines). Colours come from `currentColor`
//! and Tailwind classes, so it follows the light and dark themes.

use chrono::{DateTime, Timelike, Utc};
use leptos::prelude::*;

use crate::{
    format::{compact_count, full_count},
    history_text::short_date,
    i18n::Lang,
};

/// Points drawn at most; longer series are thinned evenly (the first and
/// the last always kept). The table beside the chart shows the same points.
pub const MAX_POINTS: usize = 1000;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// Where a series lands in the chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// The SVG path of the line.
    pub path: String,
    /// Value ticks: (y, value).
    pub y_ticks: Vec<(f64, u64)>,
    /// Date ticks: (x, time).
    pub x_ticks: Vec<(f64, DateTime<Utc>)>,
}

/// At most [`MAX_POINTS`] of `points`, evenly spread, the ends kept.
pub fn thin<T: Copy>(points: &[T]) -> Vec<T> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let last = points.len() - 1;
    (0..MAX_POINTS).map(|i| points[i * last / (MAX_POINTS - 1)]).collect()
}

/// The chart of a series (oldest first); `None` under two points, where a
/// line would say nothing.
pub fn geometry(points: &[(DateTime<Utc>, u64)]) -> Option<Geometry> {
    if points.len() < 2 {
        return None;
    }
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let span = (last - first).num_milliseconds().max(1) as f64;
    let min = points.iter().map(|p| p.1).min().unwrap_or(0);
    let max = points.iter().map(|p| p.1).max().unwrap_or(0);
    let (low, high, step) = nice_range(min, max);
    let x = |t: DateTime<Utc>| LEFT + (t - first).num_milliseconds() as f64 / span * (WIDTH - LEFT - RIGHT);
    let y = |v: u64| TOP + (1.0 - (v - low) as f64 / (high - low) as f64) * (HEIGHT - TOP - BOTTOM);
    let mut path = String::with_capacity(points.len() * 16);
    for (i, &(t, v)) in points.iter().enumerate() {
        use std::fmt::Write;
        let _ = write!(path, "{}{:.1} {:.1}", if i == 0 { "M" } else { " L" }, x(t), y(v));
    }
    let y_ticks = (0..).map(|i| low + i * step).take_while(|&v| v <= high).map(|v| (y(v), v)).collect();
    let x_ticks = (0..4)
        .map(|i| {
            let t = first + chrono::Duration::milliseconds((span * i as f64 / 3.0) as i64);
            (x(t), t)
        })
        .collect();
    Some(Geometry { path, y_ticks, x_ticks })
}

/// A range from at most `min` to at least `max` in round steps (1, 2 or 5
/// times a power of ten), about four of them; never empty.
fn nice_range(min: u64, max: u64) -> (u64, u64, u64) {
    let raw = ((max - min) as f64 / 4.0).max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(raw) as u64;
    let step = step.max(1);
    if min == max {
        // A flat line in the middle, a step above and below.
        return (min.saturating_sub(step), max + step, step);
    }
    (min / step * step, max.div_ceil(step) * step, step)
}

/// One series as a figure: the line with its axes, named for screen
/// readers by `title` (its first and last value in words).
#[component]
pub fn LineChart(
    /// An id unique in the page.
    id: &'static str,
    title: String,
    points: Vec<(DateTime<Utc>, u64)>,
    lang: Lang,
) -> impl IntoView {
    let Some(g) = geometry(&points) else { return ().into_any() };
    let description = match (points.first(), points.last()) {
        (Some(a), Some(b)) => {
            format!("{} {} → {} {}", short_date(a.0, lang), full_count(a.1), short_date(b.0, lang), full_count(b.1))
        }
        _ => String::new(),
    };
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled_by = format!("{title_id} {desc_id}");
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    // Compact labels (1.3K) unless two would read the same; then whole numbers.
    let mut y_labels: Vec<String> = g.y_ticks.iter().map(|&(_, v)| compact_count(v, lang)).collect();
    if y_labels.windows(2).any(|pair| pair[0] == pair[1]) {
        y_labels = g.y_ticks.iter().map(|&(_, v)| full_count(v)).collect();
    }
    // Under two days dates would repeat: the time of day instead.
    let short_span = points[points.len() - 1].0 - points[0].0 < chrono::Duration::days(2);
    let x_label = move |t: DateTime<Utc>| {
        if short_span {
            format!("{:02}:{:02}", t.hour(), t.minute())
        } else {
            short_date(t, lang)
        }
    };
    let count = points.len().to_string();
    view! {
        <svg viewBox=view_box role="img" aria-labelledby=labelled_by data-testid=id data-points=count
            class="h-auto w-full text-stone-500 dark:text-stone-400">
            <title id=title_id>{title}</title>
            <desc id=desc_id>{description}</desc>
            <g class="text-stone-200 dark:text-stone-800" stroke="currentColor" stroke-width="1">
                {g.y_ticks.iter().map(|&(y, _)| {
                    let y = format!("{y:.1}");
                    view! { <line x1=LEFT.to_string() x2=(WIDTH - RIGHT).to_string() y1=y.clone() y2=y /> }
                }).collect_view()}
            </g>
            <g fill="currentColor" font-size="12">
                {g.y_ticks.iter().zip(y_labels).map(|(&(y, _), label)| view! {
                    <text x=(LEFT - 6.0).to_string() y=format!("{:.1}", y + 4.0) text-anchor="end">{label}</text>
                }).collect_view()}
                {g.x_ticks.iter().enumerate().map(|(i, &(x, t))| {
                    let anchor = match i { 0 => "start", 3 => "end", _ => "middle" };
                    view! {
                        <text x=format!("{x:.1}") y=(HEIGHT - 8.0).to_string() text-anchor=anchor>{x_label(t)}</text>
                    }
                }).collect_view()}
            </g>
            <path d=g.path fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"
                class="text-amber-700 dark:text-amber-400" />
        </svg>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize) -> Vec<(DateTime<Utc>, u64)> {
        let start = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        (0..n).map(|i| (start + chrono::Duration::hours(i as i64), 1000 + (i as u64 * 7) % 50)).collect()
    }

    #[test]
    fn no_line_under_two_points() {
        assert_eq!(geometry(&series(0)), None);
        assert_eq!(geometry(&series(1)), None);
    }

    #[test]
    fn two_points_span_the_chart() {
        let g = geometry(&series(2)).unwrap();
        assert_eq!(g.path.matches(['M', 'L']).count(), 2);
        assert!(g.path.starts_with(&format!("M{LEFT:.1} ")), "{}", g.path);
        assert!(g.path.contains(&format!("L{:.1} ", WIDTH - RIGHT)), "{}", g.path);
        assert_eq!(g.x_ticks.len(), 4);
        assert!(g.y_ticks.len() >= 2);
    }

    #[test]
    fn a_thousand_points_are_all_drawn_and_more_are_thinned() {
        let g = geometry(&series(1000)).unwrap();
        assert_eq!(g.path.matches(['M', 'L']).count(), 1000);
        let many = series(5000);
        let thinned = thin(&many);
        assert_eq!(thinned.len(), MAX_POINTS);
        assert_eq!((thinned[0], thinned[MAX_POINTS - 1]), (many[0], many[4999]));
    }

    #[test]
    fn every_point_is_inside_the_plot_and_ticks_cover_the_values() {
        for points in [series(2), series(37), series(1000), vec![(Utc::now(), 5), (Utc::now(), 5)]] {
            let g = geometry(&points).unwrap();
            for pair in g.path.split(['M', 'L']).filter(|s| !s.trim().is_empty()) {
                let mut xy = pair.split_whitespace().map(|n| n.parse::<f64>().unwrap());
                let (x, y) = (xy.next().unwrap(), xy.next().unwrap());
                assert!((LEFT..=WIDTH - RIGHT).contains(&x), "{x}");
                assert!((TOP..=HEIGHT - BOTTOM).contains(&y), "{y}");
            }
            let values: Vec<u64> = g.y_ticks.iter().map(|t| t.1).collect();
            let (min, max) = (points.iter().map(|p| p.1).min().unwrap(), points.iter().map(|p| p.1).max().unwrap());
            assert!(values[0] <= min && *values.last().unwrap() >= max, "{values:?}");
        }
    }
}
