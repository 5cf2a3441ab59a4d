//! Spreadsheet-safe CSV: RFC 4180, or as German Excel opens it (`excel=true`), and never a
//! live formula, whatever separator the spreadsheet splits on.

use std::borrow::Cow;

/// How a CSV file is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 4180: `,`, CRLF, quotes where needed.
    Rfc4180,
    /// German Excel: UTF-8 BOM, `;`, CRLF, every field quoted.
    Excel,
}

impl Dialect {
    pub fn excel(excel: bool) -> Self {
        if excel { Self::Excel } else { Self::Rfc4180 }
    }

    /// What the file starts with: the BOM tells Excel it is UTF-8.
    pub fn preamble(self) -> &'static [u8] {
        match self {
            Self::Rfc4180 => b"",
            Self::Excel => "\u{feff}".as_bytes(),
        }
    }
}

/// Characters that make a spreadsheet cell a formula (OWASP, CSV injection).
fn starts_formula(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r')
}

/// Characters a spreadsheet may split cells or rows on (`,` or `;` by locale, tab, breaks).
fn splits(c: char) -> bool {
    matches!(c, ',' | ';' | '\t' | '\r' | '\n')
}

/// Neutralises every place where a spreadsheet could start a formula: the start of the
/// cell, and any point after a character it may split on (a `;` in a comma-separated file
/// opened by German Excel starts a new cell), skipping spaces and quotes. An apostrophe goes
/// before the formula character, which Excel then shows as text.
pub fn safe(value: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut at_cell_start = true;
    let mut changed = false;
    for (i, c) in value.chars().enumerate() {
        let formula = if i == 0 {
            starts_formula(c)
        } else {
            at_cell_start && matches!(c, '=' | '+' | '-' | '@')
        };
        if formula {
            out.push('\'');
            changed = true;
        }
        out.push(c);
        if splits(c) {
            at_cell_start = true;
        } else if !(c == ' ' || c == '"') {
            at_cell_start = false;
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(value)
    }
}

/// One CSV record (CRLF line end), every cell spreadsheet-safe.
pub fn record(cells: &[&str], dialect: Dialect) -> Vec<u8> {
    let (delimiter, quote_style) = match dialect {
        Dialect::Rfc4180 => (b',', csv::QuoteStyle::Necessary),
        Dialect::Excel => (b';', csv::QuoteStyle::Always),
    };
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .quote_style(quote_style)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = writer.write_record(cells.iter().map(|c| safe(c).into_owned()));
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_text_is_kept() {
        assert_eq!(safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe("+49 391 123"), "'+49 391 123");
        assert_eq!(safe("-1"), "'-1");
        assert_eq!(safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe("\tx"), "'\tx");
        assert_eq!(safe("Stadt Halle (Saale)"), "Stadt Halle (Saale)");
        assert_eq!(safe("Kita-Plätze, Sprachkurse"), "Kita-Plätze, Sprachkurse");
        assert_eq!(safe(""), "");
    }

    #[test]
    fn a_formula_after_any_separator_is_neutralised_too() {
        assert_eq!(safe("Verein; =1+1"), "Verein; '=1+1");
        assert_eq!(safe("a,=cmd|' /C calc'!A0"), "a,'=cmd|' /C calc'!A0");
        assert_eq!(safe("Zeile\n@SUM(A1)"), "Zeile\n'@SUM(A1)");
        assert_eq!(safe("x;\"=1\""), "x;\"'=1\"");
    }

    #[test]
    fn excel_files_quote_every_field_with_semicolons() {
        assert_eq!(
            record(&["Halle", "a;b", ""], Dialect::Excel),
            b"\"Halle\";\"a;b\";\"\"\r\n"
        );
        assert_eq!(
            record(&["Halle", "a,b"], Dialect::Rfc4180),
            b"Halle,\"a,b\"\r\n"
        );
        assert_eq!(Dialect::Excel.preamble(), b"\xef\xbb\xbf");
    }
}
