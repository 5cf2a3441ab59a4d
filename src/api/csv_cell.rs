//! Spreadsheet-safe CSV cells.

use std::borrow::Cow;

/// Neutralises a cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return at the start) by prefixing an apostrophe (OWASP's advice on CSV injection).
pub fn safe(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// One CSV record (RFC 4180, CRLF line end), every cell spreadsheet-safe.
pub fn record(cells: &[&str]) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    // Writing into a Vec cannot fail.
    let _ = writer.write_record(cells.iter().map(|c| safe(c).into_owned()));
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formulas_are_neutralised_and_text_is_kept() {
        assert_eq!(super::safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(super::safe("+49 391 123"), "'+49 391 123");
        assert_eq!(super::safe("-1"), "'-1");
        assert_eq!(super::safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(super::safe("Stadt Halle (Saale)"), "Stadt Halle (Saale)");
        assert_eq!(super::safe(""), "");
    }
}
