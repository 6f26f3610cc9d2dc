//! Replacing byte ranges of a text, allocating only once something changes.

/// Replacements of byte ranges of one text, made in order.
pub(super) struct Edits<'a> {
    text: &'a str,
    out: Option<String>,
    copied: usize,
}

impl<'a> Edits<'a> {
    pub(super) fn new(text: &'a str) -> Edits<'a> {
        Edits {
            text,
            out: None,
            copied: 0,
        }
    }

    /// Replaces `start..end`; ranges must come in order and not overlap.
    pub(super) fn replace(&mut self, start: usize, end: usize, with: String) {
        if start < self.copied {
            return;
        }
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.text.len()));
        out.push_str(&self.text[self.copied..start]);
        out.push_str(&with);
        self.copied = end;
    }

    pub(super) fn finish(self) -> Option<String> {
        let mut out = self.out?;
        out.push_str(&self.text[self.copied..]);
        Some(out)
    }
}
