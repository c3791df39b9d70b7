#include "text/jinja_render.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace hm {
namespace {

using json = nlohmann::ordered_json;

std::string R(const std::string& t, const json& ctx = json::object()) { return RenderChatTemplate(t, ctx); }

TEST(JinjaRender, PythonValueFormatting) {
  EXPECT_EQ(R("{{ true }} {{ none }} {{ 2.0 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 / 2 }} {{ -7 % 3 }}"),
            "True None 2.0 3 -4 3.5 2");
  EXPECT_EQ(R("{{ x }}", {{"x", json::array({"a", 1, 2.5, nullptr, true})}}), "['a', 1, 2.5, None, True]");
  EXPECT_EQ(R("{{ x }}", {{"x", {{"k", "it's"}}}}), "{'k': \"it's\"}");
  EXPECT_EQ(R("{{ x }} {{ y }}", {{"x", 1e20}, {"y", 1e-5}}), "1e+20 1e-05");
}

TEST(JinjaRender, PythonExactRound) {
  EXPECT_EQ(R("{{ 2.675 | round(2) }} {{ 0.25 | round(1) }} {{ 0.35 | round(1) }} {{ 3 | round(1) }}"),
            "2.67 0.2 0.3 3");
  EXPECT_EQ(R("{{ 2.5 | round }} {{ 2.45 | round(1, 'ceil') }} {{ 2.45 | round(1, 'floor') }}"), "2.0 2.5 2.4");
}

TEST(JinjaRender, WhitespaceControlLikeTransformers) {
  // trim_blocks, lstrip_blocks and the trailing newline rule.
  EXPECT_EQ(R("a\n  {% if true %}\n  b\n  {% endif %}\nc\n"), "a\n  b\nc");
  EXPECT_EQ(R("a  {%- if true -%}  b  {%- endif -%}  c"), "abc");
  EXPECT_EQ(R("x {# note #}\ny"), "x y");
}

TEST(JinjaRender, LoopsScopesAndNamespaces) {
  EXPECT_EQ(R("{% for x in [1,2,3] if x != 2 %}{{ loop.index }}/{{ loop.length }}{{ ',' if not loop.last }}{% endfor %}"),
            "1/2,2/2");
  EXPECT_EQ(R("{% set n = 1 %}{% for x in [1] %}{% set n = 5 %}{% endfor %}{{ n }}"), "1");
  EXPECT_EQ(R("{% set ns = namespace(n=1) %}{% for x in [1,2] %}{% set ns.n = ns.n + x %}{% endfor %}{{ ns.n }}"), "4");
  EXPECT_EQ(R("{% for x in range(5) %}{% if x == 3 %}{% break %}{% endif %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% endfor %}"),
            "02");
  EXPECT_EQ(R("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", {{"d", {{"a", 1}, {"b", 2}}}}), "a=1;b=2;");
  EXPECT_EQ(R("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(R("{% macro m(a, b='!') %}{{ a }}{{ b }}{% endmacro %}{{ m('hi') }}{{ m('yo', b='?') }}"), "hi!yo?");
  EXPECT_EQ(R("{% set s %}in{{ 1 }}{% endset %}[{{ s }}]"), "[in1]");
}

TEST(JinjaRender, StringsListsAndFilters) {
  EXPECT_EQ(R("{{ '  a b  '.strip() }}|{{ 'x\\ny'.split('\\n')[-1] }}|{{ 'abc'[::-1] }}|{{ 'héllo'[1:3] }}"),
            "a b|y|cba|él");
  EXPECT_EQ(R("{{ 'a' in 'cat' }} {{ 'z' not in ['a'] }} {{ 'Hi'.startswith(('x', 'H')) }}"), "True True True");
  EXPECT_EQ(R("{{ x | tojson }}", {{"x", {{"b", json::array({1, "é"})}, {"a", nullptr}}}}),
            R"({"b": [1, "é"], "a": null})");
  EXPECT_EQ(R("{{ x | tojson(indent=2) }}", {{"x", {{"a", json::array({1})}}}}), "{\n  \"a\": [\n    1\n  ]\n}");
  EXPECT_EQ(R("{{ m | selectattr('role', 'equalto', 'user') | map(attribute='c') | join(',') }}",
              {{"m", json::array({{{"role", "user"}, {"c", "1"}}, {{"role", "bot"}, {"c", "2"}}, {{"role", "user"}, {"c", "3"}}})}}),
            "1,3");
  EXPECT_EQ(R("{{ missing | default('d') }} {{ 'ab' | length }} {{ [3,1] | first }} {{ 'x' | upper }}"), "d 2 3 X");
  EXPECT_EQ(R("{{ x is defined }} {{ y is none }} {{ 3 is odd }} {{ 'a' is string }}", {{"y", nullptr}}),
            "False True True True");
}

TEST(JinjaRender, ErrorsNameTheConstruct) {
  auto message = [](const std::string& t) {
    try {
      R(t, {{"messages", json::array()}});
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("{% include 'x' %}").find("unsupported statement {% include %}"), std::string::npos);
  EXPECT_NE(message("{{ 1 | wordwrap }}").find("unsupported filter 'wordwrap'"), std::string::npos);
  EXPECT_NE(message("{{ 1 is prime }}").find("unsupported test 'prime'"), std::string::npos);
  EXPECT_NE(message("{{ raise_exception('bad role') }}").find("bad role"), std::string::npos);
  EXPECT_NE(message("{{ foo.bar }}").find("'foo' is undefined"), std::string::npos);
  EXPECT_NE(message("{% if true %}").find("missing {% endif %}"), std::string::npos);
  EXPECT_NE(message("{{ 'a' + 1 }}").find("unsupported operand"), std::string::npos);
  EXPECT_NE(message("{{ 'a'.nosuch() }}").find("not a supported function"), std::string::npos);
}

}  // namespace
}  // namespace hm
