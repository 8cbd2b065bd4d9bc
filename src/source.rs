//! Source files and positions: `FileId`, `Span` and the `SourceMap` that owns
//! every text the pipeline reads (user policy files and embedded stdlib files).
//!
//! Input: file names and texts handed in by the CLI (the core does no I/O).
//! Output: stable ids and byte spans that every later stage carries.

use serde::Serialize;

/// Index of a file in a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileId(pub usize);

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        Span { file, start, end }
    }

    /// The smallest span covering both (same file assumed; `self` wins otherwise).
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span::new(
            self.file,
            self.start.min(other.start),
            self.end.max(other.end),
        )
    }
}

/// Where a file came from: the user's policy set or the embedded standard library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    User,
    Stdlib,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Display name: a path relative to the policy set root, or `<std>/x.agentpol`.
    pub name: String,
    pub text: String,
    pub origin: Origin,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(name: String, text: String, origin: Origin) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name,
            text,
            origin,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(l) => l,
            Err(l) => l.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0);
        (line + 1, col + 1)
    }
}

/// Every file the pipeline has seen, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(
        &mut self,
        name: impl Into<String>,
        text: impl Into<String>,
        origin: Origin,
    ) -> FileId {
        self.files
            .push(SourceFile::new(name.into(), text.into(), origin));
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0)
    }

    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.name.as_str()).unwrap_or("<unknown>")
    }

    /// The source text a span covers, or "" when the span is out of range.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start..span.end))
            .unwrap_or("")
    }

    /// `file:line` for a span, used in generated artifacts to trace rules back.
    pub fn location(&self, span: Span) -> String {
        match self.get(span.file) {
            Some(f) => format!("{}:{}", f.name, f.line_col(span.start).0),
            None => "<unknown>".to_string(),
        }
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }
}

/// Stack given to each pipeline entry (`compile`, `analysis::analyze`,
/// `backend::generate`): 64 MiB of address space, touched only as deep as
/// the input nests.
const STACK: usize = 64 << 20;

/// Runs `f` on a stack of its own, big enough for the deepest nesting the
/// parser accepts (`syntax::MAX_DEPTH`) in every stage that recurses over
/// expressions. The parser's recursion (pest's) takes some 30 KiB per level
/// in a debug build, so 60 levels overflowed a 2 MiB thread stack (test
/// threads, the language server's worker) while the 8 MiB main thread
/// coped; the limit on nesting must hold on any thread.
pub fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::grow(STACK, f)
}
