//! A user's theme file: single styles replaced by name over a built-in
//! theme. Pure (the console reads the file); errors read `FILE:LINE: …`
//! like the keymap's.
//!
//! ```toml
//! base = "light"                 # optional: dark (default), light, high-contrast
//! selection = "black on #ffd75f bold"
//! failed = "lightred"
//! ```
//!
//! A value is words: a colour is the foreground, `on COLOUR` the
//! background, and `bold`, `dim`, `italic`, `underlined`, `reversed` add
//! to it. Colours are ratatui's names (`red`, `lightblue`, `darkgray`…),
//! `#rrggbb`, or a 0–255 palette index. The value replaces the whole style.

use ratatui::style::{Color, Modifier, Style};

use crate::app::ThemeName;
use crate::tomlfile;
use crate::ui::theme::{self, Theme};

/// The built-in theme called `name` (`dark`, `light`, `high-contrast`).
pub fn built_in_named(name: &str) -> Option<ThemeName> {
    theme::BUILT_IN
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, t)| t)
}

/// The built-in names, for messages: `dark, light, high-contrast`.
pub fn built_in_names() -> String {
    theme::BUILT_IN
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `text` (the file `file`) laid over `base`, or over the theme its own
/// `base` line names.
pub fn overlay(base: Theme, file: &str, text: &str) -> Result<Theme, String> {
    let at = |line: usize, m: String| format!("{file}:{line}: {m}");
    let line_at = |span: std::ops::Range<usize>| tomlfile::line_of(text, span.start);
    let (doc, errors) = toml::de::DeTable::parse_recoverable(text);
    if let Some(e) = errors.first() {
        let line = e.span().map_or(1, line_at);
        return Err(at(line, tomlfile::message(e)));
    }
    let mut theme = base;
    // `base` first, wherever it is written, so the overrides land on it.
    for (k, v) in doc.get_ref() {
        if k.get_ref() == "base" {
            let n = line_at(k.span());
            let name = v.get_ref().as_str().unwrap_or_default();
            let b = built_in_named(name).ok_or_else(|| {
                at(
                    n,
                    format!("base must be one of {} (a quoted name)", built_in_names()),
                )
            })?;
            theme = *theme::built_in(b);
        }
    }
    for (k, v) in doc.get_ref() {
        let (name, n) = (k.get_ref().as_ref(), line_at(k.span()));
        if name == "base" {
            continue;
        }
        let value = v.get_ref().as_str().ok_or_else(|| {
            at(
                n,
                format!("{name} must be a quoted style, e.g. \"red on black bold\""),
            )
        })?;
        let style = style(value).map_err(|m| at(n, format!("{name}: {m}")))?;
        if !theme.set(name, style) {
            return Err(at(
                n,
                format!(
                    "unknown style name `{name}`; the names are {}",
                    Theme::NAMES.join(", ")
                ),
            ));
        }
    }
    Ok(theme)
}

/// One value: `[COLOUR] [on COLOUR] [bold|dim|italic|underlined|reversed]…`.
pub fn style(value: &str) -> Result<Style, String> {
    let mut out = Style::new();
    let mut words = value.split_whitespace();
    let mut fg_set = false;
    while let Some(w) = words.next() {
        let modifier = match w.to_ascii_lowercase().as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            _ => None,
        };
        if let Some(m) = modifier {
            out = out.add_modifier(m);
        } else if w.eq_ignore_ascii_case("on") {
            let c = words
                .next()
                .ok_or("`on` needs a background colour after it, e.g. \"white on blue\"")?;
            out = out.bg(colour(c)?);
        } else if fg_set {
            return Err(format!(
                "`{w}` is a second foreground colour; write the background as `on {w}`"
            ));
        } else {
            out = out.fg(colour(w)?);
            fg_set = true;
        }
    }
    Ok(out)
}

fn colour(word: &str) -> Result<Color, String> {
    word.parse::<Color>().map_err(|_| {
        format!(
            "`{word}` is not a colour: use a name (red, lightblue, darkgray…), #rrggbb or a number 0-255"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_file_replaces_single_styles_over_its_base() {
        let t = overlay(
            theme::DARK,
            "mine.toml",
            "base = \"light\"\nfailed = \"#ff0000 on black bold\"\n",
        )
        .unwrap();
        assert_eq!(
            t.failed,
            Style::new()
                .fg(colour("#ff0000").unwrap())
                .bg(colour("black").unwrap())
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(t.ok, theme::LIGHT.ok, "the rest is the base's");
        let d = overlay(theme::HIGH_CONTRAST, "f", "dim = \"gray\"").unwrap();
        assert_eq!(d.ok, theme::HIGH_CONTRAST.ok);
    }

    #[test]
    fn theme_file_errors_name_file_and_line() {
        let e = overlay(theme::DARK, "t.toml", "ok = \"green\"\nfialed = \"red\"\n").unwrap_err();
        assert!(
            e.starts_with("t.toml:2: unknown style name `fialed`"),
            "{e}"
        );
        let e = overlay(theme::DARK, "t.toml", "\n\nok = \"grene\"").unwrap_err();
        assert!(
            e.starts_with("t.toml:3: ok: `grene` is not a colour"),
            "{e}"
        );
        let e = overlay(theme::DARK, "t.toml", "base = \"sepia\"").unwrap_err();
        assert!(
            e.contains("t.toml:1: base must be one of dark, light"),
            "{e}"
        );
        let e = overlay(theme::DARK, "t.toml", "ok = 3").unwrap_err();
        assert!(e.starts_with("t.toml:1: ok must be a quoted style"), "{e}");
        let e = overlay(theme::DARK, "t.toml", "ok = \"red blue\"").unwrap_err();
        assert!(e.contains("on blue"), "{e}");
        let e = overlay(theme::DARK, "t.toml", "ok = [").unwrap_err();
        assert!(e.starts_with("t.toml:1: "), "{e}");
    }
}
