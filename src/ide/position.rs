//! Byte offsets ↔ editor positions. Spans are byte offsets into UTF-8 text;
//! the Language Server Protocol counts a position as a 0-based line and a
//! column in UTF-16 code units. [`LineIndex`] converts both ways, so nothing
//! else needs to know how a client counts.

/// A 0-based line and a column in UTF-16 code units (what LSP calls a `Position`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Utf16Pos {
    pub line: u32,
    pub col: u32,
}

/// The line starts of one text, for offset ↔ position conversion.
#[derive(Debug, Clone)]
pub struct LineIndex {
    text: String,
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text: text.to_string(),
            line_starts,
        }
    }

    /// The position of a byte offset. An offset past the end, or inside a
    /// multi-byte character, is clamped to the nearest character boundary before it.
    pub fn position(&self, offset: usize) -> Utf16Pos {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col: usize = self
            .text
            .get(start..offset)
            .map(|s| s.chars().map(char::len_utf16).sum())
            .unwrap_or(0);
        Utf16Pos {
            line: to_u32(line),
            col: to_u32(col),
        }
    }

    /// The byte offset of a position. A column past the end of its line (or
    /// inside a surrogate pair) is clamped to the line's end (or the
    /// character's start); a line past the end gives the text's length.
    pub fn offset(&self, pos: Utf16Pos) -> usize {
        let Some(&start) = self.line_starts.get(pos.line as usize) else {
            return self.text.len();
        };
        let line = self.text.get(start..).unwrap_or("");
        let line = line.split('\n').next().unwrap_or("");
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            let next = units + c.len_utf16();
            if next > pos.col as usize {
                return start + i;
            }
            units = next;
        }
        start + line.trim_end_matches('\r').len()
    }

    pub fn text(&self) -> &str {
        &self.text
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
