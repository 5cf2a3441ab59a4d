//! Reading an import file into rows: CSV as German spreadsheets save it (UTF-8 with or
//! without BOM, `;` or `,`, quoted cells with line breaks) or a JSON array of objects. Both
//! give the same [`ImportRow`]s; what a row says is checked later, against the database.

use serde::Serialize;

use crate::error::{AppError, ErrorKind, FieldError};

/// Most rows one import takes.
pub const MAX_ROWS: usize = 5000;

/// One record of the file, every cell as written (blank cells absent).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportRow {
    pub kind: Option<String>,
    pub topic: Option<String>,
    pub title: Option<String>,
    pub body: Option<String>,
    /// An organisation's id or exact name.
    pub organisation: Option<String>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    pub external_ref: Option<String>,
    /// Needs, each by number, id or `external_ref` (also of a row of the same file).
    pub addresses: Vec<String>,
    pub round_id: Option<String>,
    /// The record could not be read (its error is in [`ImportFile::errors`]): not checked
    /// further, so that it is not also reported as missing every field.
    #[serde(skip)]
    pub unreadable: bool,
}

/// Most errors reported for one row: one per column, and a few more.
pub const MAX_ERRORS_PER_ROW: usize = 12;

/// The columns (CSV) or keys (JSON) a row may have.
pub const COLUMNS: &[&str] = &[
    "kind",
    "topic",
    "title",
    "body",
    "organisation",
    "author_name",
    "author_email",
    "external_ref",
    "addresses",
    "round_id",
];

impl ImportRow {
    /// Sets the cell of `column` (one of [`COLUMNS`]; `organisation_id` is read as
    /// `organisation`), trimmed as spreadsheets leave spaces; `false` for a column that does
    /// not exist.
    fn set(&mut self, column: &str, value: String) -> bool {
        let trimmed = value.trim();
        let value = (!trimmed.is_empty()).then(|| trimmed.to_string());
        let cell = match column {
            "kind" => &mut self.kind,
            "topic" => &mut self.topic,
            "title" => &mut self.title,
            "body" => &mut self.body,
            "organisation" | "organisation_id" => &mut self.organisation,
            "author_name" => &mut self.author_name,
            "author_email" => &mut self.author_email,
            "external_ref" => &mut self.external_ref,
            "round_id" => &mut self.round_id,
            "addresses" => {
                self.addresses = value.as_deref().map(split_list).unwrap_or_default();
                return true;
            }
            _ => return false,
        };
        *cell = value;
        true
    }
}

/// What a row holds that cannot even be looked up: NUL characters (PostgreSQL cannot
/// store them) and more needs than an approach may address.
fn check_cells(row: &mut ImportRow, number: u32, errors: &mut Vec<FieldError>) {
    let cells = [
        ("kind", &mut row.kind),
        ("topic", &mut row.topic),
        ("title", &mut row.title),
        ("body", &mut row.body),
        ("organisation", &mut row.organisation),
        ("author_name", &mut row.author_name),
        ("author_email", &mut row.author_email),
        ("external_ref", &mut row.external_ref),
        ("round_id", &mut row.round_id),
    ];
    for (field, cell) in cells {
        if cell.as_deref().is_some_and(|c| c.contains('\0')) {
            errors.push(FieldError::in_row(
                number,
                field,
                "must not contain NUL characters",
            ));
            row.unreadable = true;
        }
    }
    if row.addresses.iter().any(|a| a.contains('\0')) {
        errors.push(FieldError::in_row(
            number,
            "addresses",
            "must not contain NUL characters",
        ));
        row.unreadable = true;
    }
    row.addresses.sort_unstable();
    row.addresses.dedup();
    if row.addresses.len() > crate::domain::submission::MAX_ADDRESSES {
        errors.push(FieldError::in_row(
            number,
            "addresses",
            format!(
                "must not name more than {} needs",
                crate::domain::submission::MAX_ADDRESSES
            ),
        ));
        row.unreadable = true;
    }
    if row.unreadable {
        row.addresses.clear();
    }
}

