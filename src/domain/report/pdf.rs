//! The participation report as PDF (krilla): A4, DejaVu Sans embedded (subset), the text
//! selectable, the plotters charts drawn as vectors with their text as text (krilla-svg),
//! title and language (de) in the document's metadata, a running header and page numbers.
//!
//! Laid out in two steps: [`Layout`] places lines, rules and charts on pages, then [`write`]
//! draws them, so that "page n of N" is known when a page is drawn.

use std::sync::{Arc, LazyLock};

use krilla::Document;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla_svg::{SurfaceExt, SvgSettings};

use super::document::{Figure, List, ParticipationReport, Table};
use crate::error::{AppError, AppResult};

const REGULAR: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");
/// A4 in points.
const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const LEFT: f32 = 56.0;
const RIGHT: f32 = PAGE_WIDTH - 56.0;
const TOP: f32 = 78.0;
const BOTTOM: f32 = PAGE_HEIGHT - 60.0;
/// Average advance of DejaVu Sans in em, to wrap lines without shaping them twice.
const ADVANCE: f32 = 0.56;
const DIGIT_ADVANCE: f32 = 0.64;

/// The fonts for the charts' text, in the family the charts name (`sans-serif`).
static FONT_DB: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(REGULAR.to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    Arc::new(db)
});

enum Mark {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    Rule {
        y: f32,
    },
    Chart {
        y: f32,
        height: f32,
        tree: Box<usvg::Tree>,
    },
}

/// Places everything on pages, top to bottom.
struct Layout {
    pages: Vec<Vec<Mark>>,
    y: f32,
}

fn width_of(text: &str, size: f32) -> f32 {
    text.chars().count() as f32 * size * ADVANCE
}

/// A word split, with hyphens, into pieces no wider than `width` (a long German compound in a
/// narrow column would run into the next one).
fn pieces(word: &str, size: f32, width: f32) -> Vec<String> {
    let fits = ((width / (size * ADVANCE)).floor() as usize).max(2);
    if word.chars().count() <= fits {
        return vec![word.to_string()];
    }
    let chars: Vec<char> = word.chars().collect();
    let mut pieces: Vec<String> = chars
        .chunks(fits - 1)
        .map(|chunk| chunk.iter().collect::<String>() + "-")
        .collect();
    if let Some(last) = pieces.last_mut() {
        last.pop();
    }
    pieces
}

/// Breaks `text` into lines no wider than `width`.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    let words = text
        .split_whitespace()
        .flat_map(|word| pieces(word, size, width));
    for word in words {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if width_of(&candidate, size) > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word));
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: TOP,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = TOP;
    }

    /// Starts a new page unless `height` still fits on this one.
    fn room(&mut self, height: f32) {
        if self.y + height > BOTTOM && self.y > TOP {
            self.new_page();
        }
    }

    fn mark(&mut self, mark: Mark) {
        if let Some(page) = self.pages.last_mut() {
            page.push(mark);
        }
    }

    fn text_at(&mut self, x: f32, y: f32, size: f32, bold: bool, text: &str) {
        self.mark(Mark::Text {
            x,
            y,
            size,
            bold,
            text: text.to_string(),
        });
    }

    /// A wrapped paragraph across the text column.
    fn paragraph(&mut self, text: &str, size: f32, bold: bool) {
        for line in wrap(text, size, RIGHT - LEFT) {
            self.room(size * 1.5);
            self.y += size * 1.4;
            self.text_at(LEFT, self.y, size, bold, &line);
        }
        self.y += size * 0.6;
    }

    fn rule(&mut self) {
        self.y += 4.0;
        self.mark(Mark::Rule { y: self.y });
        self.y += 4.0;
    }

    fn chart(&mut self, svg: &str) -> AppResult<()> {
        let options = usvg::Options {
            fontdb: FONT_DB.clone(),
            font_family: "DejaVu Sans".to_string(),
            ..usvg::Options::default()
        };
        let tree = usvg::Tree::from_str(svg, &options).map_err(|e| {
            log::error!("a report chart is no SVG usvg reads: {e}");
            AppError::internal()
        })?;
        let height = tree.size().height() * (RIGHT - LEFT) / tree.size().width();
        self.room(height + 8.0);
        self.mark(Mark::Chart {
            y: self.y + 4.0,
            height,
            tree: Box::new(tree),
        });
        self.y += height + 8.0;
        Ok(())
    }

    /// A table: the first column (labels) takes 40 %, the numbers share the rest, right
    /// aligned; heads and labels wrap inside their column.
    fn table(&mut self, table: &Table) {
        let size = 8.0;
        let columns = table.head.len().max(1);
        let label_width = (RIGHT - LEFT) * 0.4;
        let value_width = (RIGHT - LEFT - label_width) / (columns.saturating_sub(1).max(1)) as f32;
        let left_of = |i: usize| match i {
            0 => LEFT,
            _ => LEFT + label_width + (i - 1) as f32 * value_width,
        };
        let head: Vec<Vec<String>> = table
            .head
            .iter()
            .enumerate()
            .map(|(i, cell)| {
                let width = if i == 0 { label_width } else { value_width };
                wrap(cell, size, width - 6.0)
            })
            .collect();
        self.table_row(&head, size, true, &left_of);
        self.rule();
        for row in &table.rows {
            let mut cells = vec![wrap(&row.label, size, label_width - 6.0)];
            cells.extend(row.values.iter().map(|v| vec![v.to_string()]));
            self.table_row(&cells, size, false, &left_of);
        }
        self.rule();
        self.y += 6.0;
    }

    fn table_row(
        &mut self,
        cells: &[Vec<String>],
        size: f32,
        bold: bool,
        left_of: &dyn Fn(usize) -> f32,
    ) {
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1) as f32;
        self.room(lines * size * 1.3 + 2.0);
        for (i, cell) in cells.iter().enumerate() {
            for (n, line) in cell.iter().enumerate() {
                let y = self.y + (n + 1) as f32 * size * 1.3;
                let x = if i == 0 || bold {
                    left_of(i) + 2.0
                } else {
                    // Numbers right-aligned at the column's right edge.
                    left_of(i + 1) - 4.0 - line.len() as f32 * size * DIGIT_ADVANCE
                };
                self.text_at(x, y, size, bold, line);
            }
        }
        self.y += lines * size * 1.3 + 2.0;
    }

    fn figure(&mut self, figure: &Figure) -> AppResult<()> {
        self.room(160.0);
        self.paragraph(&format!("Abbildung: {}", figure.title), 10.0, true);
        self.chart(&figure.svg)?;
        self.paragraph(&figure.description, 8.0, false);
        self.table(&figure.table);
        Ok(())
    }

    fn list(&mut self, list: &List) {
        self.paragraph(&list.heading, 11.0, true);
        if list.items.is_empty() {
            self.paragraph("keine", 9.0, false);
        }
        for item in &list.items {
            self.paragraph(&format!("• {item}"), 9.0, false);
        }
    }

    fn title_page(&mut self, doc: &ParticipationReport) {
        self.y = 160.0;
        let kicker = if doc.public {
            "BETEILIGUNGSBERICHT (ÖFFENTLICHE FASSUNG)"
        } else {
            "BETEILIGUNGSBERICHT"
        };
        self.paragraph(kicker, 11.0, false);
        self.paragraph(&doc.consultation, 22.0, true);
        self.rule();
        for (label, value) in [
            ("Behörde", &doc.authority),
            ("Zeitraum", &doc.period),
            ("Stand", &doc.generated),
        ] {
            self.paragraph(&format!("{label}: {value}"), 11.0, false);
        }
        self.y += 20.0;
        self.table(&Table {
            head: vec!["Kennzahl".into(), "Anzahl".into()],
            rows: doc.key_figures.clone(),
        });
    }
}

