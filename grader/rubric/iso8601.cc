#include "rubric/iso8601.h"

#include <chrono>

namespace ipc::rubric {
namespace {

// Reads exactly `width` digits at text[*pos]; false (with *why) otherwise.
bool ReadDigits(std::string_view text, std::size_t* pos, int width,
                const char* field, int* out, std::string* why) {
  int value = 0;
  for (int i = 0; i < width; ++i) {
    const std::size_t at = *pos + static_cast<std::size_t>(i);
    if (at >= text.size() || text[at] < '0' || text[at] > '9') {
      *why = std::string("expected ") + std::to_string(width) + " digits for the " +
             field + " at character " + std::to_string(*pos + 1);
      return false;
    }
    value = value * 10 + (text[at] - '0');
  }
  *pos += static_cast<std::size_t>(width);
  *out = value;
  return true;
}

bool Expect(std::string_view text, std::size_t* pos, char c, const char* after,
            std::string* why) {
  if (*pos >= text.size() || text[*pos] != c) {
    *why = std::string("expected '") + c + "' after the " + after + " at character " +
           std::to_string(*pos + 1);
    return false;
  }
  ++*pos;
  return true;
}

bool InRange(int value, int lo, int hi, const char* field, std::string* why) {
  if (value >= lo && value <= hi) return true;
  *why = std::string(field) + " " + std::to_string(value) + " is out of range";
  return false;
}

}  // namespace

std::optional<std::int64_t> ParseIsoDateTime(std::string_view text, std::string* why) {
  std::size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, "year", &year, why) ||
      !Expect(text, &pos, '-', "year", why) ||
      !ReadDigits(text, &pos, 2, "month", &month, why) ||
      !Expect(text, &pos, '-', "month", why) ||
      !ReadDigits(text, &pos, 2, "day", &day, why) ||
      !Expect(text, &pos, 'T', "date", why) ||
      !ReadDigits(text, &pos, 2, "hour", &hour, why) ||
      !Expect(text, &pos, ':', "hour", why) ||
      !ReadDigits(text, &pos, 2, "minute", &minute, why) ||
      !Expect(text, &pos, ':', "minute", why) ||
      !ReadDigits(text, &pos, 2, "second", &second, why)) {
    return std::nullopt;
  }
  if (!InRange(month, 1, 12, "month", why) || !InRange(hour, 0, 23, "hour", why) ||
      !InRange(minute, 0, 59, "minute", why) || !InRange(second, 0, 59, "second", why)) {
    return std::nullopt;
  }
  namespace chr = std::chrono;
  const chr::year_month_day date{chr::year{year}, chr::month{static_cast<unsigned>(month)},
                                 chr::day{static_cast<unsigned>(day)}};
  if (!date.ok()) {
    *why = "day " + std::to_string(day) + " does not exist in " +
           std::string(text.substr(0, 7));
    return std::nullopt;
  }

  int offset_s = 0;
  if (pos >= text.size()) {
    *why = "missing UTC offset (Z, +HH:MM or -HH:MM) after the time";
    return std::nullopt;
  }
  if (text[pos] == 'Z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int off_h = 0, off_m = 0;
    if (!ReadDigits(text, &pos, 2, "offset hours", &off_h, why) ||
        !Expect(text, &pos, ':', "offset hours", why) ||
        !ReadDigits(text, &pos, 2, "offset minutes", &off_m, why) ||
        !InRange(off_h, 0, 23, "offset hour", why) ||
        !InRange(off_m, 0, 59, "offset minute", why)) {
      return std::nullopt;
    }
    offset_s = sign * (off_h * 3600 + off_m * 60);
  } else if (text[pos] == '.' || text[pos] == ',') {
    *why = "fractional seconds are not accepted";
    return std::nullopt;
  } else {
    *why = "expected Z, +HH:MM or -HH:MM at character " + std::to_string(pos + 1);
    return std::nullopt;
  }
  if (pos != text.size()) {
    *why = "unexpected text after the UTC offset at character " + std::to_string(pos + 1);
    return std::nullopt;
  }

  const std::int64_t days = chr::sys_days{date}.time_since_epoch().count();
  // Local time = UTC + offset, so UTC = local - offset.
  return days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
}

}  // namespace ipc::rubric