/// A list in one cell: `ITK-0001, ITK-0002` or one per line (`;` too, as a spreadsheet
/// user may type it).
fn split_list(cell: &str) -> Vec<String> {
    cell.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The rows of a file, and the errors of rows that could not be read at all.
#[derive(Debug, Default)]
pub struct ImportFile {
    pub rows: Vec<ImportRow>,
    pub errors: Vec<FieldError>,
}

/// More rows than one import takes: the request is invalid as a whole (its size in bytes
/// is limited apart, 413).
fn too_many_rows() -> AppError {
    AppError::field("rows", format!("an import takes at most {MAX_ROWS} rows"))
}

fn unreadable(detail: impl Into<String>) -> AppError {
    AppError::new(ErrorKind::BadRequest, "invalid_body", detail)
}

fn row_number(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

/// Reads a CSV file. The separator is the header's: `;` if it has one, else `,`.
pub fn csv(bytes: &[u8]) -> Result<ImportFile, AppError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        unreadable(format!(
            "The file is not UTF-8 (at byte {}); save it as \"CSV UTF-8\".",
            e.valid_up_to()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header_line = text.lines().next().unwrap_or_default();
    let delimiter = if header_line.contains(';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| unreadable(format!("The header row cannot be read: {e}")))?
        .iter()
        .map(|h| h.trim().to_lowercase())
        .collect();
    let mut file = ImportFile::default();
    let mut header_errors = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if !ImportRow::default().set(name, String::new()) {
            header_errors.push(FieldError::new(
                name.clone(),
                format!(
                    "is not a column of an import; columns: {}",
                    COLUMNS.join(", ")
                ),
            ));
        } else if header[..i].contains(name) {
            header_errors.push(FieldError::new(name.clone(), "is a column twice"));
        }
    }
    for required in ["kind", "topic", "title", "body"] {
        if !header.iter().any(|h| h == required) {
            header_errors.push(FieldError::new(required, "column is missing"));
        }
    }
    if !header_errors.is_empty() {
        return Err(AppError::validation(header_errors));
    }
    for (index, record) in reader.records().enumerate() {
        if index >= MAX_ROWS {
            return Err(too_many_rows());
        }
        let mut row = ImportRow::default();
        match record {
            Ok(record) => {
                for (name, cell) in header.iter().zip(record.iter()) {
                    row.set(name, cell.to_string());
                }
                check_cells(&mut row, row_number(index), &mut file.errors);
            }
            Err(e) => {
                row.unreadable = true;
                file.errors.push(FieldError::in_row(
                row_number(index),
                "row",
                match e.kind() {
                    csv::ErrorKind::UnequalLengths { len, .. } => format!(
                        "has {len} cells, the header {}; a cell with `{}` or a line break must be in double quotes",
                        header.len(),
                        delimiter as char
                    ),
                    _ => format!("cannot be read: {e}"),
                },
            ))
            }
        }
        file.rows.push(row);
    }
    Ok(file)
}

/// Reads a JSON array of objects, keys as the CSV columns; `addresses` an array of strings.
pub fn json(bytes: &[u8]) -> Result<ImportFile, AppError> {
    let records: Vec<serde_json::Value> = serde_json::from_slice(bytes).map_err(|e| {
        unreadable(format!(
            "The body must be a JSON array of objects: {e} (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    if records.len() > MAX_ROWS {
        return Err(too_many_rows());
    }
    let mut file = ImportFile::default();
    for (index, record) in records.into_iter().enumerate() {
        let number = row_number(index);
        let mut row = ImportRow::default();
        let serde_json::Value::Object(fields) = record else {
            file.errors
                .push(FieldError::in_row(number, "row", "must be a JSON object"));
            row.unreadable = true;
            file.rows.push(row);
            continue;
        };
        let mut errors: Vec<FieldError> = Vec::new();
        for (key, value) in fields {
            let text = match value {
                serde_json::Value::Null => continue,
                serde_json::Value::String(text) => text,
                serde_json::Value::Array(items) if key == "addresses" => {
                    let refs: Option<Vec<String>> = items
                        .into_iter()
                        .map(|item| match item {
                            serde_json::Value::String(text) => Some(text),
                            _ => None,
                        })
                        .collect();
                    match refs {
                        Some(refs) => row.addresses = refs,
                        None => errors.push(FieldError::in_row(
                            number,
                            key,
                            "must be an array of strings",
                        )),
                    }
                    continue;
                }
                _ => {
                    errors.push(FieldError::in_row(number, key, "must be a string"));
                    continue;
                }
            };
            if !row.set(&key, text) {
                errors.push(FieldError::in_row(
                    number,
                    key,
                    format!(
                        "is not a field of an import; fields: {}",
                        COLUMNS.join(", ")
                    ),
                ));
            }
        }
        check_cells(&mut row, number, &mut errors);
        row.unreadable |= !errors.is_empty();
        errors.truncate(MAX_ERRORS_PER_ROW);
        file.errors.extend(errors);
        file.rows.push(row);
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_german_spreadsheet_file_with_bom_semicolons_and_line_breaks_is_read() {
        let file = csv(
            "\u{feff}kind;topic;title;body;addresses\r\n\
             need;sprache;Sprachkurse für Eltern;\"Mehr Kurse;\r\nam Nachmittag\";\r\n\
             action_approach;sprache;Kurse mit Kinderbetreuung;Träger bieten an;\"ITK-0001, n-7\"\r\n"
                .as_bytes(),
        )
        .unwrap();
        assert!(file.errors.is_empty());
        assert_eq!(file.rows.len(), 2);
        assert_eq!(
            file.rows[0].body.as_deref(),
            Some("Mehr Kurse;\r\nam Nachmittag")
        );
        assert!(file.rows[0].addresses.is_empty());
        assert_eq!(file.rows[1].addresses, ["ITK-0001", "n-7"]);
    }

    #[test]
    fn a_comma_separated_file_is_read_by_its_header() {
        let file =
            csv(b"Kind,Topic,Title,Body\nneed,arbeit,\"Anerkennung, schneller\",Text\n").unwrap();
        assert_eq!(
            file.rows[0].title.as_deref(),
            Some("Anerkennung, schneller")
        );
    }

    #[test]
    fn unknown_or_missing_columns_are_refused_before_any_row() {
        let error = csv(b"kind;titel;body\n").unwrap_err();
        let fields: Vec<&str> = error.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["titel", "topic", "title"]);
    }

    #[test]
    fn a_row_with_a_cell_too_many_is_reported_with_its_number() {
        let file = csv(b"kind;topic;title;body\nneed;a;b;c\nneed;a;b;c;d\n").unwrap();
        assert_eq!(file.errors.len(), 1);
        assert_eq!(file.errors[0].row, Some(2));
    }

    #[test]
    fn more_rows_than_allowed_are_refused() {
        let mut body = String::from("kind;topic;title;body\n");
        body.push_str(&"need;a;b;c\n".repeat(MAX_ROWS + 1));
        assert_eq!(csv(body.as_bytes()).unwrap_err().kind, ErrorKind::Invalid);
    }

    #[test]
    fn json_rows_with_wrong_types_or_fields_are_reported_per_row() {
        let file = json(
            br#"[{"kind": "need", "topic": "a", "title": "b", "body": "c"},
                 {"kind": 1, "titel": "x", "addresses": ["ITK-1", 2]}, 7]"#,
        )
        .unwrap();
        let errors: Vec<(Option<u32>, &str)> = file
            .errors
            .iter()
            .map(|e| (e.row, e.field.as_str()))
            .collect();
        assert_eq!(
            errors,
            [
                (Some(2), "addresses"),
                (Some(2), "kind"),
                (Some(2), "titel"),
                (Some(3), "row")
            ]
        );
        assert_eq!(file.rows.len(), 3);
    }

    #[test]
    fn a_body_that_is_not_utf8_or_not_an_array_is_unreadable() {
        assert_eq!(csv(b"kind\xff").unwrap_err().kind, ErrorKind::BadRequest);
        assert_eq!(json(b"{}").unwrap_err().kind, ErrorKind::BadRequest);
    }

    #[test]
    fn cells_are_trimmed_and_what_cannot_be_looked_up_is_refused_while_reading() {
        let many: Vec<String> = (0..=100).map(|n| format!("R-{n}")).collect();
        let text = format!(
            "kind;topic;title;body;organisation;addresses\n\
             need ; sprache ;Titel;Text; Stadt Halle (Saale) ;\n\
             need;sprache;Ti\0tel;Text;;\n\
             action_approach;sprache;Titel;Text;;\"{}\"\n",
            many.join(",")
        );
        let file = csv(text.as_bytes()).unwrap();
        assert_eq!(file.rows[0].kind.as_deref(), Some("need"));
        assert_eq!(
            file.rows[0].organisation.as_deref(),
            Some("Stadt Halle (Saale)")
        );
        assert!(!file.rows[0].unreadable);
        let refused: Vec<(Option<u32>, &str)> = file
            .errors
            .iter()
            .map(|e| (e.row, e.field.as_str()))
            .collect();
        assert_eq!(refused, [(Some(2), "title"), (Some(3), "addresses")]);
        assert!(file.rows[1].unreadable && file.rows[2].unreadable);
        assert!(file.rows[2].addresses.is_empty());
    }
}
