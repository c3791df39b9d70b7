// Syntax tree of a parsed chat template.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "text/jinja_value.h"

namespace hm::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    kLiteral,  // value
    kName,     // name
    kList,     // args
    kTuple,    // args
    kDict,     // kwargs-like pairs in dict_items
    kAttr,     // args[0].name
    kIndex,    // args[0][args[1]]
    kSlice,    // args[0][args[1]:args[2]:args[3]] (null args are omitted parts)
    kCall,     // args[0](args[1:], kwargs)
    kFilter,   // args[0] | name(args[1:], kwargs)
    kTest,     // args[0] is [not] name(args[1:])
    kUnary,    // name args[0]: "not", "-", "+"
    kBinary,   // args[0] name args[1]
    kTernary,  // args[0] if args[1] else args[2] (args[2] may be null)
  };
  Kind kind;
  Value value;
  std::string name;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  std::vector<std::pair<ExprPtr, ExprPtr>> dict_items;
  bool negate = false;
};

struct Node;
using Body = std::vector<Node>;

struct Node {
  enum class Kind { kText, kOutput, kIf, kFor, kSet, kMacro, kBreak, kContinue };
  Kind kind;
  std::string text;                              // kText
  ExprPtr expr;                                  // kOutput; kFor iterable; kSet value
  std::vector<std::pair<ExprPtr, Body>> branches;  // kIf: condition, body (else: null condition)
  std::vector<std::string> targets;              // kFor loop variables; kSet name or ns, attr
  ExprPtr filter;                                // kFor "if" clause
  Body body, else_body;                          // kFor, kMacro, kSet block form
  std::string name;                              // kMacro
  std::vector<std::pair<std::string, ExprPtr>> params;  // kMacro, defaults may be null
};

}  // namespace hm::jinja
