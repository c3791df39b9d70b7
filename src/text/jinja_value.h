// Values of the Jinja subset HF chat templates use, with Python's semantics: the engine
// must print what transformers (Python Jinja2) prints, e.g. True, None, 2.0, ['a', 1].
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace hm::jinja {

struct Value;
using Array = std::vector<Value>;
// Insertion-ordered like a Python dict; chat-template dicts are small, so lookup is linear.
using Object = std::vector<std::pair<std::string, Value>>;
using Kwargs = std::vector<std::pair<std::string, Value>>;
using Function = std::function<Value(std::vector<Value>& args, Kwargs& kwargs)>;

struct Value {
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kArray, kObject, kFunction };
  Kind kind = Kind::kUndefined;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;                  // kString; the name for kUndefined and kFunction
  std::shared_ptr<Array> array;   // shared: Python containers are references
  std::shared_ptr<Object> object;
  std::shared_ptr<Function> fn;
  bool is_namespace = false;      // a namespace() object: the one thing `set a.b` may modify

  static Value Undefined(std::string name = "") { Value v; v.s = std::move(name); return v; }
  static Value None() { Value v; v.kind = Kind::kNone; return v; }
  static Value Bool(bool x) { Value v; v.kind = Kind::kBool; v.b = x; return v; }
  static Value Int(int64_t x) { Value v; v.kind = Kind::kInt; v.i = x; return v; }
  static Value Float(double x) { Value v; v.kind = Kind::kFloat; v.f = x; return v; }
  static Value Str(std::string x) { Value v; v.kind = Kind::kString; v.s = std::move(x); return v; }
  static Value List(Array a = {});
  static Value Dict(Object o = {});
  static Value Func(std::string name, Function f);

  bool IsUndefined() const { return kind == Kind::kUndefined; }
  bool IsNone() const { return kind == Kind::kNone; }
  bool IsString() const { return kind == Kind::kString; }
  bool IsNumber() const { return kind == Kind::kInt || kind == Kind::kFloat || kind == Kind::kBool; }
  bool IsArray() const { return kind == Kind::kArray; }
  bool IsObject() const { return kind == Kind::kObject; }
  double AsDouble() const { return kind == Kind::kFloat ? f : kind == Kind::kBool ? b : static_cast<double>(i); }

  bool Truthy() const;
  // Member of a dict (Undefined when absent).
  Value Get(const std::string& key) const;
  void Set(const std::string& key, Value v);
  // Python's str() (strings as is, containers in repr form).
  std::string Str() const;
  std::string Repr() const;
  std::string TypeName() const;
};

bool Equal(const Value& a, const Value& b);

Value FromJson(const nlohmann::ordered_json& j);

// json.dumps(v, ensure_ascii=False, indent=indent, sort_keys=sort_keys), as transformers'
// tojson filter calls it (indent < 0 means None).
std::string ToJson(const Value& v, int indent, bool sort_keys);

// Python's repr() of a float: shortest round-trip digits, always with a '.' or exponent.
std::string FormatFloat(double x);

// Code-point view of UTF-8, for Python string length, indexing and slicing.
std::u32string ToU32(const std::string& s);
std::string FromU32(const std::u32string& s);

}  // namespace hm::jinja
