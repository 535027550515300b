// Text helpers for the class-wide outputs (CSV, XML, HTML, Markdown). Every
// string that reaches them may come from a student (names are checked, but
// error messages, build output and git messages are not), so each output
// format gets one escaping function, used for every cell, attribute or
// text node, and tested against hostile input.
#pragma once

#include <string>
#include <string_view>

namespace ipc::report {

// `text` with every invalid UTF-8 sequence (stray continuation bytes,
// overlong forms, surrogates, > U+10FFFF, truncated sequences) replaced by
// U+FFFD. nlohmann::json refuses to dump invalid UTF-8, and browsers and
// XML parsers reject or misrender it.
std::string ValidUtf8(std::string_view text);

// For XML 1.0 text nodes and attribute values (double-quoted): & < > " '
// become entities; control characters XML 1.0 forbids (everything below
// U+0020 except tab, LF, CR; U+FFFE, U+FFFF) become U+FFFD, because a parser
// rejects the whole document for one of them and students print ANSI
// escapes. In attributes, tab/LF/CR become character references so they
// survive attribute-value normalisation.
std::string XmlText(std::string_view text);
std::string XmlAttr(std::string_view text);

// For HTML text and double- or single-quoted attribute values.
std::string HtmlEscape(std::string_view text);

// For one line of Markdown (a table cell, the middle of a list item): the
// characters that start markup inline (\ ` * _ [ ] < > | & ~ # !) are
// backslash-escaped, so nothing a student wrote becomes a link, an image,
// raw HTML, an entity, emphasis or a table column; line breaks become
// spaces. Other punctuation stays as is, so the raw file reads well too.
std::string MarkdownInline(std::string_view text);

// One RFC 4180 field. Quoted when it holds a comma, quote, CR or LF (quotes
// doubled). Cells that a spreadsheet would read as a formula (first
// character = + - @ tab or CR) get a leading apostrophe, as OWASP's
// CSV-injection advice says. Only for text: numbers we format ourselves
// (FormatPoints) are written as they are.
std::string CsvText(std::string_view text);

// Points as people write them: 23.5, 10, 0.25 (at most two decimals, no
// trailing zeros), always with '.' whatever the locale.
std::string FormatPoints(double points);

// One line, at most `max_chars` bytes (cut on a UTF-8 boundary, "…" added).
std::string OneLine(std::string_view text, std::size_t max_chars);

}  // namespace ipc::report
