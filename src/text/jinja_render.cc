#include "text/jinja_render.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.h"
#include "text/jinja_parser.h"

namespace hm {
namespace {

using jinja::Array;
using jinja::Body;
using jinja::Expr;
using jinja::Kwargs;
using jinja::Node;
using jinja::Object;
using jinja::Value;
using K = Value::Kind;

// Python's round(x, n) for floats: correctly rounded on the exact binary value, which is
// what printf's %.*f does too.
double PyRound(double x, int64_t digits) {
  if (!std::isfinite(x) || digits > 300) return x;
  if (digits < 0) {
    const double p = std::pow(10.0, static_cast<double>(-digits));
    return std::nearbyint(x / p) * p;
  }
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(digits), x);
  return std::strtod(buf, nullptr);
}

int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t k = 0; k < parts.size(); ++k) out += (k ? sep : "") + parts[k];
  return out;
}

bool IsPySpace(char32_t c) {
  return c == ' ' || (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x1F) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

// str.strip / lstrip / rstrip with Python's default (whitespace) or explicit characters.
std::string Strip(const std::string& s, const Value& chars, bool left, bool right) {
  const std::u32string u = jinja::ToU32(s);
  const std::u32string set = chars.IsString() ? jinja::ToU32(chars.s) : U"";
  auto drop = [&](char32_t c) { return chars.IsString() ? set.find(c) != std::u32string::npos : IsPySpace(c); };
  size_t b = 0, e = u.size();
  if (left)
    while (b < e && drop(u[b])) ++b;
  if (right)
    while (e > b && drop(u[e - 1])) --e;
  return jinja::FromU32(u.substr(b, e - b));
}

std::vector<std::string> Split(const std::string& s, const Value& sep, int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep.IsString()) {
    HM_CHECK(!sep.s.empty(), "chat template: split() with an empty separator");
    size_t start = 0;
    while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
      const size_t at = s.find(sep.s, start);
      if (at == std::string::npos) break;
      out.push_back(s.substr(start, at - start));
      start = at + sep.s.size();
    }
    out.push_back(s.substr(start));
    return out;
  }
  const std::u32string u = jinja::ToU32(s);
  size_t i = 0;
  while (true) {
    while (i < u.size() && IsPySpace(u[i])) ++i;
    if (i == u.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(out.size()) == maxsplit) {
      size_t e = u.size();
      while (e > i && IsPySpace(u[e - 1])) --e;
      out.push_back(jinja::FromU32(u.substr(i, e - i)));
      break;
    }
    size_t e = i;
    while (e < u.size() && !IsPySpace(u[e])) ++e;
    out.push_back(jinja::FromU32(u.substr(i, e - i)));
    i = e;
  }
  return out;
}

std::string Replace(const std::string& s, const std::string& from, const std::string& to, int64_t count) {
  if (from.empty()) Fail("chat template: replace() with an empty pattern is unsupported");
  std::string out;
  size_t start = 0;
  for (int64_t n = 0; count < 0 || n < count; ++n) {
    const size_t at = s.find(from, start);
    if (at == std::string::npos) break;
    out += s.substr(start, at - start) + to;
    start = at + from.size();
  }
  return out + s.substr(start);
}

std::string CaseMap(const std::string& s, int mode) {  // 0 lower, 1 upper, 2 title, 3 capitalize
  // ASCII-only case mapping: the templates use it on role names and keywords.
  std::string out = s;
  bool word_start = true;
  for (size_t k = 0; k < out.size(); ++k) {
    const unsigned char c = out[k];
    const bool alpha = std::isalpha(c);
    if (mode == 0) out[k] = std::tolower(c);
    else if (mode == 1) out[k] = std::toupper(c);
    else if (mode == 2) out[k] = word_start ? std::toupper(c) : std::tolower(c);
    else out[k] = k == 0 ? std::toupper(c) : std::tolower(c);
    word_start = !alpha && c < 0x80;
  }
  return out;
}

int64_t NormIndex(int64_t i, size_t n) { return i < 0 ? i + static_cast<int64_t>(n) : i; }

// Python slice indices for a sequence of length n.
std::vector<size_t> SliceIndices(size_t n, const Value& a, const Value& b, const Value& c) {
  const int64_t step = c.IsNone() || c.IsUndefined() ? 1 : c.i;
  HM_CHECK(step != 0, "chat template: slice step cannot be zero");
  const int64_t len = static_cast<int64_t>(n);
  auto clamp = [&](const Value& v, int64_t def) {
    if (v.IsNone() || v.IsUndefined()) return def;
    int64_t x = v.i < 0 ? v.i + len : v.i;
    if (step > 0) return std::clamp<int64_t>(x, 0, len);
    return std::clamp<int64_t>(x, -1, len - 1);
  };
  const int64_t start = clamp(a, step > 0 ? 0 : len - 1), stop = clamp(b, step > 0 ? len : -1);
  std::vector<size_t> out;
  for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(static_cast<size_t>(i));
  return out;
}

// raise_exception(): the template refusing the conversation, so the caller's input.
class TemplateRaised : public Error {
 public:
  using Error::Error;
};

