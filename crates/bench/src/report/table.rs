//! Markdown tables: named columns with an alignment, rows of cells.

/// How a column's cells line up.
#[derive(Clone, Copy)]
pub enum Align {
    /// Text.
    Left,
    /// Figures.
    Right,
}

/// A column: its title and alignment.
#[derive(Clone, Copy)]
pub struct Column {
    /// Shown in the header row.
    pub title: &'static str,
    /// How its cells line up.
    pub align: Align,
}

/// A text column.
pub const fn text(title: &'static str) -> Column {
    Column {
        title,
        align: Align::Left,
    }
}

/// A figure column.
pub const fn figure(title: &'static str) -> Column {
    Column {
        title,
        align: Align::Right,
    }
}

/// A table under construction.
pub struct Table {
    columns: &'static [Column],
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns and no rows.
    pub fn new(columns: &'static [Column]) -> Self {
        Self {
            columns,
            rows: Vec::new(),
        }
    }

    /// Adds a row; it has one cell per column (an empty cell is an empty string).
    pub fn row<const N: usize>(&mut self, cells: [String; N]) {
        debug_assert_eq!(N, self.columns.len(), "one cell per column");
        self.rows.push(cells.into());
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The Markdown, one line per row, without a final newline.
    pub fn render(&self) -> String {
        let header = line(self.columns.iter().map(|c| c.title));
        let rule: String = std::iter::once("|")
            .chain(self.columns.iter().map(|c| match c.align {
                Align::Left => "---|",
                Align::Right => "---:|",
            }))
            .collect();
        let mut lines = vec![header, rule];
        lines.extend(self.rows.iter().map(|r| line(r.iter().map(String::as_str))));
        lines.join("\n")
    }
}

fn line<'a>(cells: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::from("|");
    for cell in cells {
        if cell.is_empty() {
            out.push_str(" |");
        } else {
            out.push(' ');
            out.push_str(cell);
            out.push_str(" |");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_header_alignment_and_empty_cells() {
        const COLUMNS: &[Column] = &[text("scenario"), text("cache"), figure("p50")];
        let mut table = Table::new(COLUMNS);
        table.row(["floor".to_owned(), String::new(), "0.151 ms".to_owned()]);
        assert_eq!(
            table.render(),
            "| scenario | cache | p50 |\n|---|---|---:|\n| floor | | 0.151 ms |"
        );
    }
}
