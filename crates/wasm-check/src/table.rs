//! Plain-text and Markdown tables of several reports.

use crate::Report;

/// One contract's line in a size table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Contract name (the WASM file's stem).
    pub contract: String,
    /// The contract's report.
    pub report: Report,
}

/// Column headers, in order.
const HEADERS: [&str; 5] = [
    "contract",
    "raw bytes",
    "brotli bytes",
    "of limit",
    "status",
];

/// The cells of one row, in the order of [`HEADERS`].
fn cells(row: &Row) -> [String; 5] {
    [
        row.contract.clone(),
        row.report.raw_size.to_string(),
        row.report.brotli_size.to_string(),
        row.report.limit_share(),
        row.report.status(),
    ]
}

/// Renders `rows` as an aligned plain-text table with a header line; numbers are right-aligned
/// and the status column is left unpadded.
pub fn format_table(rows: &[Row]) -> String {
    let all: Vec<[String; 5]> = rows.iter().map(cells).collect();
    let mut widths = HEADERS.map(str::len);
    for line in &all {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let render = |line: [&str; 5]| {
        format!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {}\n",
            line[0],
            line[1],
            line[2],
            line[3],
            line[4],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        )
    };
    let mut out = render(HEADERS);
    for line in &all {
        out.push_str(&render([&line[0], &line[1], &line[2], &line[3], &line[4]]));
    }
    out
}

/// Escapes the characters that would break a Markdown table cell.
fn markdown_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Renders `rows` as a Markdown table (numbers right-aligned), preceded by a line naming the
/// brotli limit of the first row, or no such line when `rows` is empty.
pub fn format_markdown(rows: &[Row]) -> String {
    let mut out = String::new();
    if let Some(first) = rows.first() {
        out.push_str(&format!(
            "Brotli limit: {} bytes (quality 11, window 22).\n\n",
            first.report.limit
        ));
    }
    out.push_str("| contract | raw bytes | brotli bytes | of limit | status |\n");
    out.push_str("|:---|---:|---:|---:|:---|\n");
    for row in rows {
        let [contract, raw, brotli, share, status] = cells(row);
        out.push_str(&format!(
            "| {} | {raw} | {brotli} | {share} | {} |\n",
            markdown_cell(&contract),
            markdown_cell(&status)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Violation;

    fn rows() -> Vec<Row> {
        vec![
            Row {
                contract: "mock-aggregator".into(),
                report: Report {
                    raw_size: 20_480,
                    brotli_size: 8_000,
                    limit: 24_576,
                    violations: vec![],
                },
            },
            Row {
                contract: "big".into(),
                report: Report {
                    raw_size: 70_000,
                    brotli_size: 30_000,
                    limit: 24_576,
                    violations: vec![
                        Violation::StartFunction { func: 2 },
                        Violation::TooLarge {
                            brotli: 30_000,
                            limit: 24_576,
                        },
                    ],
                },
            },
        ]
    }

    #[test]
    fn plain_table_is_aligned() {
        let expected = "\
contract         raw bytes  brotli bytes  of limit  status
mock-aggregator      20480          8000     32.6%  ok
big                  70000         30000    122.1%  start function (function 2); brotli size 30000 B exceeds the limit of 24576 B
";
        assert_eq!(format_table(&rows()), expected);
    }

    #[test]
    fn markdown_table() {
        let expected = "\
Brotli limit: 24576 bytes (quality 11, window 22).

| contract | raw bytes | brotli bytes | of limit | status |
|:---|---:|---:|---:|:---|
| mock-aggregator | 20480 | 8000 | 32.6% | ok |
| big | 70000 | 30000 | 122.1% | start function (function 2); brotli size 30000 B exceeds the limit of 24576 B |
";
        assert_eq!(format_markdown(&rows()), expected);
    }

    #[test]
    fn empty_tables() {
        assert_eq!(
            format_table(&[]),
            "contract  raw bytes  brotli bytes  of limit  status\n"
        );
        assert_eq!(
            format_markdown(&[]),
            "| contract | raw bytes | brotli bytes | of limit | status |\n|:---|---:|---:|---:|:---|\n"
        );
    }
}