// The source form of a call target or operand, for error messages: message.content.startswith.
std::string Describe(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kName: return e.name;
    case Expr::Kind::kAttr: return Describe(*e.args[0]) + "." + e.name;
    case Expr::Kind::kIndex:
      return Describe(*e.args[0]) + "[" +
             (e.args[1]->kind == Expr::Kind::kLiteral ? e.args[1]->value.Repr() : Describe(*e.args[1])) + "]";
    case Expr::Kind::kCall: return Describe(*e.args[0]) + "(...)";
    default: return "(...)";
  }
}

// The methods Python's list and dict have (Method() supports a few): calling any other, such
// as a str method, on them fails in Jinja2 too.
bool PythonHasMethod(const Value& self, const std::string& name) {
  static const char* const kList[] = {"append", "clear", "copy", "count", "extend", "index",
                                      "insert", "pop", "remove", "reverse", "sort"};
  static const char* const kDict[] = {"clear", "copy", "fromkeys", "get", "items", "keys",
                                      "pop", "popitem", "setdefault", "update", "values"};
  if (self.IsArray()) return std::find(std::begin(kList), std::end(kList), name) != std::end(kList);
  if (self.IsObject() && !self.is_namespace) return std::find(std::begin(kDict), std::end(kDict), name) != std::end(kDict);
  return true;
}

class Renderer {
 public:
  explicit Renderer(const nlohmann::ordered_json& context) {
    scopes_.emplace_back();
    auto& g = scopes_.back();
    for (const auto& [k, v] : context.items()) g[k] = jinja::FromJson(v);
    g["raise_exception"] = Value::Func("raise_exception", [](std::vector<Value>& a, Kwargs&) -> Value {
      throw TemplateRaised(StrCat("chat template raised: ", a.empty() ? "" : a[0].Str()));
    });
    g["range"] = Value::Func("range", [](std::vector<Value>& a, Kwargs&) {
      HM_CHECK(!a.empty() && a.size() <= 3, "chat template: range() takes 1 to 3 arguments");
      for (const Value& v : a)
        HM_CHECK(v.kind == K::kInt || v.kind == K::kBool, "chat template: range() needs integers, got ", v.TypeName());
      const int64_t start = a.size() > 1 ? a[0].i : 0, stop = a.size() > 1 ? a[1].i : a[0].i;
      const int64_t step = a.size() > 2 ? a[2].i : 1;
      HM_CHECK(step != 0, "chat template: range() step is zero");
      Array out;
      for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(Value::Int(i));
      return Value::List(std::move(out));
    });
    g["namespace"] = Value::Func("namespace", [](std::vector<Value>& a, Kwargs& kw) {
      Value ns = Value::Dict();
      ns.is_namespace = true;
      for (const Value& arg : a)
        if (arg.IsObject())
          for (const auto& [k, v] : *arg.object) ns.Set(k, v);
      for (auto& [k, v] : kw) ns.Set(k, v);
      return ns;
    });
  }

  std::string Run(const Body& body) {
    Exec(body);
    return std::move(out_);
  }

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  Flow Exec(const Body& body) {
    for (const Node& n : body) {
      const Flow f = ExecNode(n);
      if (f != Flow::kNormal) return f;
    }
    return Flow::kNormal;
  }

