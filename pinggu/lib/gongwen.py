"""Word documents in the style of GB/T 9704-2012 党政机关公文格式, as far as a generated document can.

One place for the page, the fonts, the paragraphs, the tables and the page numbers, used by the
notice, the framework export and every later report. What the standard asks, and where:

- A4, 天头 (top) 37 mm, 订口 (left) 28 mm, 版心 156 × 225 mm (so right 26 mm, bottom 35 mm);
- title 2号 (22 pt) 方正小标宋简体, centred; body 3号 (16 pt) 仿宋_GB2312 with 22 lines a page
  (a fixed 28.95 pt line), first line indented two characters; 一、 headings 黑体, (一) 楷体;
- 附件说明 after the body, 发文机关署名 and 成文日期 at the bottom right;
- page numbers "— 1 —" in 4号 (14 pt) 宋体 half-width digits, odd pages right and even pages left,
  each one character in from the edge.

Offices without the 方正 fonts see the fallbacks this module names in the document's font table
(w:altName): 华文中宋 then 宋体 for the title, 仿宋 for 仿宋_GB2312, 楷体 for 楷体_GB2312.

Use (receipts, reports and exports all the same way):

    document = gongwen.new_document(title=..., author=issuer)
    gongwen.title(document, "关于……的通知"); gongwen.blank(document)
    gongwen.recipients(document, "各县市区人民政府")
    gongwen.heading1(document, "一、总体要求"); gongwen.body(document, "……")
    gongwen.attachment_list(document, ["清单名称"])
    gongwen.signature(document, issuer, date)
    gongwen.new_page_section(document, landscape=False)      # an attachment on a new page
    gongwen.attachment_heading(document, "附件1", "清单名称")
    gongwen.simple_table(document, ["编号", "考核点", "分值"], rows, wide=1, align_left=(1,))
    body = gongwen.to_bytes(document)
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from lxml import etree

from . import office

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEI = "黑体"
KAI = "楷体_GB2312"
SONG = "宋体"
LATIN = "Times New Roman"
# Which font Word (and LibreOffice) should use when the named one is missing, in order.
FALLBACKS = {
    TITLE_FONT: ("华文中宋", SONG),
    "华文中宋": (SONG,),
    BODY_FONT: ("仿宋",),
    KAI: ("楷体",),
}

TITLE_PT = 22  # 2号
BODY_PT = 16  # 3号
PAGE_NUMBER_PT = 14  # 4号
TABLE_PT = 12  # 小4号: a checklist table with long texts stays readable and compact
LINE_PT = 28.95  # 225 mm 版心 / 22 lines

TOP, LEFT, TEXT_WIDTH, TEXT_HEIGHT = 37, 28, 156, 225  # mm
PAGE_W, PAGE_H = 210, 297


# ---------------------------------------------------------------- fonts and text

def set_font(run, name, size, *, bold=False, latin=LATIN):
    """Font for a run: the Chinese face via w:eastAsia (python-docx's font.name sets only the Latin one)."""
    run.font.size = Pt(size)
    run.bold = bold
    r_fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        r_fonts.attrib.pop(qn(attr), None)
    r_fonts.set(qn("w:eastAsia"), name)
    r_fonts.set(qn("w:ascii"), latin or name)
    r_fonts.set(qn("w:hAnsi"), latin or name)
    r_fonts.set(qn("w:cs"), latin or name)
    return run


def text_width(text, size=1.0):
    """Width of the widest line of `text` in units of `size` (1 = one Chinese character)."""
    def line(s):
        return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in s)
    return max((line(s) for s in str(text).split("\n")), default=0.0) * size


def cn_date(day):
    """成文日期: 2020年11月28日 (half-width digits, no leading zeros), as the standard writes it."""
    return f"{day.year}年{day.month}月{day.day}日"


# ---------------------------------------------------------------- the document