/// The report as PDF bytes.
pub fn pdf(doc: &ParticipationReport) -> AppResult<Vec<u8>> {
    let mut layout = Layout::new();
    layout.title_page(doc);
    for (n, section) in doc.sections.iter().enumerate() {
        layout.new_page();
        layout.paragraph(&format!("{}. {}", n + 1, section.heading), 16.0, true);
        layout.paragraph(&section.intro, 10.0, false);
        for figure in &section.figures {
            layout.figure(figure)?;
        }
        for list in &section.lists {
            layout.list(list);
        }
    }
    write(doc, layout.pages)
}

fn font(data: &'static [u8]) -> AppResult<Font> {
    Font::new(data.to_vec().into(), 0).ok_or_else(|| {
        log::error!("the vendored font cannot be read");
        AppError::internal()
    })
}

/// Draws the laid-out pages, each with the running header and "Seite n von N".
fn write(doc: &ParticipationReport, pages: Vec<Vec<Mark>>) -> AppResult<Vec<u8>> {
    let (regular, bold) = (font(REGULAR)?, font(BOLD)?);
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("de".to_string())
            .authors(vec![doc.authority.clone()])
            .creator("Beteiligung".to_string()),
    );
    let count = pages.len();
    let size = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(AppError::internal)?;
    for (n, marks) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(size.clone());
        let mut surface = page.surface();
        let running = format!("{} – {}", doc.title, doc.authority);
        let footer = format!("Seite {} von {count}", n + 1);
        let chrome = [
            (LEFT, 40.0, running),
            (RIGHT - width_of(&footer, 8.0), PAGE_HEIGHT - 32.0, footer),
        ];
        for (x, y, text) in chrome {
            surface.draw_text(
                Point::from_xy(x, y),
                regular.clone(),
                8.0,
                &text,
                false,
                TextDirection::Auto,
            );
        }
        rule(&mut surface, 46.0);
        for mark in marks {
            match mark {
                Mark::Text {
                    x,
                    y,
                    size,
                    bold: b,
                    text,
                } => {
                    let face = if b { bold.clone() } else { regular.clone() };
                    surface.draw_text(
                        Point::from_xy(x, y),
                        face,
                        size,
                        &text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Mark::Rule { y } => rule(&mut surface, y),
                Mark::Chart { y, height, tree } => {
                    let area =
                        Size::from_wh(RIGHT - LEFT, height).ok_or_else(AppError::internal)?;
                    surface.push_transform(&Transform::from_translate(LEFT, y));
                    surface.draw_svg(&tree, area, SvgSettings::default());
                    surface.pop();
                }
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| {
        log::error!("writing the report's PDF failed: {e:?}");
        AppError::internal()
    })
}

fn rule(surface: &mut krilla::surface::Surface<'_>, y: f32) {
    let mut path = PathBuilder::new();
    path.move_to(LEFT, y);
    path.line_to(RIGHT, y);
    if let Some(path) = path.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            width: 0.5,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
        surface.set_stroke(None);
        surface.set_fill(Some(Fill::default()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_word_is_hyphenated_to_fit_its_column() {
        let width = 60.0;
        let lines = wrap("Runde 2: Regionalkonferenz Dessau-Roßlau", 8.0, width);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(
            lines.iter().all(|line| width_of(line, 8.0) <= width),
            "{lines:?}"
        );
        let joined: String = lines.concat().replace(['-', ' '], "");
        assert_eq!(joined, "Runde2:RegionalkonferenzDessauRoßlau");
    }
}