  Flow ExecNode(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kText: out_ += n.text; return Flow::kNormal;
      case Node::Kind::kOutput: out_ += Eval(*n.expr).Str(); return Flow::kNormal;
      case Node::Kind::kIf:
        for (const auto& [cond, body] : n.branches)
          if (!cond || Eval(*cond).Truthy()) return Exec(body);
        return Flow::kNormal;
      case Node::Kind::kFor: return ExecFor(n);
      case Node::Kind::kSet: {
        Value v;
        if (n.expr) {
          v = Eval(*n.expr);
        } else {
          std::string saved = std::move(out_);
          out_.clear();
          Exec(n.body);
          v = Value::Str(std::move(out_));
          out_ = std::move(saved);
        }
        if (n.targets.size() == 1) {
          scopes_.back()[n.targets[0]] = std::move(v);
        } else {
          Value ns = Lookup(n.targets[0]);
          HM_CHECK(ns.IsObject() && ns.is_namespace, "chat template: {% set ", n.targets[0], ".",
                   n.targets[1], " %} needs a namespace() object");
          ns.Set(n.targets[1], std::move(v));
        }
        return Flow::kNormal;
      }
      case Node::Kind::kMacro: DefineMacro(n); return Flow::kNormal;
      case Node::Kind::kBreak: return Flow::kBreak;
      case Node::Kind::kContinue: return Flow::kContinue;
    }
    return Flow::kNormal;
  }

  Flow ExecFor(const Node& n) {
    const Value seq = Eval(*n.expr);
    Array items;
    if (seq.IsArray()) {
      items = *seq.array;
    } else if (seq.IsObject()) {
      for (const auto& [k, v] : *seq.object) items.push_back(Value::Str(k));  // dicts iterate keys
    } else if (seq.IsString()) {
      for (char32_t c : jinja::ToU32(seq.s)) items.push_back(Value::Str(jinja::FromU32(std::u32string(1, c))));
    } else if (!seq.IsUndefined()) {
      Fail("chat template: cannot loop over a ", seq.TypeName());
    }
    // The `if` clause filters before loop.index and loop.length are counted, as in Jinja2.
    if (n.filter) {
      Array kept;
      for (const Value& item : items) {
        scopes_.emplace_back();
        Bind(n.targets, item);
        if (Eval(*n.filter).Truthy()) kept.push_back(item);
        scopes_.pop_back();
      }
      items = std::move(kept);
    }
    if (items.empty()) return n.else_body.empty() ? Flow::kNormal : Exec(n.else_body);
    const int64_t len = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < len; ++i) {
      scopes_.emplace_back();
      Bind(n.targets, items[i]);
      Value loop = Value::Dict({{"index", Value::Int(i + 1)},
                                {"index0", Value::Int(i)},
                                {"revindex", Value::Int(len - i)},
                                {"revindex0", Value::Int(len - i - 1)},
                                {"first", Value::Bool(i == 0)},
                                {"last", Value::Bool(i == len - 1)},
                                {"length", Value::Int(len)},
                                {"previtem", i > 0 ? items[i - 1] : Value::Undefined("previtem")},
                                {"nextitem", i + 1 < len ? items[i + 1] : Value::Undefined("nextitem")}});
      scopes_.back()["loop"] = std::move(loop);
      const Flow f = Exec(n.body);
      scopes_.pop_back();
      if (f == Flow::kBreak) break;
    }
    return Flow::kNormal;
  }

  void Bind(const std::vector<std::string>& targets, const Value& item) {
    if (targets.size() == 1) {
      scopes_.back()[targets[0]] = item;
      return;
    }
    HM_CHECK(item.IsArray() && item.array->size() == targets.size(), "chat template: cannot unpack a ",
             item.TypeName(), " into ", targets.size(), " loop variables");
    for (size_t k = 0; k < targets.size(); ++k) scopes_.back()[targets[k]] = (*item.array)[k];
  }

  void DefineMacro(const Node& n) {
    const Node* macro = &n;
    scopes_.back()[n.name] = Value::Func(n.name, [this, macro](std::vector<Value>& args, Kwargs& kw) {
      HM_CHECK(args.size() <= macro->params.size(), "chat template: macro ", macro->name,
               " called with too many arguments");
      scopes_.emplace_back();
      for (size_t k = 0; k < macro->params.size(); ++k) {
        const auto& [name, def] = macro->params[k];
        Value v = k < args.size() ? args[k] : def ? Eval(*def) : Value::Undefined(name);
        for (auto& [key, val] : kw)
          if (key == name) v = val;
        scopes_.back()[name] = v;
      }
      std::string saved = std::move(out_);
      out_.clear();
      Exec(macro->body);
      std::string result = std::move(out_);
      out_ = std::move(saved);
      scopes_.pop_back();
      return Value::Str(std::move(result));
    });
  }

  Value Lookup(const std::string& name) const {
    for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
      auto f = it->find(name);
      if (f != it->end()) return f->second;
    }
    return Value::Undefined(name);
  }

  Value Eval(const Expr& e) {
    switch (e.kind) {
      case Expr::Kind::kLiteral: return e.value;
      case Expr::Kind::kName: return Lookup(e.name);
      case Expr::Kind::kList:
      case Expr::Kind::kTuple: {
        Array a;
        for (const auto& x : e.args) a.push_back(Eval(*x));
        return Value::List(std::move(a));
      }
      case Expr::Kind::kDict: {
        Value d = Value::Dict();
        for (const auto& [k, v] : e.dict_items) {
          const Value key = Eval(*k);
          HM_CHECK(key.IsString(), "chat template: dict keys must be strings");
          d.Set(key.s, Eval(*v));
        }
        return d;
      }
      case Expr::Kind::kAttr: return GetAttr(Eval(*e.args[0]), e.name);
      case Expr::Kind::kIndex: return GetItem(Eval(*e.args[0]), Eval(*e.args[1]));
      case Expr::Kind::kSlice: {
        const Value obj = Eval(*e.args[0]);
        Value parts[3];
        for (int k = 0; k < 3; ++k) {
          parts[k] = e.args[k + 1] ? Eval(*e.args[k + 1]) : Value::None();
          HM_CHECK(parts[k].IsNone() || parts[k].kind == K::kInt, "chat template: slice bounds must be integers");
        }
        if (obj.IsString()) {
          const std::u32string u = jinja::ToU32(obj.s);
          std::u32string r;
          for (size_t i : SliceIndices(u.size(), parts[0], parts[1], parts[2])) r += u[i];
          return Value::Str(jinja::FromU32(r));
        }
        HM_CHECK(obj.IsArray(), "chat template: cannot slice a ", obj.TypeName());
        Array r;
        for (size_t i : SliceIndices(obj.array->size(), parts[0], parts[1], parts[2])) r.push_back((*obj.array)[i]);
        return Value::List(std::move(r));
      }
      case Expr::Kind::kCall: return EvalCall(e);
      case Expr::Kind::kFilter: return EvalFilter(e);
      case Expr::Kind::kTest: {
        const bool r = EvalTest(e);
        return Value::Bool(e.negate ? !r : r);
      }
      case Expr::Kind::kUnary: {
        const Value v = Eval(*e.args[0]);
        if (e.name == "not") return Value::Bool(!v.Truthy());
        HM_CHECK(v.IsNumber(), "chat template: unary ", e.name, " on a ", v.TypeName());
        if (e.name == "+") return v;
        return v.kind == K::kFloat ? Value::Float(-v.f) : Value::Int(-(v.kind == K::kBool ? v.b : v.i));
      }
      case Expr::Kind::kBinary: return EvalBinary(e);
      case Expr::Kind::kTernary:
        if (Eval(*e.args[1]).Truthy()) return Eval(*e.args[0]);
        return e.args[2] ? Eval(*e.args[2]) : Value::Undefined();
    }
    return Value::Undefined();
  }

  static void CheckDefined(const Value& v, const std::string& what) {
    HM_CHECK(!v.IsUndefined(), "chat template: '", v.s.empty() ? what : v.s, "' is undefined");
  }

  Value GetAttr(const Value& obj, const std::string& name) {
    CheckDefined(obj, name);
    if (obj.IsObject()) {
      Value v = obj.Get(name);
      if (!v.IsUndefined() || obj.is_namespace) return v;
      return Method(obj, name).kind == K::kFunction ? Method(obj, name) : v;
    }
    const Value m = Method(obj, name);
    return m.kind == K::kFunction ? m : Value::Undefined(name);
  }

  Value GetItem(const Value& obj, const Value& key) {
    CheckDefined(obj, "subscript");
    if (obj.IsObject()) {
      HM_CHECK(key.IsString(), "chat template: dict subscript must be a string");
      return obj.Get(key.s);
    }
    if (obj.IsArray() || obj.IsString()) {
      if (key.IsString()) return GetAttr(obj, key.s);
      HM_CHECK(key.kind == K::kInt, "chat template: index must be an integer, got ", key.TypeName());
      if (obj.IsArray()) {
        const int64_t i = NormIndex(key.i, obj.array->size());
        if (i < 0 || i >= static_cast<int64_t>(obj.array->size())) return Value::Undefined("index");
        return (*obj.array)[i];
      }
      const std::u32string u = jinja::ToU32(obj.s);
      const int64_t i = NormIndex(key.i, u.size());
      if (i < 0 || i >= static_cast<int64_t>(u.size())) return Value::Undefined("index");
      return Value::Str(jinja::FromU32(std::u32string(1, u[i])));
    }
    Fail("chat template: cannot subscript a ", obj.TypeName());
  }

  // Bound methods of str, list and dict that templates call (.strip(), .items(), ...).
  Value Method(const Value& self, const std::string& name) {
    auto fn = [&](auto body) { return Value::Func(name, body); };
    auto arg = [](std::vector<Value>& a, size_t k) { return k < a.size() ? a[k] : Value::None(); };
    if (self.IsString()) {
      const std::string s = self.s;
      if (name == "strip" || name == "lstrip" || name == "rstrip")
        return fn([s, name, arg](std::vector<Value>& a, Kwargs&) {
          return Value::Str(Strip(s, arg(a, 0), name != "rstrip", name != "lstrip"));
        });
      if (name == "split")
        return fn([s, arg](std::vector<Value>& a, Kwargs& kw) {
          Value sep = arg(a, 0), maxsplit = arg(a, 1);
          for (auto& [k, v] : kw) (k == "sep" ? sep : maxsplit) = v;
          Array out;
          for (auto& p : Split(s, sep, maxsplit.kind == K::kInt ? maxsplit.i : -1)) out.push_back(Value::Str(p));
          return Value::List(std::move(out));
        });
      if (name == "startswith" || name == "endswith")
        return fn([s, name](std::vector<Value>& a, Kwargs&) {
          HM_CHECK(!a.empty(), "chat template: ", name, "() needs an argument");
          std::vector<std::string> probes;
          if (a[0].IsArray()) {
            for (const Value& v : *a[0].array) probes.push_back(v.Str());
          } else {
            probes.push_back(a[0].Str());
          }
          for (const auto& p : probes) {
            if (name == "startswith" ? s.starts_with(p) : s.ends_with(p)) return Value::Bool(true);
          }
          return Value::Bool(false);
        });
      if (name == "upper" || name == "lower" || name == "title" || name == "capitalize")
        return fn([s, name](std::vector<Value>&, Kwargs&) {
          return Value::Str(CaseMap(s, name == "lower" ? 0 : name == "upper" ? 1 : name == "title" ? 2 : 3));
        });
      if (name == "replace")
        return fn([s](std::vector<Value>& a, Kwargs&) {
          HM_CHECK(a.size() >= 2, "chat template: replace() needs two arguments");
          return Value::Str(Replace(s, a[0].Str(), a[1].Str(), a.size() > 2 ? a[2].i : -1));
        });
      if (name == "find" || name == "count")
        return fn([s, name](std::vector<Value>& a, Kwargs&) {
          HM_CHECK(!a.empty() && a[0].IsString(), "chat template: ", name, "() needs a string");
          if (name == "find") {
            const size_t at = s.find(a[0].s);
            return Value::Int(at == std::string::npos ? -1 : static_cast<int64_t>(jinja::ToU32(s.substr(0, at)).size()));
          }
          int64_t n = 0;
          for (size_t at = s.find(a[0].s); at != std::string::npos && !a[0].s.empty(); at = s.find(a[0].s, at + a[0].s.size())) ++n;
          return Value::Int(n);
        });
      if (name == "join")
        return fn([s](std::vector<Value>& a, Kwargs&) {
          HM_CHECK(!a.empty() && a[0].IsArray(), "chat template: join() needs a list");
          std::vector<std::string> parts;
          for (const Value& v : *a[0].array) parts.push_back(v.Str());
          return Value::Str(Join(parts, s));
        });
    }
    if (self.IsObject() && !self.is_namespace) {
      const Value obj = self;
      if (name == "items" || name == "keys" || name == "values")
        return fn([obj, name](std::vector<Value>&, Kwargs&) {
          Array out;
          for (const auto& [k, v] : *obj.object) {
            if (name == "items") out.push_back(Value::List({Value::Str(k), v}));
            else out.push_back(name == "keys" ? Value::Str(k) : v);
          }
          return Value::List(std::move(out));
        });
      if (name == "get")
        return fn([obj, arg](std::vector<Value>& a, Kwargs&) {
          HM_CHECK(!a.empty() && a[0].IsString(), "chat template: get() needs a string key");
          const Value v = obj.Get(a[0].s);
          return v.IsUndefined() ? arg(a, 1) : v;
        });
    }
    return Value::Undefined(name);
  }

  std::pair<std::vector<Value>, Kwargs> EvalArgs(const Expr& e, size_t first) {
    std::vector<Value> args;
    for (size_t k = first; k < e.args.size(); ++k) args.push_back(Eval(*e.args[k]));
    Kwargs kw;
    for (const auto& [k, v] : e.kwargs) kw.emplace_back(k, Eval(*v));
    return {std::move(args), std::move(kw)};
  }

  Value EvalCall(const Expr& e) {
    const Expr& target = *e.args[0];
    Value callee;
    if (target.kind == Expr::Kind::kAttr) {
      // A method call: name the object's type as Jinja2 does when it has no such method, as
      // Qwen3's template hits on list content (message.content.startswith(...)).
      const Value self = Eval(*target.args[0]);
      callee = GetAttr(self, target.name);
      if (callee.IsUndefined() && !PythonHasMethod(self, target.name))
        Fail("chat template: ", Describe(target), "(...) calls a method on a ", self.TypeName(), ": '",
             self.IsArray() ? "list" : "dict", " object' has no attribute '", target.name, "'");
    } else {
      callee = Eval(target);
    }
    HM_CHECK(callee.kind == K::kFunction, "chat template: '", callee.s.empty() ? "expression" : callee.s,
             "' is not a supported function (in ", Describe(target), "(...))");
    auto [args, kw] = EvalArgs(e, 1);
    return (*callee.fn)(args, kw);
  }

  static Value Kwarg(const Kwargs& kw, const std::string& name, const std::vector<Value>& args, size_t pos,
                     Value def) {
    for (const auto& [k, v] : kw)
      if (k == name) return v;
    return pos < args.size() ? args[pos] : def;
  }

  static int64_t Length(const Value& v) {
    if (v.IsString()) return static_cast<int64_t>(jinja::ToU32(v.s).size());
    if (v.IsArray()) return static_cast<int64_t>(v.array->size());
    if (v.IsObject()) return static_cast<int64_t>(v.object->size());
    Fail("chat template: length of a ", v.TypeName());
  }

  Value EvalFilter(const Expr& e) {
    const Value v = Eval(*e.args[0]);
    auto [args, kw] = EvalArgs(e, 1);
    const std::string& f = e.name;
    if (f == "length" || f == "count") return Value::Int(Length(v));
    if (f == "string") return Value::Str(v.Str());
    if (f == "safe" || f == "e" || f == "escape") {
      HM_CHECK(f == "safe", "chat template: unsupported filter '", f, "' (autoescape is off in transformers)");
      return v;
    }
    if (f == "trim") return Value::Str(Strip(v.Str(), Kwarg(kw, "chars", args, 0, Value::None()), true, true));
    if (f == "upper") return Value::Str(CaseMap(v.Str(), 1));
    if (f == "lower") return Value::Str(CaseMap(v.Str(), 0));
    if (f == "title") return Value::Str(CaseMap(v.Str(), 2));
    if (f == "capitalize") return Value::Str(CaseMap(v.Str(), 3));
    if (f == "default" || f == "d") {
      const bool boolean = Kwarg(kw, "boolean", args, 1, Value::Bool(false)).Truthy();
      if (v.IsUndefined() || (boolean && !v.Truthy())) return Kwarg(kw, "default_value", args, 0, Value::Str(""));
      return v;
    }
    if (f == "tojson") {
      const Value indent = Kwarg(kw, "indent", args, 0, Value::None());
      HM_CHECK(indent.IsNone() || indent.kind == K::kInt, "chat template: tojson indent must be an integer");
      return Value::Str(jinja::ToJson(v, indent.IsNone() ? -1 : static_cast<int>(indent.i),
                                      Kwarg(kw, "sort_keys", args, 2, Value::Bool(false)).Truthy()));
    }
    if (f == "round") {
      const Value precision = Kwarg(kw, "precision", args, 0, Value::Int(0));
      const std::string method = Kwarg(kw, "method", args, 1, Value::Str("common")).Str();
      HM_CHECK(v.IsNumber(), "chat template: round of a ", v.TypeName());
      HM_CHECK(precision.kind == K::kInt, "chat template: round precision must be an integer");
      // Jinja2's "common" method is Python's round(): an int stays an int.
      if (method == "common") return v.kind == K::kFloat ? Value::Float(PyRound(v.f, precision.i)) : v;
      const double p = std::pow(10.0, static_cast<double>(precision.i));
      HM_CHECK(method == "floor" || method == "ceil", "chat template: round method '", method, "' is unknown");
      return Value::Float((method == "floor" ? std::floor(v.AsDouble() * p) : std::ceil(v.AsDouble() * p)) / p);
    }
    if (f == "int") {
      if (v.IsNumber()) return Value::Int(v.kind == K::kFloat ? static_cast<int64_t>(v.f) : v.kind == K::kBool ? v.b : v.i);
      try {
        return Value::Int(std::stoll(v.Str()));
      } catch (...) {
        return Value::Int(0);
      }
    }
    if (f == "float") {
      if (v.IsNumber()) return Value::Float(v.AsDouble());
      try {
        return Value::Float(std::stod(v.Str()));
      } catch (...) {
        return Value::Float(0);
      }
    }
    if (f == "abs") {
      HM_CHECK(v.IsNumber(), "chat template: abs of a ", v.TypeName());
      return v.kind == K::kFloat ? Value::Float(std::fabs(v.f)) : Value::Int(std::llabs(v.i));
    }
    if (f == "first" || f == "last") {
      const Value seq = v.IsString() ? ToList(v) : v;
      HM_CHECK(seq.IsArray(), "chat template: ", f, " of a ", v.TypeName());
      if (seq.array->empty()) return Value::Undefined(f);
      return f == "first" ? seq.array->front() : seq.array->back();
    }
    if (f == "list") return ToList(v);
    if (f == "reverse") {
      if (v.IsString()) {
        std::u32string u = jinja::ToU32(v.s);
        std::reverse(u.begin(), u.end());
        return Value::Str(jinja::FromU32(u));
      }
      Value l = ToList(v);
      std::reverse(l.array->begin(), l.array->end());
      return l;
    }
    if (f == "join") {
      const Value seq = ToList(v);
      const std::string sep = Kwarg(kw, "d", args, 0, Value::Str("")).Str();
      const Value attr = Kwarg(kw, "attribute", args, 1, Value::None());
      std::vector<std::string> parts;
      for (const Value& x : *seq.array) parts.push_back(attr.IsNone() ? x.Str() : GetAttr(x, attr.Str()).Str());
      return Value::Str(Join(parts, sep));
    }
    if (f == "replace") {
      HM_CHECK(args.size() >= 2, "chat template: replace filter needs two arguments");
      return Value::Str(Replace(v.Str(), args[0].Str(), args[1].Str(), args.size() > 2 ? args[2].i : -1));
    }
    if (f == "items") {
      HM_CHECK(v.IsObject(), "chat template: items of a ", v.TypeName());
      std::vector<Value> none;
      Kwargs nokw;
      return (*Method(v, "items").fn)(none, nokw);
    }
    if (f == "map") {
      const Value seq = ToList(v);
      const Value attr = Kwarg(kw, "attribute", {}, 0, Value::None());
      Array out;
      if (!attr.IsNone()) {
        const Value def = Kwarg(kw, "default", {}, 0, Value::Undefined());
        for (const Value& x : *seq.array) {
          Value got = GetAttr(x, attr.Str());
          out.push_back(got.IsUndefined() && !def.IsUndefined() ? def : got);
        }
        return Value::List(std::move(out));
      }
      HM_CHECK(!args.empty(), "chat template: map needs a filter name or attribute=");
      for (const Value& x : *seq.array) out.push_back(ApplyNamedFilter(args[0].Str(), x, args, kw));
      return Value::List(std::move(out));
    }
    if (f == "selectattr" || f == "rejectattr" || f == "select" || f == "reject") {
      const bool attr_mode = f.ends_with("attr");
      const bool keep_if = f.starts_with("select");
      const Value seq = ToList(v);
      HM_CHECK(!attr_mode || !args.empty(), "chat template: ", f, " needs an attribute name");
      Array out;
      for (const Value& x : *seq.array) {
        const Value probe = attr_mode ? GetAttrOrUndefined(x, args[0].Str()) : x;
        const size_t test_at = attr_mode ? 1 : 0;
        bool r;
        if (args.size() > test_at) {
          std::vector<Value> test_args(args.begin() + test_at + 1, args.end());
          r = ApplyTest(args[test_at].Str(), probe, test_args);
        } else {
          r = probe.Truthy();
        }
        if (r == keep_if) out.push_back(x);
      }
      return Value::List(std::move(out));
    }
    if (f == "unique") {
      Array out;
      for (const Value& x : *ToList(v).array)
        if (std::none_of(out.begin(), out.end(), [&](const Value& y) { return jinja::Equal(x, y); })) out.push_back(x);
      return Value::List(std::move(out));
    }
    if (f == "indent") {
      const int64_t width = Kwarg(kw, "width", args, 0, Value::Int(4)).i;
      const bool first = Kwarg(kw, "first", args, 1, Value::Bool(false)).Truthy();
      const bool blank = Kwarg(kw, "blank", args, 2, Value::Bool(false)).Truthy();
      const std::string pad(static_cast<size_t>(std::max<int64_t>(width, 0)), ' ');
      std::vector<std::string> lines = Split(v.Str() + "", Value::Str("\n"), -1);
      std::string out;
      for (size_t k = 0; k < lines.size(); ++k) {
        const bool indent = (k > 0 || first) && (blank || !lines[k].empty());
        out += (k ? "\n" : "") + (indent ? pad : "") + lines[k];
      }
      return Value::Str(out);
    }
    Fail("chat template: unsupported filter '", f, "'");
  }

  Value ApplyNamedFilter(const std::string& name, const Value& x, const std::vector<Value>& args, const Kwargs& kw) {
    Expr call;
    call.kind = Expr::Kind::kFilter;
    call.name = name;
    auto lit = std::make_unique<Expr>();
    lit->kind = Expr::Kind::kLiteral;
    lit->value = x;
    call.args.push_back(std::move(lit));
    for (size_t k = 1; k < args.size(); ++k) {
      auto a = std::make_unique<Expr>();
      a->kind = Expr::Kind::kLiteral;
      a->value = args[k];
      call.args.push_back(std::move(a));
    }
    HM_CHECK(kw.empty(), "chat template: map with a filter and keyword arguments is unsupported");
    return EvalFilter(call);
  }

  Value GetAttrOrUndefined(const Value& obj, const std::string& name) {
    return obj.IsObject() ? obj.Get(name) : GetAttr(obj, name);
  }

  static Value ToList(const Value& v) {
    if (v.IsArray()) return Value::List(*v.array);
    Array out;
    if (v.IsString()) {
      for (char32_t c : jinja::ToU32(v.s)) out.push_back(Value::Str(jinja::FromU32(std::u32string(1, c))));
    } else if (v.IsObject()) {
      for (const auto& [k, x] : *v.object) out.push_back(Value::Str(k));
    } else {
      HM_CHECK(v.IsUndefined(), "chat template: cannot make a list of a ", v.TypeName());
    }
    return Value::List(std::move(out));
  }

  bool EvalTest(const Expr& e) {
    const Value v = Eval(*e.args[0]);
    auto [args, kw] = EvalArgs(e, 1);
    return ApplyTest(e.name, v, args);
  }

  bool ApplyTest(const std::string& t, const Value& v, const std::vector<Value>& args) {
    if (t == "defined") return !v.IsUndefined();
    if (t == "undefined") return v.IsUndefined();
    if (t == "none") return v.IsNone();
    if (t == "string") return v.IsString();
    if (t == "number") return v.kind == K::kInt || v.kind == K::kFloat;
    if (t == "integer") return v.kind == K::kInt;
    if (t == "float") return v.kind == K::kFloat;
    if (t == "boolean") return v.kind == K::kBool;
    if (t == "true") return v.kind == K::kBool && v.b;
    if (t == "false") return v.kind == K::kBool && !v.b;
    if (t == "mapping") return v.IsObject();
    if (t == "sequence") return v.IsArray() || v.IsString() || v.IsObject();
    if (t == "iterable") return v.IsArray() || v.IsString() || v.IsObject();
    if (t == "callable") return v.kind == K::kFunction;
    if (t == "lower") return v.IsString() && CaseMap(v.s, 0) == v.s;
    if (t == "upper") return v.IsString() && CaseMap(v.s, 1) == v.s;
    if (t == "odd" || t == "even" || t == "divisibleby") {
      HM_CHECK(v.kind == K::kInt, "chat template: test '", t, "' needs an integer");
      if (t == "divisibleby") {
        HM_CHECK(!args.empty() && args[0].kind == K::kInt && args[0].i != 0, "chat template: divisibleby needs a non-zero integer");
        return v.i % args[0].i == 0;
      }
      return (v.i % 2 != 0) == (t == "odd");
    }
    if (t == "eq" || t == "equalto" || t == "==" || t == "ne" || t == "!=") {
      HM_CHECK(!args.empty(), "chat template: test '", t, "' needs an argument");
      return jinja::Equal(v, args[0]) == (t == "eq" || t == "equalto" || t == "==");
    }
    if (t == "in") {
      HM_CHECK(!args.empty(), "chat template: test 'in' needs an argument");
      return Contains(args[0], v);
    }
    if (t == "sameas") {
      HM_CHECK(!args.empty(), "chat template: test 'sameas' needs an argument");
      return jinja::Equal(v, args[0]) && (v.kind == K::kNone || v.kind == K::kBool);
    }
    Fail("chat template: unsupported test '", t, "'");
  }

  static bool Contains(const Value& container, const Value& item) {
    if (container.IsString()) {
      HM_CHECK(item.IsString(), "chat template: 'in <string>' needs a string on the left");
      return container.s.find(item.s) != std::string::npos;
    }
    if (container.IsArray())
      return std::any_of(container.array->begin(), container.array->end(),
                         [&](const Value& x) { return jinja::Equal(x, item); });
    if (container.IsObject()) return item.IsString() && !container.Get(item.s).IsUndefined();
    if (container.IsUndefined()) Fail("chat template: 'in' on an undefined value");
    Fail("chat template: 'in' on a ", container.TypeName());
  }

  static int Compare(const Value& a, const Value& b, const std::string& op) {
    if (a.IsNumber() && b.IsNumber()) {
      const double x = a.AsDouble(), y = b.AsDouble();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    if (a.IsString() && b.IsString()) {
      const int c = jinja::ToU32(a.s).compare(jinja::ToU32(b.s));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    Fail("chat template: cannot compare ", a.TypeName(), " ", op, " ", b.TypeName());
  }

  Value EvalBinary(const Expr& e) {
    const std::string& op = e.name;
    if (op == "and") {
      Value l = Eval(*e.args[0]);
      return l.Truthy() ? Eval(*e.args[1]) : l;
    }
    if (op == "or") {
      Value l = Eval(*e.args[0]);
      return l.Truthy() ? l : Eval(*e.args[1]);
    }
    const Value a = Eval(*e.args[0]), b = Eval(*e.args[1]);
    if (op == "==") return Value::Bool(jinja::Equal(a, b));
    if (op == "!=") return Value::Bool(!jinja::Equal(a, b));
    if (op == "<") return Value::Bool(Compare(a, b, op) < 0);
    if (op == ">") return Value::Bool(Compare(a, b, op) > 0);
    if (op == "<=") return Value::Bool(Compare(a, b, op) <= 0);
    if (op == ">=") return Value::Bool(Compare(a, b, op) >= 0);
    if (op == "in") return Value::Bool(Contains(b, a));
    if (op == "not in") return Value::Bool(!Contains(b, a));
    if (op == "~") return Value::Str(a.Str() + b.Str());
    if (op == "+") {
      if (a.IsString() && b.IsString()) return Value::Str(a.s + b.s);
      if (a.IsArray() && b.IsArray()) {
        Array r = *a.array;
        r.insert(r.end(), b.array->begin(), b.array->end());
        return Value::List(std::move(r));
      }
    }
    if (op == "*" && ((a.IsString() && b.kind == K::kInt) || (a.kind == K::kInt && b.IsString()))) {
      const std::string& s = a.IsString() ? a.s : b.s;
      std::string r;
      for (int64_t k = 0; k < (a.IsString() ? b.i : a.i); ++k) r += s;
      return Value::Str(r);
    }
    HM_CHECK(a.IsNumber() && b.IsNumber(), "chat template: unsupported operand types for ", op, ": ",
             a.TypeName(), " and ", b.TypeName());
    const bool ints = a.kind != K::kFloat && b.kind != K::kFloat;
    const int64_t x = a.kind == K::kBool ? a.b : a.i, y = b.kind == K::kBool ? b.b : b.i;
    const double fx = a.AsDouble(), fy = b.AsDouble();
    if (op == "+") return ints ? Value::Int(x + y) : Value::Float(fx + fy);
    if (op == "-") return ints ? Value::Int(x - y) : Value::Float(fx - fy);
    if (op == "*") return ints ? Value::Int(x * y) : Value::Float(fx * fy);
    HM_CHECK(op == "**" || fy != 0, "chat template: division by zero");
    if (op == "/") return Value::Float(fx / fy);
    if (op == "//") return ints ? Value::Int(FloorDiv(x, y)) : Value::Float(std::floor(fx / fy));
    if (op == "%") {
      if (ints) return Value::Int(x - FloorDiv(x, y) * y);
      return Value::Float(fx - std::floor(fx / fy) * fy);
    }
    if (op == "**") {
      if (ints && y >= 0) {
        int64_t r = 1;
        for (int64_t k = 0; k < y; ++k) r *= x;
        return Value::Int(r);
      }
      return Value::Float(std::pow(fx, fy));
    }
    Fail("chat template: unsupported operator ", op);
  }

  std::vector<std::unordered_map<std::string, Value>> scopes_;
  std::string out_;
};

}  // namespace

std::string RenderChatTemplate(const std::string& tmpl, const nlohmann::ordered_json& context) {
  try {
    const Body body = jinja::ParseTemplate(tmpl);
    return Renderer(context).Run(body);
  } catch (const TemplateRaised&) {
    throw;
  } catch (const Error& e) {
    throw Error(e.what(), ErrorKind::kInternal);
  }
}

}  // namespace hm
