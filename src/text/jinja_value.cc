#include "text/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "core/error.h"
#include "text/utf8.h"

namespace hm::jinja {

Value Value::List(Array a) {
  Value v;
  v.kind = Kind::kArray;
  v.array = std::make_shared<Array>(std::move(a));
  return v;
}

Value Value::Dict(Object o) {
  Value v;
  v.kind = Kind::kObject;
  v.object = std::make_shared<Object>(std::move(o));
  return v;
}

Value Value::Func(std::string name, Function f) {
  Value v;
  v.kind = Kind::kFunction;
  v.s = std::move(name);
  v.fn = std::make_shared<Function>(std::move(f));
  return v;
}

bool Value::Truthy() const {
  switch (kind) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return b;
    case Kind::kInt: return i != 0;
    case Kind::kFloat: return f != 0;
    case Kind::kString: return !s.empty();
    case Kind::kArray: return !array->empty();
    case Kind::kObject: return is_namespace || !object->empty();
    case Kind::kFunction: return true;
  }
  return false;
}

Value Value::Get(const std::string& key) const {
  if (kind == Kind::kObject)
    for (const auto& [k, v] : *object)
      if (k == key) return v;
  return Undefined(key);
}

void Value::Set(const std::string& key, Value v) {
  for (auto& [k, old] : *object)
    if (k == key) {
      old = std::move(v);
      return;
    }
  object->emplace_back(key, std::move(v));
}

std::string FormatFloat(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  const double ax = std::fabs(x);
  // Python switches to exponent form outside [1e-4, 1e16).
  const bool sci = ax != 0 && (ax < 1e-4 || ax >= 1e16);
  auto r = std::to_chars(buf, buf + sizeof buf, x, sci ? std::chars_format::scientific
                                                       : std::chars_format::fixed);
  std::string out(buf, r.ptr);
  if (sci) {
    // to_chars writes e+16 / e-05 like Python; only the mantissa needs no ".0".
    return out;
  }
  if (out.find('.') == std::string::npos) out += ".0";
  return out;
}

std::string Value::TypeName() const {
  switch (kind) {
    case Kind::kUndefined: return "undefined";
    case Kind::kNone: return "none";
    case Kind::kBool: return "boolean";
    case Kind::kInt: return "integer";
    case Kind::kFloat: return "float";
    case Kind::kString: return "string";
    case Kind::kArray: return "list";
    case Kind::kObject: return is_namespace ? "namespace" : "dict";
    case Kind::kFunction: return "function";
  }
  return "?";
}

namespace {

std::string PyQuote(const std::string& s) {
  // Python picks single quotes unless the string has ' and no ".
  const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  std::string out(1, q);
  for (unsigned char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == q) out += std::string("\\") + static_cast<char>(q);
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else out += static_cast<char>(c);
  }
  return out + static_cast<char>(q);
}

}  // namespace

std::string Value::Str() const {
  switch (kind) {
    case Kind::kUndefined: return "";
    case Kind::kString: return s;
    default: return Repr();
  }
}

std::string Value::Repr() const {
  switch (kind) {
    case Kind::kUndefined: return "";
    case Kind::kNone: return "None";
    case Kind::kBool: return b ? "True" : "False";
    case Kind::kInt: return std::to_string(i);
    case Kind::kFloat: return FormatFloat(f);
    case Kind::kString: return PyQuote(s);
    case Kind::kArray: {
      std::string out = "[";
      for (size_t k = 0; k < array->size(); ++k) out += (k ? ", " : "") + (*array)[k].Repr();
      return out + "]";
    }
    case Kind::kObject: {
      if (is_namespace) return "<Namespace>";
      std::string out = "{";
      for (size_t k = 0; k < object->size(); ++k)
        out += (k ? ", " : "") + PyQuote((*object)[k].first) + ": " + (*object)[k].second.Repr();
      return out + "}";
    }
    case Kind::kFunction: return "<function " + s + ">";
  }
  return "";
}