def _register_fallbacks(document):
    part = next(p for p in document.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    root = parse_xml(part.blob)
    present = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
    families = {TITLE_FONT: "roman", "华文中宋": "roman", SONG: "auto", BODY_FONT: "modern", "仿宋": "modern",
                KAI: "script", "楷体": "script", HEI: "modern"}
    for name, family in families.items():
        if name in present:
            continue
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alternatives = FALLBACKS.get(name)
        if alternatives:
            alt = OxmlElement("w:altName")
            alt.set(qn("w:val"), ",".join(alternatives))
            font.append(alt)
        for tag, val in (("w:charset", "86"), ("w:family", family), ("w:pitch", "variable")):
            el = OxmlElement(tag)
            el.set(qn("w:val"), val)
            font.append(el)
        root.append(font)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _base_style(document):
    # Everything without its own format is body text: 仿宋 3号 on the fixed 22-line grid.
    defaults = document.styles.element.find(qn("w:docDefaults"))
    r_fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}") if defaults is not None else None
    if r_fonts is not None:
        r_fonts.attrib.clear()
        r_fonts.set(qn("w:ascii"), LATIN)
        r_fonts.set(qn("w:hAnsi"), LATIN)
        r_fonts.set(qn("w:eastAsia"), BODY_FONT)
        r_fonts.set(qn("w:cs"), LATIN)
        lang = r_fonts.getparent().find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            r_fonts.getparent().append(lang)
        # Tells the renderer these are simplified-Chinese glyphs (not the Japanese forms of the same code points).
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
    normal = document.styles["Normal"]
    p_pr = normal.element.get_or_add_pPr()
    for tag in ("w:autoSpaceDE", "w:autoSpaceDN"):
        # No extra gap between Chinese and digits: "2020年11月28日", not "2020 年 11 月 28 日".
        flag = OxmlElement(tag)
        flag.set(qn("w:val"), "0")
        p_pr.append(flag)
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.widow_control = False  # a 22-line page is filled line by line, as the standard counts it


def page_setup(section, *, landscape=False):
    """A4 with the standard's margins; a landscape page (wide attachment tables) turns the 版心 with it."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(PAGE_H), Mm(PAGE_W)
        section.top_margin, section.bottom_margin = Mm(LEFT), Mm(PAGE_W - LEFT - TEXT_WIDTH)
        section.left_margin, section.right_margin = Mm(TOP), Mm(PAGE_H - TOP - TEXT_HEIGHT)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
        section.top_margin, section.bottom_margin = Mm(TOP), Mm(PAGE_H - TOP - TEXT_HEIGHT)
        section.left_margin, section.right_margin = Mm(LEFT), Mm(PAGE_W - LEFT - TEXT_WIDTH)
    section.header_distance = Mm(15)
    # The number's line starts 7 mm below the 版心 (bottom margin 35 mm): its baseline ends near 22 mm.
    section.footer_distance = section.bottom_margin - Mm(7) - Pt(PAGE_NUMBER_PT * 1.3)
    return section


def text_width_mm(section):
    return (section.page_width - section.left_margin - section.right_margin) / Mm(1)


def _page_field(paragraph):
    """A PAGE field, one run per part as Word writes it (begin, instruction, separator, shown number, end)."""
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), ("shown", "1"), ("end", None)):
        run = set_font(paragraph.add_run(), SONG, PAGE_NUMBER_PT, latin=SONG)
        if kind == "shown":
            run.text = text
            continue
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)


def _footer_paragraph(footer, align):
    paragraph = footer.paragraphs[0]
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    one_char = Pt(PAGE_NUMBER_PT)
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = one_char
    else:
        fmt.left_indent = one_char
    set_font(paragraph.add_run("— "), SONG, PAGE_NUMBER_PT, latin=SONG)
    _page_field(paragraph)
    set_font(paragraph.add_run(" —"), SONG, PAGE_NUMBER_PT, latin=SONG)


def page_numbers(document, section=None):
    """"— 1 —": odd pages at the right, even pages at the left, one character in from the edge."""
    section = section or document.sections[0]
    document.settings.odd_and_even_pages_header_footer = True
    _footer_paragraph(section.footer, WD_ALIGN_PARAGRAPH.RIGHT)
    _footer_paragraph(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)


def new_document(*, landscape=False, numbered=True, title="", author=""):
    """An empty A4 document in the standard's style; `title` and `author` go into its properties."""
    document = Document()
    properties = document.core_properties
    properties.title, properties.author, properties.last_modified_by = title, author, author
    properties.comments = ""
    properties.created = properties.modified = datetime.now(UTC)
    _register_fallbacks(document)
    _base_style(document)
    page_setup(document.sections[0], landscape=landscape)
    if numbered:
        page_numbers(document)
    return document


to_bytes = office.to_bytes  # the name the document builders use


# ---------------------------------------------------------------- paragraphs

def paragraph(document, text="", *, font=BODY_FONT, size=BODY_PT, bold=False, indent=2, align=None,
              left=0, right=0, hanging=0):
    """One paragraph; indent, left, right and hanging count characters of this paragraph's size."""
    p = document.add_paragraph()
    fmt = p.paragraph_format
    if align is None:
        align = WD_ALIGN_PARAGRAPH.JUSTIFY
    p.alignment = align
    if indent:
        fmt.first_line_indent = Pt(size * indent)
    if hanging:
        fmt.first_line_indent = -Pt(size * hanging)
    if left:
        fmt.left_indent = Pt(size * left)
    if right:
        fmt.right_indent = Pt(size * right)
    if text:
        set_font(p.add_run(text), font, size, bold=bold)
    return p


def blank(document):
    return paragraph(document, indent=0)


