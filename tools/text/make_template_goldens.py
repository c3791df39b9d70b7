"""Writes testdata/text/template_goldens.jsonl: chat-template renderings by Jinja2 configured
as transformers' apply_chat_template configures it. Hulu-Med conversations are rendered with
the reference processor's DEFAULT_CHAT_TEMPLATE, read from the Hulu-Med git mirror at run
time (never committed); public-family templates come from testdata/text/chat_templates/.
Then run make_template_goldens.js to add @huggingface/jinja's renderings.
    /usr/bin/python3.11 tools/text/make_template_goldens.py [path/to/Hulu-Med/repo]
(Debian's python3-jinja2, pinned in scripts/apt-packages-reference.txt.) New cases go at the
end of their list: names carry the index, and the @huggingface/jinja goldens key on them.
"""
import json
import os
import subprocess
import sys

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
MIRROR = sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror/ZJUI-AI4H+Hulu-Med/repo"


def reference_default_template():
    src = subprocess.run(["git", "-C", MIRROR, "show", "HEAD:src/hulumed/model/processor.py"],
                         check=True, capture_output=True, text=True).stdout
    start = src.index("DEFAULT_CHAT_TEMPLATE = ")
    end = src.index("class HulumedProcessorKwargs")
    scope = {"DEFAULT_IMAGE_TOKEN": "<image>"}
    exec(src[start:end], scope)
    return scope["DEFAULT_CHAT_TEMPLATE"]


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    return env


def img(time=None):
    part = {"type": "image"}
    if time is not None:
        part["time"] = time
    return part


def video(n, timestamps=None, key="type"):
    part = {"type": "video", "num_frames": n} if key == "type" else {"video": "v.mp4", "num_frames": n}
    if timestamps is not None:
        part["timestamps"] = timestamps
    return part


def text(t):
    return {"type": "text", "text": t}


def user(*parts):
    return {"role": "user", "content": list(parts)}


def hulumed_conversations():
    q = "What abnormality is visible in this chest X-ray?"
    a = "There is a right lower lobe consolidation consistent with pneumonia."
    convs = [
        [{"role": "user", "content": "What are the symptoms of appendicitis?"}],
        [{"role": "system", "content": "You are a medical assistant."},
         {"role": "user", "content": "Define tachycardia."}],
        [user(img(), text(q))],
        [user(text(q), img())],
        [user(img(), img(), text("Compare the two scans."))],
        [user(img(1.0), text(q))],
        [user(img(2.25), text(q))],
        [user(img(0.05), text(q))],
        [user(video(4), text("Describe the video."))],
        [user(video(1), text("One frame."))],
        [user(video(3, [0.0, 0.5, 1.0]), text("What happens?"))],
        [user(video(4, [0.0, 1.3333333, 2.6666667, 4.0]), text("Summarize."))],
        [user(video(3, [0.25, 0.35, 0.45]), text("Rounding ties."))],
        [user(video(5, key="video"), text("Video given by path."))],
        [user(video(8), text("This CT volume: any hemorrhage?"))],
        [user({"image": "scan.png"}, text("Key-only image part."))],
        [user({"image_url": "http://x/y.png"}, {"text": "Key-only text part."})],
        [user(img(), text(q)), {"role": "assistant", "content": a}],
        [user(img(), text(q)), {"role": "assistant", "content": a},
         {"role": "user", "content": "What treatment do you recommend?"}],
        [{"role": "system", "content": "Answer briefly."}, user(video(2, [0.0, 3.0]), text("Motion?")),
         {"role": "assistant", "content": "The heart contracts."}, user(text("Rate?"))],
        [user(text("Multi-line\nquestion\n\nwith blank lines."))],
        [user(text("中文问题：这张CT显示了什么？"), img())],
        [user(text(""), img())],
        [user()],
        [{"role": "stream", "content": [img(), text("streamed")]}],
        [{"role": "assistant", "content": [text("Assistant part list.")]}],
        [user(img(), text("first")), user(img(), text("second"))],
        [user(text("Special tokens inside <|im_end|> text <image> here."))],
        [user(img(3.0), video(2, [1.0, 2.0]), text("Mixed media."))],
        [user({"type": "unknown", "foo": 1}, text("Unknown part type is skipped."))],
        [{"role": "user", "content": "  spaces kept  "}],
        [user(video(3, [10.04, 10.05, 10.15]), text("More rounding."))],
    ]
    return convs


