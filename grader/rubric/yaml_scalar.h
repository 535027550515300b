// Scalar typing after YAML 1.2's core schema. yaml-cpp itself converts
// leniently (as<double>() accepts "10" in quotes, as<bool>() accepts "yes"
// and "off"), which would let a quoted or misspelt value pass as another
// type; the rubric wants what the author wrote to mean one thing only.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <yaml-cpp/yaml.h>

namespace ipc::rubric::scalar {

// The scalar is written as a number: plain, or tagged !!int / !!float.
bool IsNumeric(const YAML::Node& node);
// ...and its value; nullopt when it is not numeric or out of range.
std::optional<double> ToNumber(const YAML::Node& node);
// Written as an integer ([-+]?[0-9]+), whether or not it fits a long long.
bool IsIntegerSyntax(const YAML::Node& node);
// Integer syntax only ([-+]?[0-9]+); nullopt otherwise or out of range.
std::optional<long long> ToInt(const YAML::Node& node);
// true/True/TRUE/false/False/FALSE, plain or tagged !!bool.
std::optional<bool> ToBool(const YAML::Node& node);

// `text` quoted for a message: "a\"b", control bytes escaped, long text cut.
std::string Quote(std::string_view text);

}  // namespace ipc::rubric::scalar