bool Equal(const Value& a, const Value& b) {
  if (a.IsNumber() && b.IsNumber()) {
    if (a.kind == Value::Kind::kFloat || b.kind == Value::Kind::kFloat) return a.AsDouble() == b.AsDouble();
    return (a.kind == Value::Kind::kBool ? a.b : a.i) == (b.kind == Value::Kind::kBool ? b.b : b.i);
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return true;
    case Value::Kind::kString: return a.s == b.s;
    case Value::Kind::kArray:
      return a.array->size() == b.array->size() &&
             std::equal(a.array->begin(), a.array->end(), b.array->begin(), Equal);
    case Value::Kind::kObject: {
      if (a.object->size() != b.object->size()) return false;
      for (const auto& [k, v] : *a.object)
        if (!Equal(v, b.Get(k))) return false;
      return true;
    }
    default: return a.fn == b.fn;
  }
}

Value FromJson(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::None();
    case nlohmann::ordered_json::value_t::boolean: return Value::Bool(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value::Int(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: return Value::Int(static_cast<int64_t>(j.get<uint64_t>()));
    case nlohmann::ordered_json::value_t::number_float: return Value::Float(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value::Str(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      Array a;
      for (const auto& e : j) a.push_back(FromJson(e));
      return Value::List(std::move(a));
    }
    case nlohmann::ordered_json::value_t::object: {
      Object o;
      for (const auto& [k, e] : j.items()) o.emplace_back(k, FromJson(e));
      return Value::Dict(std::move(o));
    }
    default: Fail("chat template context: unsupported JSON value ", j.dump());
  }
}

namespace {

void JsonString(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void JsonDump(std::string& out, const Value& v, int indent, bool sort_keys, int depth) {
  const std::string item_sep = indent >= 0 ? "," : ", ";
  auto newline = [&](int d) {
    if (indent >= 0) out += "\n" + std::string(static_cast<size_t>(indent) * d, ' ');
  };
  switch (v.kind) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: out += "null"; return;
    case Value::Kind::kBool: out += v.b ? "true" : "false"; return;
    case Value::Kind::kInt: out += std::to_string(v.i); return;
    case Value::Kind::kFloat:
      HM_CHECK(std::isfinite(v.f), "chat template: tojson of a non-finite float");
      out += FormatFloat(v.f);
      return;
    case Value::Kind::kString: JsonString(out, v.s); return;
    case Value::Kind::kArray:
      if (v.array->empty()) {
        out += "[]";
        return;
      }
      out += '[';
      for (size_t k = 0; k < v.array->size(); ++k) {
        if (k) out += item_sep;
        newline(depth + 1);
        JsonDump(out, (*v.array)[k], indent, sort_keys, depth + 1);
      }
      newline(depth);
      out += ']';
      return;
    case Value::Kind::kObject: {
      if (v.object->empty()) {
        out += "{}";
        return;
      }
      Object items = *v.object;
      if (sort_keys)
        std::stable_sort(items.begin(), items.end(),
                         [](const auto& a, const auto& b) { return ToU32(a.first) < ToU32(b.first); });
      out += '{';
      for (size_t k = 0; k < items.size(); ++k) {
        if (k) out += item_sep;
        newline(depth + 1);
        JsonString(out, items[k].first);
        out += ": ";
        JsonDump(out, items[k].second, indent, sort_keys, depth + 1);
      }
      newline(depth);
      out += '}';
      return;
    }
    case Value::Kind::kFunction: Fail("chat template: tojson of a function");
  }
}

}  // namespace

std::string ToJson(const Value& v, int indent, bool sort_keys) {
  std::string out;
  JsonDump(out, v, indent, sort_keys, 0);
  return out;
}

std::u32string ToU32(const std::string& s) {
  std::u32string out;
  const std::string valid = IsValidUtf8(s) ? s : RepairUtf8(s);
  for (size_t i = 0; i < valid.size();) {
    int len;
    out += DecodeUtf8(valid, i, &len);
    i += len;
  }
  return out;
}

std::string FromU32(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) AppendUtf8(out, c);
  return out;
}

}  // namespace hm::jinja
