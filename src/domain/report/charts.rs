//! The report's charts, drawn by plotters into SVG. Every mark carries its number as text and
//! series differ by shade *and* by their name written beside each bar, so a chart printed in
//! black and white, or read without colour, says the same.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
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

fn text_style(size: u32, h: HPos) -> TextStyle<'static> {
    TextStyle::from((FONT, size))
        .color(&BLACK)
        .pos(Pos::new(h, VPos::Center))
}

type Plane<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A white canvas of `height` with the title, the plotting plane `x` × `y` (labels at the
/// left, `x_labels` axis labels beneath), drawn on by `paint`; its SVG.
fn canvas(
    title: &str,
    height: u32,
    (x, y): (std::ops::Range<f64>, std::ops::Range<f64>),
    x_labels: usize,
    paint: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>, &mut Plane<'_, '_>) -> AppResult<()>,
) -> AppResult<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(failed)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, (FONT, 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(230)
            .build_cartesian_2d(x, y)
            .map_err(failed)?;
        let mut mesh = chart.configure_mesh();
        if x_labels == 0 {
            mesh.disable_mesh();
        }
        mesh.disable_y_mesh()
            .x_labels(x_labels)
            .y_labels(0)
            .x_label_formatter(&|v| format!("{v:.0}"))
            .label_style((FONT, 12))
            .draw()
            .map_err(failed)?;
        paint(&root, &mut chart)?;
        root.present().map_err(failed)?;
    }
    Ok(svg)
}

/// Writes `labels` left of the rows of a plane `top` rows high, first at the top.
fn row_labels(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    chart: &Plane<'_, '_>,
    top: f64,
    labels: &[String],
) -> AppResult<()> {
    for (row, label) in labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, top - row as f64 - 0.5));
        let text = Text::new(label.as_str(), (x - 8, y), text_style(12, HPos::Right));
        root.draw(&text).map_err(failed)?;
    }
    Ok(())
}

/// Text as an SVG may hold it: characters XML 1.0 does not allow (control characters from a
/// title typed or pasted anywhere) become spaces.
fn legible(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => ' ',
            c => c,
        })
        .collect()
}

fn all_legible(texts: &[String]) -> Vec<String> {
    texts.iter().map(|t| legible(t)).collect()
}

/// Horizontal bars, one group per label (top to bottom), one bar per series, each bar with
/// "series: value" written beside it.
pub fn bars(title: &str, labels: &[String], series: &[Series]) -> AppResult<String> {
    let (title, labels) = (legible(title), all_legible(labels));
    let (title, labels) = (title.as_str(), labels.as_slice());
    let rows = labels.len().max(1);
    let per_row = series.len().max(1);
    let height = 80 + (rows * (per_row * 18 + 14)) as u32;
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let top = rows as f64;
    // Row r spans [top - r - 1, top - r]; its bars below one another, first on top.
    let slot = 1.0 / (per_row as f64 + 0.6);
    let thickness = slot * 0.8;
    let bar_top = |row: usize, s: usize| top - row as f64 - slot * (0.3 + s as f64);
    let plane = (0f64..max * 1.45, 0f64..top);
    canvas(title, height, plane, 6, |root, chart| {
        for (s, one) in series.iter().enumerate() {
            let shade = ShapeStyle::from(&SHADES[s % SHADES.len()]).filled();
            let boxes = one.values.iter().enumerate().flat_map(|(row, &v)| {
                let y = bar_top(row, s);
                let corners = [(0.0, y), (v as f64, y - thickness)];
                [
                    Rectangle::new(corners, shade),
                    Rectangle::new(corners, BLACK.stroke_width(1)),
                ]
            });
            chart.draw_series(boxes).map_err(failed)?;
            let texts = one.values.iter().enumerate().map(|(row, &v)| {
                EmptyElement::at((v as f64, bar_top(row, s) - thickness / 2.0))
                    + Text::new(
                        legible(&format!("{}: {v}", one.name)),
                        (6, 0),
                        text_style(12, HPos::Left),
                    )
            });
            chart.draw_series(texts).map_err(failed)?;
        }
        row_labels(root, chart, top, labels)
    })
}

/// A grid of rows × columns (top to bottom, left to right), each cell shaded by its value
/// relative to the largest and labelled with it (white on dark cells, black on light ones).
pub fn heat_map(
    title: &str,
    rows: &[String],
    columns: &[String],
    values: &[Vec<i64>],
) -> AppResult<String> {
    let (title, rows, columns) = (legible(title), all_legible(rows), all_legible(columns));
    let (title, rows, columns) = (title.as_str(), rows.as_slice(), columns.as_slice());
    let height = 110 + (rows.len().max(1) * 26) as u32;
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let top = rows.len().max(1) as f64;
    let plane = (0f64..columns.len().max(1) as f64, 0f64..top);
    canvas(title, height, plane, 0, |root, chart| {
        let cells = values.iter().enumerate().flat_map(|(r, line)| {
            line.iter().enumerate().map(move |(c, &v)| {
                let level = 255 - (v as f64 / max * 215.0) as u8;
                let (x, y) = (c as f64, top - r as f64);
                Rectangle::new(
                    [(x, y), (x + 1.0, y - 1.0)],
                    ShapeStyle::from(&RGBColor(level, level, level)).filled(),
                )
            })
        });
        chart.draw_series(cells).map_err(failed)?;
        let numbers = values.iter().enumerate().flat_map(|(r, line)| {
            line.iter().enumerate().map(move |(c, &v)| {
                let ink = if v as f64 / max > 0.5 { &WHITE } else { &BLACK };
                Text::new(
                    v.to_string(),
                    (c as f64 + 0.5, top - r as f64 - 0.5),
                    text_style(13, HPos::Center).color(ink),
                )
            })
        });
        chart.draw_series(numbers).map_err(failed)?;
        row_labels(root, chart, top, rows)?;
        for (c, label) in columns.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(c as f64 + 0.5, 0.0));
            let text = Text::new(label.as_str(), (x, y + 14), text_style(12, HPos::Center));
            root.draw(&text).map_err(failed)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_in_labels_still_make_an_svg_a_reader_accepts() {
        let rows = ["Schule\u{8}".to_string()];
        let columns = ["Runde 1: Regional\u{0}konferenz".to_string()];
        let svg = super::heat_map("Titel\u{1b}", &rows, &columns, &[vec![3]]).unwrap();
        assert!(
            !svg.chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        );
        assert!(usvg::Tree::from_str(&svg, &usvg::Options::default()).is_ok());
        let bars = super::bars(
            "Anmeldungen\u{7}",
            &rows,
            &[super::Series {
                name: "angemeldet\u{8}".into(),
                values: vec![2],
            }],
        )
        .unwrap();
        assert!(usvg::Tree::from_str(&bars, &usvg::Options::default()).is_ok());
    }

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
        assert!(svg.contains("\n4\n</text>") && svg.contains("Schule"));
        assert!(heat_map("leer", &[], &[], &[]).is_ok());
        assert!(bars("leer", &[], &[]).is_ok());
    }
}
