#!/usr/bin/env python3
"""Render `lockdesk snapshot --color` output (ANSI SGR colours) to a PNG.

Reads the ANSI text on stdin, writes the PNG named on the command line. Each
terminal cell is drawn on a fixed grid with DejaVu Sans Mono, the colours and
bold/underline exactly as the app emitted them.
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
SIZE = 15
PALETTE = {  # a dark terminal theme (xterm-like)
    0: (30, 30, 30), 1: (205, 49, 49), 2: (13, 188, 121), 3: (229, 229, 16),
    4: (36, 114, 200), 5: (188, 63, 188), 6: (17, 168, 205), 7: (204, 204, 204),
    8: (118, 118, 118), 9: (241, 76, 76), 10: (35, 209, 139), 11: (245, 245, 67),
    12: (59, 142, 234), 13: (214, 112, 214), 14: (41, 184, 219), 15: (242, 242, 242),
}
FG, BG = (220, 220, 220), (24, 24, 27)


def xterm256(n):
    if n < 16:
        return PALETTE[n]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    g = 8 + (n - 232) * 10
    return (g, g, g)


def parse(text):
    """Yields rows of (char, fg, bg, bold, underline)."""
    rows = []
    fg, bg, bold, under, rev = FG, BG, False, False, False
    for line in text.split("\n"):
        row = []
        for part in re.split(r"(\x1b\[[0-9;]*m)", line):
            if part.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in part[2:-1].split(";")]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        fg, bg, bold, under, rev = FG, BG, False, False, False
                    elif c == 1:
                        bold = True
                    elif c == 4:
                        under = True
                    elif c == 7:
                        rev = True
                    elif 30 <= c <= 37:
                        fg = PALETTE[c - 30]
                    elif 90 <= c <= 97:
                        fg = PALETTE[c - 90 + 8]
                    elif c == 39:
                        fg = FG
                    elif 40 <= c <= 47:
                        bg = PALETTE[c - 40]
                    elif 100 <= c <= 107:
                        bg = PALETTE[c - 100 + 8]
                    elif c == 49:
                        bg = BG
                    elif c in (38, 48) and i + 1 < len(codes):
                        if codes[i + 1] == 2 and i + 4 < len(codes):
                            col = tuple(codes[i + 2:i + 5])
                            i += 4
                        elif codes[i + 1] == 5 and i + 2 < len(codes):
                            col = xterm256(codes[i + 2])
                            i += 2
                        else:
                            col = FG
                        if c == 38:
                            fg = col
                        else:
                            bg = col
                    i += 1
            else:
                for ch in part:
                    f, b = (bg, fg) if rev else (fg, bg)
                    row.append((ch, f, b, bold, under))
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return rows


def main():
    global FG, BG
    out = sys.argv[1]
    # A light theme is drawn for a light terminal: its default colours.
    if "--light" in sys.argv[2:]:
        FG, BG = (30, 30, 30), (250, 250, 250)
    rows = parse(sys.stdin.read())
    regular = ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", SIZE)
    boldf = ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", SIZE)
    cw = int(round(regular.getlength("M")))
    ch = int(SIZE * 1.35)
    width = max(len(r) for r in rows) * cw + 24
    img = Image.new("RGB", (width, len(rows) * ch + 24), BG)
    d = ImageDraw.Draw(img)
    for y, row in enumerate(rows):
        for x, (c, f, b, bold, under) in enumerate(row):
            px, py = 12 + x * cw, 12 + y * ch
            if b != BG:
                d.rectangle([px, py, px + cw, py + ch], fill=b)
            if c != " ":
                d.text((px, py + 2), c, font=boldf if bold else regular, fill=f)
            if under:
                d.line([px, py + ch - 2, px + cw, py + ch - 2], fill=f)
    img.save(out)


if __name__ == "__main__":
    main()
