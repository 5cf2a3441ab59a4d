//! The report's charts, drawn by plotters into SVG. Every mark carries its number as text and
//! series differ by shade *and* by their name written beside each bar, so a chart printed in
//! black and white, or read without colour, says the same.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{AppError, AppResult};

/// Width of every chart in SVG pixels; the page scales it down to its column.
const WIDTH: u32 = 720;
const FONT: &str = "sans-serif";
/// Grey shades for the series of a bar chart, dark to light: distinct in black and white.
const SHADES: [RGBColor; 4] = [
    RGBColor(40, 40, 40),
    RGBColor(120, 120, 120),
    RGBColor(180, 180, 180),
    RGBColor(225, 225, 225),
];

/// One series of a bar chart: a value per label.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub values: Vec<i64>,
}

fn failed<E: std::fmt::Debug>(error: E) -> AppError {
    log::error!("drawing a report chart failed: {error:?}");
    AppError::internal()
}

/// The index a segment of a segmented axis stands for.
fn segment(value: &SegmentValue<i32>) -> Option<usize> {
    match value {
        SegmentValue::Exact(i) | SegmentValue::CenterOf(i) => usize::try_from(*i).ok(),
        SegmentValue::Last => None,
    }
}

fn segments(n: usize) -> i32 {
    i32::try_from(n.max(1)).unwrap_or(i32::MAX)
}

/// Where bar `s` of row `row` sits on the vertical axis: rows top to bottom, a group of
/// `per_row` bars with a free segment beneath each.
fn bar_segment(rows: usize, per_row: usize, row: usize, s: usize) -> i32 {
    segments((rows - 1 - row) * (per_row + 1) + (per_row - s))
}

/// Horizontal bars, one group per label, one bar per series, each bar with
/// "series: value" written beside it.
pub fn bars(title: &str, labels: &[String], series: &[Series]) -> AppResult<String> {
    let rows = labels.len().max(1);
    let per_row = series.len().max(1);
    let height = 70 + (rows * (per_row * 18 + 18)) as u32;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    // The row's label goes beside its middle bar.
    let label = |value: &SegmentValue<i32>| -> String {
        let Some(k) = segment(value) else {
            return String::new();
        };
        let (group, within) = (k / (per_row + 1), k % (per_row + 1));
        if within != per_row - (per_row - 1) / 2 || group >= rows {
            return String::new();
        }
        labels.get(rows - 1 - group).cloned().unwrap_or_default()
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let total = segments(rows * (per_row + 1));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(230)
            .build_cartesian_2d(0f64..max * 1.45, (0..total).into_segmented())
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_labels(6)
            .y_labels(usize::try_from(total).unwrap_or(0))
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&label)
            .label_style((FONT, 12))
            .draw()
            .map_err(failed)?;
        for (s, one) in series.iter().enumerate() {
            let shade = ShapeStyle::from(&SHADES[s % SHADES.len()]).filled();
            let at = |row: usize| bar_segment(rows, per_row, row.min(rows - 1), s);
            let boxes = one.values.iter().enumerate().flat_map(|(row, &v)| {
                let k = at(row);
                let corners = [
                    (0.0, SegmentValue::Exact(k)),
                    (v as f64, SegmentValue::Exact(k + 1)),
                ];
                let mut fill = Rectangle::new(corners.clone(), shade);
                fill.set_margin(2, 2, 0, 0);
                let mut outline = Rectangle::new(corners, BLACK.stroke_width(1));
                outline.set_margin(2, 2, 0, 0);
                [fill, outline]
            });
            chart.draw_series(boxes).map_err(failed)?;
            let texts = one.values.iter().enumerate().map(|(row, &v)| {
                EmptyElement::at((v as f64, SegmentValue::CenterOf(at(row))))
                    + Text::new(
                        format!("{}: {v}", one.name),
                        (6, 0),
                        TextStyle::from((FONT, 12))
                            .color(&BLACK)
                            .pos(Pos::new(HPos::Left, VPos::Center)),
                    )
            });
            chart.draw_series(texts).map_err(failed)?;
        }
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// A grid of rows × columns, each cell shaded by its value relative to the largest and
/// labelled with it (white on dark cells, black on light ones).
pub fn heat_map(
    title: &str,
    rows: &[String],
    columns: &[String],
    values: &[Vec<i64>],
) -> AppResult<String> {
    let height = 110 + (rows.len().max(1) * 26) as u32;
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let last = rows.len().max(1) - 1;
    // Row 0 at the top, as in the table beneath.
    let row_at = move |r: usize| segments(last - r.min(last));
    let row_label = |v: &SegmentValue<i32>| {
        segment(v)
            .filter(|k| *k <= last)
            .and_then(|k| rows.get(last - k).cloned())
            .unwrap_or_default()
    };
    let column_label = |v: &SegmentValue<i32>| {
        segment(v)
            .and_then(|k| columns.get(k).cloned())
            .unwrap_or_default()
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let (across, down) = (segments(columns.len()), segments(rows.len()));
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(230)
            .build_cartesian_2d((0..across).into_segmented(), (0..down).into_segmented())
            .map_err(failed)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(usize::try_from(across).unwrap_or(0))
            .y_labels(usize::try_from(down).unwrap_or(0))
            .x_label_formatter(&column_label)
            .y_label_formatter(&row_label)
            .label_style((FONT, 12))
            .draw()
            .map_err(failed)?;
        let cells = values.iter().enumerate().flat_map(|(r, line)| {
            line.iter().enumerate().map(move |(c, &v)| {
                let level = 255 - (v as f64 / max * 215.0) as u8;
                let c = segments(c + 1) - 1;
                Rectangle::new(
                    [
                        (SegmentValue::Exact(c), SegmentValue::Exact(row_at(r))),
                        (
                            SegmentValue::Exact(c + 1),
                            SegmentValue::Exact(row_at(r) + 1),
                        ),
                    ],
                    ShapeStyle::from(&RGBColor(level, level, level)).filled(),
                )
            })
        });
        chart.draw_series(cells).map_err(failed)?;
        let labels = values.iter().enumerate().flat_map(|(r, line)| {
            line.iter().enumerate().map(move |(c, &v)| {
                let ink = if v as f64 / max > 0.5 { &WHITE } else { &BLACK };
                Text::new(
                    v.to_string(),
                    (
                        SegmentValue::CenterOf(segments(c + 1) - 1),
                        SegmentValue::CenterOf(row_at(r)),
                    ),
                    TextStyle::from((FONT, 13))
                        .color(ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )
            })
        });
        chart.draw_series(labels).map_err(failed)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_write_every_value_with_its_series() {
        let svg = bars(
            "Anmeldungen",
            &["Runde 1".into(), "Runde 2".into()],
            &[
                Series {
                    name: "angemeldet".into(),
                    values: vec![12, 3],
                },
                Series {
                    name: "teilgenommen".into(),
                    values: vec![7, 0],
                },
            ],
        )
        .unwrap();
        assert!(svg.starts_with("<svg"));
        for text in [
            "angemeldet: 12",
            "teilgenommen: 7",
            "teilgenommen: 0",
            "Runde 2",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
    }

    #[test]
    fn a_heat_map_labels_every_cell_and_survives_no_data() {
        let svg = heat_map(
            "Beiträge",
            &["Schule".into()],
            &["Runde 1".into(), "Runde 2".into()],
            &[vec![4, 0]],
        )
        .unwrap();
        assert!(svg.contains(">4<") && svg.contains("Schule"));
        assert!(heat_map("leer", &[], &[], &[]).is_ok());
        assert!(bars("leer", &[], &[]).is_ok());
    }
}
