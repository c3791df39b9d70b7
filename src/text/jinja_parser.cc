#include "text/jinja_parser.h"

#include <cstring>
#include <initializer_list>

#include "core/error.h"
#include "text/utf8.h"

namespace hm::jinja {
namespace {

struct Token {
  enum class Kind { kText, kBlockOpen, kBlockClose, kVarOpen, kVarClose, kName, kString, kInt, kFloat, kOp, kEnd };
  Kind kind;
  std::string text;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// transformers' Jinja environment: drop one trailing newline, lstrip_blocks, trim_blocks.
std::string Preprocess(std::string s) {
  if (!s.empty() && s.back() == '\n') s.pop_back();
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const size_t line_start = i;
    size_t k = i;
    while (k < s.size() && (s[k] == ' ' || s[k] == '\t')) ++k;
    if (k + 1 < s.size() && s[k] == '{' && (s[k + 1] == '%' || s[k + 1] == '#') &&
        !(k + 2 < s.size() && s[k + 2] == '+'))
      i = k;  // lstrip_blocks: indentation before a block tag goes
    size_t eol = s.find('\n', i);
    if (eol == std::string::npos) eol = s.size();
    out.append(s, i, eol - i);
    if (eol < s.size()) {
      // trim_blocks: the newline right after a block tag goes.
      const bool after_tag = eol >= 2 && (s[eol - 1] == '}') && (s[eol - 2] == '%' || s[eol - 2] == '#') &&
                             eol - 2 >= line_start;
      if (!after_tag) out += '\n';
    }
    i = eol + 1;
  }
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string src) : s_(Preprocess(std::move(src))) {}

  std::vector<Token> Run() {
    while (pos_ < s_.size()) {
      size_t open = FindTagOpen(pos_);
      if (open > pos_) tokens_.push_back({Token::Kind::kText, s_.substr(pos_, open - pos_)});
      pos_ = open;
      if (pos_ >= s_.size()) break;
      const char kind = s_[pos_ + 1];
      pos_ += 2;
      if (pos_ < s_.size() && s_[pos_] == '-') {
        ++pos_;
        StripPreviousText();
      } else if (pos_ < s_.size() && s_[pos_] == '+') {
        ++pos_;
      }
      if (kind == '#') {
        const size_t end = s_.find("#}", pos_);
        HM_CHECK(end != std::string::npos, "chat template: unterminated comment");
        const bool strip = end > pos_ && s_[end - 1] == '-';
        pos_ = end + 2;
        if (strip) SkipSpace();
        continue;
      }
      tokens_.push_back({kind == '%' ? Token::Kind::kBlockOpen : Token::Kind::kVarOpen, ""});
      LexTag(kind == '%' ? '%' : '}');
    }
    tokens_.push_back({Token::Kind::kEnd, ""});
    return std::move(tokens_);
  }

 private:
  size_t FindTagOpen(size_t from) const {
    for (size_t i = from; i + 1 < s_.size(); ++i)
      if (s_[i] == '{' && (s_[i + 1] == '%' || s_[i + 1] == '{' || s_[i + 1] == '#')) return i;
    return s_.size();
  }
  void StripPreviousText() {
    if (tokens_.empty() || tokens_.back().kind != Token::Kind::kText) return;
    std::string& t = tokens_.back().text;
    while (!t.empty() && IsSpace(t.back())) t.pop_back();
    if (t.empty()) tokens_.pop_back();
  }
  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }

