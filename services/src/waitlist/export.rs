use std::io::Write;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use sqlx::{PgPool, Row};

/// Writes the whole waitlist as CSV (RFC 4180), oldest first: confirmed and
/// unconfirmed signups, with the time each was confirmed.
pub async fn export_csv(db: &PgPool, out: &mut impl Write) -> Result<u64, Box<dyn std::error::Error>> {
    writeln!(out, "email,username,lang,source_path,consent_at,created_at,status,confirmed_at")?;
    let mut rows = sqlx::query(
        "select email, username, lang, source_path, consent_at, created_at, confirmed_at from waitlist order by created_at, id",
    )
    .fetch(db);
    let mut count = 0;
    while let Some(row) = rows.try_next().await? {
        let text = |name: &str| row.try_get::<Option<String>, _>(name).ok().flatten().unwrap_or_default();
        let time = |name: &str| {
            row.try_get::<Option<DateTime<Utc>>, _>(name).ok().flatten().map(|t| t.to_rfc3339()).unwrap_or_default()
        };
        let confirmed_at = time("confirmed_at");
        let status = if confirmed_at.is_empty() { "unconfirmed" } else { "confirmed" };
        let cells = [
            text("email"),
            text("username"),
            text("lang"),
            text("source_path"),
            time("consent_at"),
            time("created_at"),
            status.to_owned(),
            confirmed_at,
        ];
        let line: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
        writeln!(out, "{}", line.join(","))?;
        count += 1;
    }
    Ok(count)
}

/// Quotes a cell, and defuses spreadsheet formulas (a cell starting with
/// `=`, `+`, `-` or `@` would run when the file is opened).
fn csv_cell(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) || value.starts_with('\'') {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn quotes_and_defuses() {
        assert_eq!(csv_cell("plain@example.com"), "plain@example.com");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "\"'+1\"");
    }
}
