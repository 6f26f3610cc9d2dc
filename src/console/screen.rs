//! A drawn screen as text: plain for snapshots and tests, with ANSI colours
//! (SGR) for screenshots.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// The buffer as plain text, one line per row, trailing spaces trimmed.
pub fn to_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        for x in 0..buf.area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn sgr_color(c: Color, fg: bool) -> String {
    let base = if fg { 30 } else { 40 };
    match c {
        Color::Reset => format!("{}", if fg { 39 } else { 49 }),
        Color::Black => format!("{base}"),
        Color::Red => format!("{}", base + 1),
        Color::Green => format!("{}", base + 2),
        Color::Yellow => format!("{}", base + 3),
        Color::Blue => format!("{}", base + 4),
        Color::Magenta => format!("{}", base + 5),
        Color::Cyan => format!("{}", base + 6),
        Color::Gray => format!("{}", base + 7),
        Color::DarkGray => format!("{}", base + 60),
        Color::LightRed => format!("{}", base + 61),
        Color::LightGreen => format!("{}", base + 62),
        Color::LightYellow => format!("{}", base + 63),
        Color::LightBlue => format!("{}", base + 64),
        Color::LightMagenta => format!("{}", base + 65),
        Color::LightCyan => format!("{}", base + 66),
        Color::White => format!("{}", base + 67),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", if fg { 38 } else { 48 }),
        Color::Indexed(i) => format!("{};5;{i}", if fg { 38 } else { 48 }),
    }
}

/// The buffer with ANSI colours (SGR), for screenshots.
pub fn to_ansi(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut last: Option<(Color, Color, Modifier)> = None;
        for x in 0..buf.area.width {
            let c = &buf[(x, y)];
            let style = (c.fg, c.bg, c.modifier);
            if last != Some(style) {
                let mut codes = vec![
                    "0".to_string(),
                    sgr_color(c.fg, true),
                    sgr_color(c.bg, false),
                ];
                if c.modifier.contains(Modifier::BOLD) {
                    codes.push("1".into());
                }
                if c.modifier.contains(Modifier::DIM) {
                    codes.push("2".into());
                }
                if c.modifier.contains(Modifier::ITALIC) {
                    codes.push("3".into());
                }
                if c.modifier.contains(Modifier::UNDERLINED) {
                    codes.push("4".into());
                }
                if c.modifier.contains(Modifier::REVERSED) {
                    codes.push("7".into());
                }
                out.push_str(&format!("\x1b[{}m", codes.join(";")));
                last = Some(style);
            }
            out.push_str(c.symbol());
        }
        out.push_str("\x1b[0m\n");
    }
    out
}
