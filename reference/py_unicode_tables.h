// Unicode property tables that CPython 3.11 uses for str methods, generated
// from CPython itself (reference/tools/gen_unicode_tables.py) so that the
// emulation agrees with the interpreter code point for code point.
#pragma once

#include <span>

namespace ipc::pytext::internal {

struct CodeRange {
  char32_t first;
  char32_t last;  // inclusive
};

// Sorted, disjoint ranges where str.isprintable() is False.
std::span<const CodeRange> NonPrintableRanges();

// unicodedata.unidata_version of the generating interpreter ("14.0.0").
extern const char kUnicodeVersion[];

}  // namespace ipc::pytext::internal