def title(document, text):
    """The 标题: 2号 小标宋, centred; a long title wraps onto lines of its own."""
    p = paragraph(document, text, font=TITLE_FONT, size=TITLE_PT, indent=0, align=WD_ALIGN_PARAGRAPH.CENTER)
    p.paragraph_format.line_spacing = Pt(36)  # two-line titles need more than the body's 29 pt
    return p


def recipients(document, text):
    """主送机关: flush left under the title, ending with a full-width colon."""
    text = text.rstrip("：:") + "："
    return paragraph(document, text, indent=0, align=WD_ALIGN_PARAGRAPH.LEFT)


def heading1(document, text):
    return paragraph(document, text, font=HEI)


def heading2(document, text):
    return paragraph(document, text, font=KAI)


def body(document, text):
    return paragraph(document, text)


_HEADING1 = re.compile(r"^[一二三四五六七八九十]+、")
_HEADING2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_NUMBERED = re.compile(r"^\s*(\d+)[.、．]\s*")
_BOLD_LINE = re.compile(r"^\*\*(.+?)\*\*[：:]?$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")
_BULLET = re.compile(r"^[-*+]\s+")


def markdown_blocks(text):
    """The notice's markdown-ish text as (kind, text) blocks: heading1, heading2, item, paragraph.

    A line of its own in **bold**, a "# " line or one starting 一、 is a first-level heading; "## " or (一) a
    second-level one; "1. …" and "- …" lines are items, each its own paragraph; other lines of one paragraph are joined.
    """
    blocks = []
    for chunk in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        current = []

        def flush(current=current):  # bound now: the list of this chunk
            if current:
                joined = current[0]
                for line in current[1:]:
                    # Chinese lines join directly; a Latin word at the break keeps its space.
                    joined += (" " if joined[-1:].isascii() and line[:1].isascii() else "") + line
                blocks.append(("paragraph", joined.replace("**", "")))
                current.clear()

        for line in lines:
            bold, heading = _BOLD_LINE.match(line), _MD_HEADING.match(line)
            if bold:
                flush()
                blocks.append(("heading1", bold.group(1).strip()))
            elif heading:
                flush()
                level = 1 if len(heading.group(1)) == 1 else 2
                blocks.append((f"heading{level}", heading.group(2).replace("**", "").strip()))
            elif _BULLET.match(line):
                flush()
                blocks.append(("item", _BULLET.sub("", line, count=1).replace("**", "")))
            elif _NUMBERED.match(line):
                flush()
                blocks.append(("item", _NUMBERED.sub(lambda m: f"{m.group(1)}.", line, count=1).replace("**", "")))
            else:
                clean = line.replace("**", "")
                if _HEADING1.match(clean) and not current:
                    blocks.append(("heading1", clean))
                elif _HEADING2.match(clean) and not current:
                    blocks.append(("heading2", clean))
                else:
                    current.append(clean)
        flush()
    return blocks


def attachment_list(document, names):
    """附件说明: "附件：1. …", later names aligned under the first name, no trailing punctuation."""
    names = [re.sub(r"[。；;，,.]+$", "", n) for n in names]
    if not names:
        return []
    blank(document)
    if len(names) == 1:
        return [paragraph(document, f"附件：{names[0]}", indent=0, left=2 + 3, hanging=3)]
    out = [paragraph(document, f"附件：1. {names[0]}", indent=0, left=2 + 3, hanging=3)]
    for i, name in enumerate(names[1:], 2):
        out.append(paragraph(document, f"{i}. {name}", indent=0, left=2 + 3))
    return out


def signature(document, issuer, day):
    """落款: the issuer centred over the 成文日期, which stands four characters from the right edge."""
    date_text = cn_date(day) if not isinstance(day, str) else day
    blank(document)
    blank(document)
    date_width = text_width(date_text)
    out = []
    if issuer:
        right = max(0.0, 4 + (date_width - text_width(issuer)) / 2)
        out.append(paragraph(document, issuer, indent=0, align=WD_ALIGN_PARAGRAPH.RIGHT, right=right))
    out.append(paragraph(document, date_text, indent=0, align=WD_ALIGN_PARAGRAPH.RIGHT, right=4))
    return out


def page_break(document):
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def new_page_section(document, *, landscape=False):
    """A new page (and a new section, so a wide table can turn the page); numbering continues."""
    section = document.add_section(WD_SECTION.NEW_PAGE)
    return page_setup(section, landscape=landscape)


def attachment_heading(document, label, heading):
    """"附件1" in 黑体 at the top left, then the attachment's title centred."""
    paragraph(document, label, font=HEI, indent=0, align=WD_ALIGN_PARAGRAPH.LEFT)
    blank(document)
    return title(document, heading)


# ---------------------------------------------------------------- tables

@dataclass
class TableCell:
    row: int
    col: int
    text: str
    rowspan: int = 1
    colspan: int = 1
    align: str = "center"  # center | left