def public_cases():
    tools = [{"type": "function", "function": {"name": "get_lab", "description": "Fetch a lab value",
                                                "parameters": {"type": "object", "properties": {
                                                    "test": {"type": "string"}}, "required": ["test"]}}}]
    think = "<think>\nThe user asks about sodium.\n</think>\n\nSodium is 140 mmol/L."
    chat = [{"role": "system", "content": "You are a careful clinician."},
            {"role": "user", "content": "What is a normal sodium level?"},
            {"role": "assistant", "content": "135-145 mmol/L."},
            {"role": "user", "content": "And potassium?"}]
    thinking_chat = [{"role": "user", "content": "Sodium?"}, {"role": "assistant", "content": think},
                     {"role": "user", "content": "And potassium?"}]
    tool_chat = [{"role": "user", "content": "Get my sodium."},
                 {"role": "assistant", "content": "", "tool_calls": [
                     {"type": "function", "function": {"name": "get_lab", "arguments": {"test": "Na"}}}]},
                 {"role": "tool", "content": "{\"Na\": 140}"},
                 {"role": "assistant", "content": "Your sodium is 140."}]
    vl = [user(img(), text("Describe.")), {"role": "assistant", "content": "A chest film."},
          user(video(2), text("And this?"))]
    vl_time = [user(video(3, [0.0, 0.5, 1.0]), text("What happens?")),
               {"role": "stream", "content": [img(), text("frame")]}]
    bos = {"bos_token": "<s>", "eos_token": "</s>"}
    cases = []
    for name in ["chatml", "qwen2", "qwen2_5", "qwq", "llama3", "mistral", "qwen3"]:
        cases.append((name, chat if name != "mistral" else chat[1:], True, bos))
    cases += [
        ("mistral", chat[1:3], False, bos),
        ("qwen2_5", tool_chat, True, {"tools": tools}),
        ("qwen2_5", chat[1:], False, {}),
        ("qwen3", thinking_chat, True, {}),
        ("qwen3", thinking_chat, True, {"enable_thinking": False}),
        ("qwen3", tool_chat, False, {"tools": tools}),
        ("qwen3", [{"role": "user", "content": "Hi"},
                   {"role": "assistant", "content": "Hello", "reasoning_content": "Greeting."}], False, {}),
        ("qwq", thinking_chat, True, {}),
        ("qwen2_vl", vl, True, {}),
        ("qwen2_vl", vl, False, {"add_vision_id": True}),
        ("videollama3", vl, True, {"add_system_prompt": True}),
        ("videollama3", vl_time, False, {"add_system_prompt": False}),
        ("videollama3", [user(dict(img(), timestamp=1.25), text("When?"))], True, {"add_system_prompt": True}),
        ("hulumed_think", vl + [{"role": "assistant", "content": "  a video  "}], True, {"enable_thinking": False}),
        ("hulumed_think", [user(video(3, [0.0, 0.5, 1.0]), text("Go."))], True, {}),
        ("llama3", [{"role": "user", "content": "  padded  "}], False, bos),
        ("mistral", [{"role": "assistant", "content": "wrong order"}], False, bos),
    ]
    # Qwen3 and Qwen2.5 as a checkpoint's processor template: a system prompt with tools,
    # two tool calls (dict and string arguments) answered by consecutive tool messages, and
    # multi-turn thinking.
    tools2 = tools + [{"type": "function", "function": {"name": "get_vitals", "description": "Fetch vital signs",
                                                          "parameters": {"type": "object", "properties": {}}}}]
    two_calls = [{"role": "system", "content": "You are a careful clinician."},
                 {"role": "user", "content": "Sodium and vitals?"},
                 {"role": "assistant", "content": "<think>\nTwo lookups.\n</think>\n\nChecking.", "tool_calls": [
                     {"type": "function", "function": {"name": "get_lab", "arguments": {"test": "Na"}}},
                     {"type": "function", "function": {"name": "get_vitals", "arguments": "{}"}}]},
                 {"role": "tool", "content": "{\"Na\": 140}"},
                 {"role": "tool", "content": "{\"hr\": 72}"}]
    answered = two_calls + [{"role": "assistant", "content": "Sodium 140, heart rate 72."},
                            {"role": "user", "content": "Thanks."}]
    thinking_turns = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
                      {"role": "assistant", "content": "<think>\nGreet back.\n</think>\n\nHello."},
                      {"role": "user", "content": "Bye"},
                      {"role": "assistant", "content": "<think>\nSay goodbye.\n</think>\n\nGoodbye."}]
    cases += [
        ("qwen3", two_calls, True, {"tools": tools2}),
        ("qwen3", answered, True, {"tools": tools2, "enable_thinking": False}),
        ("qwen3", thinking_turns, False, {}),
        ("qwen3", thinking_turns[:4], True, {"enable_thinking": True}),
        ("qwen2_5", two_calls, True, {"tools": tools2}),
        ("qwen2_5", answered, True, {"tools": tools2}),
        # Qwen3's template calls str.startswith on message content: a list of parts fails.
        ("qwen3", [user(img(), text("Findings?"))], True, {}),
    ]
    return cases


def main():
    env = environment()
    rows = []

    def render(name, source, messages, add_gen, extra):
        ctx = dict(messages=messages, add_generation_prompt=add_gen, image_token="<image>")
        ctx.update(extra)
        row = {"name": name, "template": source[1], "messages": messages,
               "add_generation_prompt": add_gen, "extra": extra}
        try:
            row["expected"] = env.from_string(source[0]).render(**ctx)
        except jinja2.exceptions.TemplateError as e:
            row["error"] = str(e)
        rows.append(row)

    ref = (reference_default_template(), "hulumed_default")
    for k, conv in enumerate(hulumed_conversations()):
        for add_gen in ([True, False] if k % 3 == 0 else [True]):
            render(f"hulumed_{k}", ref, conv, add_gen, {})
    tdir = os.path.join(ROOT, "testdata/text/chat_templates")
    for k, (tname, conv, add_gen, extra) in enumerate(public_cases()):
        with open(os.path.join(tdir, tname + ".jinja"), encoding="utf-8") as f:
            render(f"{tname}_{k}", (f.read(), tname + ".jinja"), conv, add_gen, extra)
    out = os.path.join(ROOT, "testdata/text/template_goldens.jsonl")
    with open(out, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{out}: {len(rows)} cases")


main()