  // Tokens up to the closing %} or }} (close is '%' or '}').
  void LexTag(char close) {
    int braces = 0;
    while (true) {
      SkipSpace();
      HM_CHECK(pos_ < s_.size(), "chat template: unterminated tag");
      const char c = s_[pos_];
      if (c == '-' && pos_ + 2 < s_.size() && s_[pos_ + 1] == close && s_[pos_ + 2] == '}' &&
          (close == '%' || braces == 0)) {
        pos_ += 3;
        Close(close);
        SkipSpace();
        return;
      }
      if (c == close && pos_ + 1 < s_.size() && s_[pos_ + 1] == '}' && (close == '%' || braces == 0)) {
        pos_ += 2;
        Close(close);
        return;
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t e = pos_;
        while (e < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[e])) || s_[e] == '_')) ++e;
        tokens_.push_back({Token::Kind::kName, s_.substr(pos_, e - pos_)});
        pos_ = e;
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t e = pos_;
        while (e < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[e])) || s_[e] == '_')) ++e;
        bool is_float = false;
        if (e + 1 < s_.size() && s_[e] == '.' && std::isdigit(static_cast<unsigned char>(s_[e + 1]))) {
          is_float = true;
          ++e;
          while (e < s_.size() && std::isdigit(static_cast<unsigned char>(s_[e]))) ++e;
        }
        std::string num = s_.substr(pos_, e - pos_);
        std::erase(num, '_');
        tokens_.push_back({is_float ? Token::Kind::kFloat : Token::Kind::kInt, num});
        pos_ = e;
      } else if (c == '\'' || c == '"') {
        LexString(c);
      } else {
        static const char* kOps[] = {"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~",
                                     "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"};
        const char* op = nullptr;
        for (const char* o : kOps)
          if (s_.compare(pos_, std::strlen(o), o) == 0) {
            op = o;
            break;
          }
        HM_CHECK(op, "chat template: unexpected character '", std::string(1, c), "' in a tag");
        if (op[0] == '{' ) ++braces;
        if (op[0] == '}') --braces;
        tokens_.push_back({Token::Kind::kOp, op});
        pos_ += std::strlen(op);
      }
    }
  }

  void Close(char close) {
    tokens_.push_back({close == '%' ? Token::Kind::kBlockClose : Token::Kind::kVarClose, ""});
  }

  void LexString(char quote) {
    std::string out;
    ++pos_;
    while (true) {
      HM_CHECK(pos_ < s_.size(), "chat template: unterminated string literal");
      const char c = s_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        continue;
      }
      HM_CHECK(pos_ < s_.size(), "chat template: unterminated string literal");
      const char e = s_[pos_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '0': out += '\0'; break;
        case '\\': case '\'': case '"': out += e; break;
        case '\n': break;  // backslash-newline continues the line
        case 'x': case 'u': case 'U': {
          const size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          HM_CHECK(pos_ + n <= s_.size(), "chat template: bad \\", std::string(1, e), " escape");
          const std::string hex = s_.substr(pos_, n);
          HM_CHECK(hex.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos,
                   "chat template: bad \\", std::string(1, e), " escape");
          AppendUtf8(out, static_cast<char32_t>(std::stoul(hex, nullptr, 16)));
          pos_ += n;
          break;
        }
        default:  // Python keeps unknown escapes verbatim
          out += '\\';
          out += e;
      }
    }
    tokens_.push_back({Token::Kind::kString, out});
  }

  std::string s_;
  size_t pos_ = 0;
  std::vector<Token> tokens_;
};

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

  Body ParseAll() {
    std::string end;
    Body body = ParseBody({}, &end);
    return body;
  }

 private:
  using K = Token::Kind;

  const Token& Peek(size_t ahead = 0) const { return t_[std::min(p_ + ahead, t_.size() - 1)]; }
  bool IsOp(const char* op, size_t ahead = 0) const {
    return Peek(ahead).kind == K::kOp && Peek(ahead).text == op;
  }
  bool IsName(const char* name, size_t ahead = 0) const {
    return Peek(ahead).kind == K::kName && Peek(ahead).text == name;
  }
  void ExpectOp(const char* op) {
    HM_CHECK(IsOp(op), "chat template: expected '", op, "' but found '", Peek().text, "'");
    ++p_;
  }
  std::string ExpectName() {
    HM_CHECK(Peek().kind == K::kName, "chat template: expected a name but found '", Peek().text, "'");
    return t_[p_++].text;
  }
  void ExpectBlockClose() {
    HM_CHECK(Peek().kind == K::kBlockClose, "chat template: expected %} but found '", Peek().text, "'");
    ++p_;
  }

  static ExprPtr Make(Expr::Kind kind) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    return e;
  }
  static ExprPtr Make(Expr::Kind kind, std::string name, ExprPtr a, ExprPtr b = nullptr) {
    auto e = Make(kind);
    e->name = std::move(name);
    e->args.push_back(std::move(a));
    if (b) e->args.push_back(std::move(b));
    return e;
  }

  // Parses nodes until a block tag named in `ends`; its name goes to *end ("" at EOF).
  Body ParseBody(std::initializer_list<const char*> ends, std::string* end) {
    Body body;
    while (true) {
      const Token& tok = Peek();
      if (tok.kind == K::kEnd) {
        HM_CHECK(ends.size() == 0, "chat template: missing {% ", *(ends.end() - 1), " %}");
        *end = "";
        return body;
      }
      if (tok.kind == K::kText) {
        Node n{Node::Kind::kText};
        n.text = tok.text;
        body.push_back(std::move(n));
        ++p_;
        continue;
      }
      if (tok.kind == K::kVarOpen) {
        ++p_;
        Node n{Node::Kind::kOutput};
        n.expr = ParseExpr();
        HM_CHECK(Peek().kind == K::kVarClose, "chat template: expected }} but found '", Peek().text, "'");
        ++p_;
        body.push_back(std::move(n));
        continue;
      }
      HM_CHECK(tok.kind == K::kBlockOpen, "chat template: unexpected '", tok.text, "'");
      const std::string name = Peek(1).text;
      for (const char* e : ends)
        if (name == e) {
          p_ += 2;
          *end = name;
          return body;
        }
      p_ += 2;
      if (name == "generation" || name == "endgeneration") {
        ExpectBlockClose();  // transformers' assistant-mask markers render nothing
        continue;
      }
      body.push_back(ParseStatement(name));
    }
  }

  Node ParseStatement(const std::string& name) {
    if (name == "if") return ParseIf();
    if (name == "for") return ParseFor();
    if (name == "set") return ParseSet();
    if (name == "macro") return ParseMacro();
    if (name == "break" || name == "continue") {
      ExpectBlockClose();
      return Node{name == "break" ? Node::Kind::kBreak : Node::Kind::kContinue};
    }
    Fail("chat template: unsupported statement {% ", name, " %}");
  }

  Node ParseIf() {
    Node n{Node::Kind::kIf};
    ExprPtr cond = ParseExpr();
    while (true) {
      ExpectBlockClose();
      std::string end;
      Body body = ParseBody({"elif", "else", "endif"}, &end);
      n.branches.emplace_back(std::move(cond), std::move(body));
      if (end == "endif") break;
      cond = end == "elif" ? ParseExpr() : nullptr;
      if (end == "else") {
        ExpectBlockClose();
        n.branches.emplace_back(nullptr, ParseBody({"endif"}, &end));
        break;
      }
    }
    ExpectBlockClose();
    return n;
  }

  Node ParseFor() {
    Node n{Node::Kind::kFor};
    n.targets.push_back(ExpectName());
    while (IsOp(",")) {
      ++p_;
      n.targets.push_back(ExpectName());
    }
    HM_CHECK(IsName("in"), "chat template: expected 'in' in a for loop");
    ++p_;
    n.expr = ParseTernary(/*allow_if=*/false);
    if (IsName("if")) {
      ++p_;
      n.filter = ParseOr();
    }
    HM_CHECK(!IsName("recursive"), "chat template: unsupported recursive for loop");
    ExpectBlockClose();
    std::string end;
    n.body = ParseBody({"else", "endfor"}, &end);
    if (end == "else") {
      ExpectBlockClose();
      n.else_body = ParseBody({"endfor"}, &end);
    }
    ExpectBlockClose();
    return n;
  }

  Node ParseSet() {
    Node n{Node::Kind::kSet};
    n.targets.push_back(ExpectName());
    if (IsOp(".")) {
      ++p_;
      n.targets.push_back(ExpectName());
    } else {
      HM_CHECK(!IsOp(","), "chat template: unsupported tuple assignment in {% set %}");
    }
    if (IsOp("=")) {
      ++p_;
      n.expr = ParseTupleOrExpr();
      ExpectBlockClose();
    } else {
      ExpectBlockClose();
      std::string end;
      n.body = ParseBody({"endset"}, &end);
      ExpectBlockClose();
    }
    return n;
  }

  Node ParseMacro() {
    Node n{Node::Kind::kMacro};
    n.name = ExpectName();
    ExpectOp("(");
    while (!IsOp(")")) {
      std::string param = ExpectName();
      ExprPtr def;
      if (IsOp("=")) {
        ++p_;
        def = ParseExpr();
      }
      n.params.emplace_back(std::move(param), std::move(def));
      if (!IsOp(")")) ExpectOp(",");
    }
    ++p_;
    ExpectBlockClose();
    std::string end;
    n.body = ParseBody({"endmacro"}, &end);
    ExpectBlockClose();
    return n;
  }

  ExprPtr ParseTupleOrExpr() {
    ExprPtr first = ParseExpr();
    if (!IsOp(",")) return first;
    auto t = Make(Expr::Kind::kTuple);
    t->args.push_back(std::move(first));
    while (IsOp(",")) {
      ++p_;
      t->args.push_back(ParseExpr());
    }
    return t;
  }

  ExprPtr ParseExpr() { return ParseTernary(true); }

  ExprPtr ParseTernary(bool allow_if) {
    ExprPtr value = ParseOr();
    while (allow_if && IsName("if")) {
      ++p_;
      auto t = Make(Expr::Kind::kTernary);
      t->args.push_back(std::move(value));
      t->args.push_back(ParseOr());
      if (IsName("else")) {
        ++p_;
        t->args.push_back(ParseTernary(true));
      } else {
        t->args.push_back(nullptr);
      }
      value = std::move(t);
    }
    return value;
  }

  ExprPtr ParseOr() {
    ExprPtr left = ParseAnd();
    while (IsName("or")) {
      ++p_;
      left = Make(Expr::Kind::kBinary, "or", std::move(left), ParseAnd());
    }
    return left;
  }

  ExprPtr ParseAnd() {
    ExprPtr left = ParseNot();
    while (IsName("and")) {
      ++p_;
      left = Make(Expr::Kind::kBinary, "and", std::move(left), ParseNot());
    }
    return left;
  }

  ExprPtr ParseNot() {
    if (IsName("not")) {
      ++p_;
      return Make(Expr::Kind::kUnary, "not", ParseNot());
    }
    return ParseCompare();
  }

  ExprPtr ParseCompare() {
    ExprPtr left = ParseMath1();
    while (true) {
      std::string op;
      if (Peek().kind == K::kOp && (Peek().text == "==" || Peek().text == "!=" || Peek().text == "<" ||
                                    Peek().text == ">" || Peek().text == "<=" || Peek().text == ">=")) {
        op = t_[p_++].text;
      } else if (IsName("in")) {
        op = "in";
        ++p_;
      } else if (IsName("not") && IsName("in", 1)) {
        op = "not in";
        p_ += 2;
      } else {
        return left;
      }
      left = Make(Expr::Kind::kBinary, op, std::move(left), ParseMath1());
    }
  }

  ExprPtr ParseMath1() {
    ExprPtr left = ParseConcat();
    while (IsOp("+") || IsOp("-")) {
      const std::string op = t_[p_++].text;
      left = Make(Expr::Kind::kBinary, op, std::move(left), ParseConcat());
    }
    return left;
  }

  ExprPtr ParseConcat() {
    ExprPtr left = ParseMath2();
    while (IsOp("~")) {
      ++p_;
      left = Make(Expr::Kind::kBinary, "~", std::move(left), ParseMath2());
    }
    return left;
  }

  ExprPtr ParseMath2() {
    ExprPtr left = ParsePow();
    while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
      const std::string op = t_[p_++].text;
      left = Make(Expr::Kind::kBinary, op, std::move(left), ParsePow());
    }
    return left;
  }

  ExprPtr ParsePow() {
    ExprPtr left = ParseUnary(true);
    while (IsOp("**")) {
      ++p_;
      left = Make(Expr::Kind::kBinary, "**", std::move(left), ParseUnary(true));
    }
    return left;
  }

  // As in Jinja2, -x|f is (-x)|f: a sign applies to the bare operand, filters after it.
  ExprPtr ParseUnary(bool with_filters) {
    ExprPtr e;
    if (IsOp("-") || IsOp("+")) {
      const std::string op = t_[p_++].text;
      e = Make(Expr::Kind::kUnary, op, ParseUnary(false));
    } else {
      e = ParsePostfix(ParsePrimary());
    }
    return with_filters ? ParseFilters(std::move(e)) : std::move(e);
  }

  void ParseCallArgs(Expr& e) {
    ExpectOp("(");
    while (!IsOp(")")) {
      if (Peek().kind == K::kName && IsOp("=", 1)) {
        std::string key = t_[p_].text;
        p_ += 2;
        e.kwargs.emplace_back(std::move(key), ParseExpr());
      } else {
        e.args.push_back(ParseExpr());
      }
      if (!IsOp(")")) ExpectOp(",");
    }
    ++p_;
  }

  ExprPtr ParsePostfix(ExprPtr e) {
    while (true) {
      if (IsOp(".")) {
        ++p_;
        HM_CHECK(Peek().kind == K::kName || Peek().kind == K::kInt,
                 "chat template: expected an attribute name after '.'");
        const Token& tok = t_[p_++];
        if (tok.kind == K::kInt) {
          auto lit = Make(Expr::Kind::kLiteral);
          lit->value = Value::Int(std::stoll(tok.text));
          e = Make(Expr::Kind::kIndex, "", std::move(e), std::move(lit));
        } else {
          e = Make(Expr::Kind::kAttr, tok.text, std::move(e));
        }
      } else if (IsOp("[")) {
        ++p_;
        ExprPtr parts[3];
        int n = 0;
        bool slice = false;
        while (true) {
          if (!IsOp(":") && !IsOp("]")) parts[n] = ParseExpr();
          if (IsOp(":")) {
            HM_CHECK(n < 2, "chat template: too many ':' in a slice");
            slice = true;
            ++p_;
            ++n;
            continue;
          }
          break;
        }
        ExpectOp("]");
        if (slice) {
          auto s = Make(Expr::Kind::kSlice);
          s->args.push_back(std::move(e));
          for (auto& part : parts) s->args.push_back(std::move(part));
          e = std::move(s);
        } else {
          HM_CHECK(parts[0] != nullptr, "chat template: empty subscript");
          e = Make(Expr::Kind::kIndex, "", std::move(e), std::move(parts[0]));
        }
      } else if (IsOp("(")) {
        auto c = Make(Expr::Kind::kCall);
        c->args.push_back(std::move(e));
        ParseCallArgs(*c);
        e = std::move(c);
      } else {
        return e;
      }
    }
  }

  ExprPtr ParseFilters(ExprPtr e) {
    while (true) {
      if (IsOp("|")) {
        ++p_;
        auto f = Make(Expr::Kind::kFilter);
        f->name = ExpectName();
        f->args.push_back(std::move(e));
        if (IsOp("(")) ParseCallArgs(*f);
        e = std::move(f);
      } else if (IsName("is")) {
        ++p_;
        auto t = Make(Expr::Kind::kTest);
        if (IsName("not")) {
          ++p_;
          t->negate = true;
        }
        t->name = ExpectName();
        t->args.push_back(std::move(e));
        if (IsOp("(")) {
          ParseCallArgs(*t);
        } else if (Peek().kind == K::kString || Peek().kind == K::kInt || Peek().kind == K::kFloat) {
          t->args.push_back(ParsePrimary());  // `is divisibleby 3`
        }
        e = std::move(t);
      } else {
        return e;
      }
    }
  }

  ExprPtr ParsePrimary() {
    const Token tok = Peek();
    ++p_;
    auto lit = [](Value v) {
      auto e = Make(Expr::Kind::kLiteral);
      e->value = std::move(v);
      return e;
    };
    switch (tok.kind) {
      case K::kString: {
        std::string s = tok.text;
        while (Peek().kind == K::kString) s += t_[p_++].text;  // adjacent literals concatenate
        return lit(Value::Str(std::move(s)));
      }
      case K::kInt: return lit(Value::Int(std::stoll(tok.text)));
      case K::kFloat: return lit(Value::Float(std::stod(tok.text)));
      case K::kName:
        if (tok.text == "true" || tok.text == "True") return lit(Value::Bool(true));
        if (tok.text == "false" || tok.text == "False") return lit(Value::Bool(false));
        if (tok.text == "none" || tok.text == "None") return lit(Value::None());
        {
          auto e = Make(Expr::Kind::kName);
          e->name = tok.text;
          return e;
        }
      case K::kOp:
        if (tok.text == "(") {
          if (IsOp(")")) {
            ++p_;
            return Make(Expr::Kind::kTuple);
          }
          ExprPtr inner = ParseExpr();
          if (IsOp(",")) {
            auto t = Make(Expr::Kind::kTuple);
            t->args.push_back(std::move(inner));
            while (IsOp(",")) {
              ++p_;
              if (IsOp(")")) break;
              t->args.push_back(ParseExpr());
            }
            inner = std::move(t);
          }
          ExpectOp(")");
          return inner;
        }
        if (tok.text == "[") {
          auto l = Make(Expr::Kind::kList);
          while (!IsOp("]")) {
            l->args.push_back(ParseExpr());
            if (!IsOp("]")) ExpectOp(",");
          }
          ++p_;
          return l;
        }
        if (tok.text == "{") {
          auto d = Make(Expr::Kind::kDict);
          while (!IsOp("}")) {
            ExprPtr key = ParseExpr();
            ExpectOp(":");
            d->dict_items.emplace_back(std::move(key), ParseExpr());
            if (!IsOp("}")) ExpectOp(",");
          }
          ++p_;
          return d;
        }
        break;
      default: break;
    }
    Fail("chat template: unexpected '", tok.text, "' in an expression");
  }

  std::vector<Token> t_;
  size_t p_ = 0;
};

}  // namespace

Body ParseTemplate(const std::string& source) {
  return Parser(Lexer(source).Run()).ParseAll();
}

}  // namespace hm::jinja
