#include "reference/oracle_spec.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ipc::reference {
namespace {

constexpr const char* kStart = "--start=";
constexpr const char* kNoStart = "--no-start";
constexpr const char* kHandle = "--handle=";
constexpr const char* kFolder = "--folder=";
constexpr const char* kRefusal = "--refusal=";
constexpr const char* kRefuseTraversal = "--refuse-traversal";
constexpr const char* kNeverOpen = "--never-open";
constexpr const char* kAlwaysPrint = "--always-print=";

bool StartsWith(const std::string& s, const char* prefix, std::string* rest) {
  const std::string p = prefix;
  if (s.rfind(p, 0) != 0) return false;
  *rest = s.substr(p.size());
  return true;
}

std::optional<int> ParseInt(const std::string& s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  std::size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return std::nullopt;
  for (std::size_t k = i; k < s.size(); ++k) {
    if (s[k] < '0' || s[k] > '9') return std::nullopt;
  }
  return std::atoi(s.c_str());
}

// A C string literal's body for `text` (quotes, backslashes and control
// bytes escaped); with `printf`, '%' doubled as well.
std::string CText(const std::string& text, bool printf_format) {
  std::string out;
  for (unsigned char c : text) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '%' && printf_format) {
      out += "%%";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A Python string literal for `text` (UTF-8 bytes kept as they are).
std::string PyLiteral(const std::string& text) {
  std::string out = "'";
  for (unsigned char c : text) {
    if (c == '\\' || c == '\'') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "'";
}

}  // namespace

std::optional<int> SignalFromName(const std::string& name) {
  if (name.empty()) return std::nullopt;
  if (name.find_first_not_of("0123456789") == std::string::npos) {
    if (name.size() > 3) return std::nullopt;
    const int n = std::atoi(name.c_str());
    if (n > 0 && n < NSIG) return n;
    return std::nullopt;
  }
  const std::string bare = name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
  for (int s = 1; s < NSIG; ++s) {
    const char* abbrev = sigabbrev_np(s);
    if (abbrev != nullptr && bare == abbrev) return s;
  }
  return std::nullopt;
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::vector<std::string> ToArgs(const ListenerSpec& spec) {
  std::vector<std::string> args;
  args.push_back(spec.start ? kStart + *spec.start : std::string(kNoStart));
  for (const auto& h : spec.handlers) {
    args.push_back(kHandle + std::to_string(h.signal) + ":" + std::to_string(h.exit_code) + ":" +
                   h.prints);
  }
  return args;
}

std::vector<std::string> ToArgs(const CatSpec& spec) {
  std::vector<std::string> args = {kFolder + spec.folder, kRefusal + spec.refusal};
  if (spec.refuse_traversal) args.push_back(kRefuseTraversal);
  if (spec.never_open) args.push_back(kNeverOpen);
  if (spec.always_print) args.push_back(kAlwaysPrint + *spec.always_print);
  return args;
}

std::optional<ListenerSpec> ListenerFromArgs(const std::vector<std::string>& args,
                                             std::string* err) {
  ListenerSpec spec;
  bool start_given = false;
  for (const auto& a : args) {
    std::string v;
    if (StartsWith(a, kStart, &v)) {
      spec.start = v;
      start_given = true;
    } else if (a == kNoStart) {
      spec.start.reset();
      start_given = true;
    } else if (StartsWith(a, kHandle, &v)) {
      const auto c1 = v.find(':');
      const auto c2 = c1 == std::string::npos ? c1 : v.find(':', c1 + 1);
      const auto sig = c1 == std::string::npos ? std::nullopt : ParseInt(v.substr(0, c1));
      const auto code =
          c2 == std::string::npos ? std::nullopt : ParseInt(v.substr(c1 + 1, c2 - c1 - 1));
      if (!sig || !code || *sig < 1 || *sig > 64) {
        *err = "bad " + a + " (expected --handle=SIGNUM:EXITCODE:TEXT)";
        return std::nullopt;
      }
      spec.handlers.push_back({*sig, v.substr(c2 + 1), *code});
    } else {
      *err = "unknown argument '" + a + "'";
      return std::nullopt;
    }
  }
  if (!start_given) {
    *err = "say what the listener prints first: --start=TEXT or --no-start";
    return std::nullopt;
  }
  return spec;
}

std::optional<CatSpec> CatFromArgs(const std::vector<std::string>& args,
                                   std::vector<std::string>* rest, std::string* err) {
  CatSpec spec;
  bool folder = false, refusal = false;
  for (const auto& a : args) {
    std::string v;
    if (StartsWith(a, kFolder, &v)) {
      spec.folder = v;
      folder = true;
    } else if (StartsWith(a, kRefusal, &v)) {
      spec.refusal = v;
      refusal = true;
    } else if (a == kRefuseTraversal) {
      spec.refuse_traversal = true;
    } else if (a == kNeverOpen) {
      spec.never_open = true;
    } else if (StartsWith(a, kAlwaysPrint, &v)) {
      spec.always_print = v;
    } else {
      rest->push_back(a);
    }
  }
  if (!folder || !refusal) {
    *err = "say where and how the cat works: --folder=NAME and --refusal=WORD";
    return std::nullopt;
  }
  return spec;
}

std::string ListenerC(const ListenerSpec& spec, const std::string& salt) {
  std::string c =
      "#include <stdio.h>\n"
      "#include <stdlib.h>\n"
      "#include <signal.h>\n"
      "#include <unistd.h>\n"
      "\n"
      "static const char rcsid[] __attribute__((used)) = \"$Id: " +
      salt +
      " $\";\n"
      "int return_code = 0;\n";
  for (const auto& h : spec.handlers) {
    const std::string name = "on_signal_" + std::to_string(h.signal);
    c += "\nvoid " + name + "(int sig) {\n\t(void)sig;\n\tprintf(\"" + CText(h.prints, true) +
         "\\n\");\n\treturn_code = " + std::to_string(h.exit_code) + ";\n}\n";
  }
  c += "\nint main(void) {\n";
  if (spec.start) {
    const auto at = spec.start->find("{pid}");
    if (at == std::string::npos) {
      c += "\tprintf(\"" + CText(*spec.start, true) + "\\n\");\n";
    } else {
      c += "\tprintf(\"" + CText(spec.start->substr(0, at), true) + "%i" +
           CText(spec.start->substr(at + 5), true) + "\\n\", getpid());\n";
    }
  }
  for (const auto& h : spec.handlers) {
    c += "\tsignal(" + std::to_string(h.signal) + ", on_signal_" + std::to_string(h.signal) +
         ");\n";
  }
  c += "\tpause();\n\treturn return_code;\n}\n";
  return c;
}

std::string CatPython(const CatSpec& spec, const std::string& salt) {
  std::string py = "# " + salt + "\nimport sys\n\nfilename = sys.stdin.read().strip()\n";
  if (spec.always_print) return py + "print(" + PyLiteral(*spec.always_print) + ")\n";
  if (spec.never_open) return py + "print(" + PyLiteral(spec.refusal) + ")\n";
  py += "path = " + PyLiteral("./" + spec.folder + "/") + " + filename\n";
  if (spec.refuse_traversal) py = "import os\n" + py;
  py += "\ntry:\n";
  if (spec.refuse_traversal) {
    py += "    if not os.path.abspath(path).startswith(os.path.abspath(" +
          PyLiteral("./" + spec.folder + "/") +
          ")):\n        raise Exception('Sandbox escaped!')\n";
  }
  py += "    with open(path) as f:\n        print(f.read())\nexcept Exception as e:\n";
  py += "    print(" + PyLiteral(spec.refusal + " ") + " + str(e))\n";
  return py;
}

}  // namespace ipc::reference