def fit_widths(columns, cells, total, *, wide, size=TABLE_PT, pad=1.2):
    """Column widths (mm) fitted to the text: short columns as wide as they need, `wide` the widest.

    Each column wants its longest line (headers stay on one line when they are short); when
    the texts do not fit, long columns wrap, and the `wide` column gets three shares of the room.
    """
    em = size * 25.4 / 72  # mm per Chinese character at this size
    n = len(columns)
    natural = [text_width(c) + pad for c in columns]
    floor = [(text_width(c) if len(c) <= 4 else math.ceil(text_width(c) / 2)) + pad for c in columns]
    for cell in cells:
        if cell.colspan == 1 and cell.text:
            natural[cell.col] = max(natural[cell.col], text_width(cell.text) + pad)
            longest_word = max((text_width(w) for w in re.findall(r"[A-Za-z0-9.%]+", cell.text)), default=0)
            floor[cell.col] = max(floor[cell.col], longest_word + pad)
    room = total / em
    weight = [3.0 if i == wide else 1.0 for i in range(n)]

    def widths_for(cap):
        return [max(floor[i], min(natural[i], cap * weight[i])) for i in range(n)]

    if sum(natural) <= room:
        widths = natural[:]
    else:
        lo, hi = 0.0, max(natural)
        for _ in range(50):
            mid = (lo + hi) / 2
            if sum(widths_for(mid)) > room:
                hi = mid
            else:
                lo = mid
        widths = widths_for(lo)
    widths[wide] += max(0.0, room - sum(widths))
    others = max((w for i, w in enumerate(widths) if i != wide), default=0)
    if widths[wide] <= others:  # a long 说明 column must not out-grow the 考核点
        over = [i for i in range(n) if i != wide and widths[i] >= widths[wide]]
        target = (widths[wide] + sum(widths[i] for i in over)) / (len(over) + 1.5)
        for i in over:
            widths[wide] += widths[i] - target
            widths[i] = target
    scale = total / (sum(widths) * em)
    return [w * em * scale for w in widths]


def _row_flag(row, tag):
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement(tag)
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)


def _cell_text(cell, text, *, font, size, bold, align):
    p = cell.paragraphs[0]
    for i, line in enumerate(str(text).split("\n")):
        if i:
            p = cell.add_paragraph()
        p.alignment = align
        fmt = p.paragraph_format
        fmt.first_line_indent = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.space_before = fmt.space_after = Pt(1)
        set_font(p.add_run(line), font, size, bold=bold)


def table(document, columns, cells, nrows, *, widths, size=TABLE_PT):
    """A bordered table: a header row repeated on every page, rows kept whole, merged cells.

    `cells` are positioned like frameworks.layout.Cell (row, col, text, rowspan, colspan); an
    `align` of "left" (or a `kind` of "checkpoint") sets the text flush left.
    """
    t = document.add_table(rows=nrows + 1, cols=len(columns))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    tbl_pr = t._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")  # Word and LibreOffice keep the fitted widths instead of re-guessing
    tbl_pr.append(layout)
    grid_cols = t._tbl.tblGrid.findall(qn("w:gridCol"))
    for col, width in zip(grid_cols, widths, strict=True):
        col.set(qn("w:w"), str(int(Mm(width).twips)))
    for row in t.rows:
        for i, cell in enumerate(row.cells):
            cell.width = Mm(widths[i])
    for i, label in enumerate(columns):
        header = t.cell(0, i)
        header.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_text(header, label, font=HEI, size=size, bold=False, align=WD_ALIGN_PARAGRAPH.CENTER)
    _row_flag(t.rows[0], "w:tblHeader")
    for row in t.rows:
        _row_flag(row, "w:cantSplit")
    for cell in cells:
        target = t.cell(cell.row + 1, cell.col)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(t.cell(cell.row + cell.rowspan, cell.col + cell.colspan - 1))
        left = getattr(cell, "align", "") == "left" or getattr(cell, "kind", "") == "checkpoint"
        # A group spanning many rows may cross a page: its title at the top stays with the first row.
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP if cell.rowspan > 3 else WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _cell_text(target, cell.text, font=BODY_FONT, size=size, bold=False,
                   align=WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER)
    return t


def simple_table(document, columns, rows, *, wide, align_left=(), size=TABLE_PT, section=None):
    """A plain table (no merged cells) from rows of texts, fitted to the section's 版心; `wide` is the column to favour."""
    cells = [TableCell(r, c, "" if value is None else str(value), align="left" if c in align_left else "center")
             for r, row in enumerate(rows) for c, value in enumerate(row)]
    section = section or document.sections[-1]
    widths = fit_widths(columns, cells, text_width_mm(section), wide=wide, size=size)
    return table(document, columns, cells, len(rows), widths=widths, size=size)

