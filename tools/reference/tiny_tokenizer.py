"""The tiny byte-level BPE tokenizer shared by the tiny checkpoints, and an encoder for it.

tokenizer.json copies the structure of Qwen2.5's: NFC normalizer, Split on Qwen's regex then
ByteLevel (no prefix space, no regex), BPE without unk/byte fallback, ByteLevel decoder, and
added tokens matched before normalization. The vocabulary is small: the 256 byte symbols of
GPT-2's bytes_to_unicode at ids 0..255 in byte order, then one token per merge, then the added
tokens. The encoder below follows the HF `tokenizers` algorithm so prompt ids in the goldens
are what a real tokenizer would give (the regex classes \\p{L} and \\p{N} are built from
Python's unicodedata, so they match the Rust regex crate up to Unicode-version differences).
"""
import heapq
import re
import sys
import unicodedata
from typing import Dict, List, Optional, Tuple

# Qwen2's pre-tokenizer pattern, as it appears in its tokenizer.json.
QWEN_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
                r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")

# Merges in rank order. Each merged token's parts are bytes or earlier merges. "Ġ" is the
# byte-level symbol of a space, "Ċ" of a newline.
MERGES: List[Tuple[str, str]] = [
    ("Ġ", "t"), ("h", "e"), ("i", "n"), ("Ġ", "a"), ("r", "e"), ("o", "n"), ("Ġt", "he"),
    ("e", "r"), ("Ġ", "s"), ("a", "t"), ("e", "n"), ("o", "r"), ("Ġ", "w"), ("Ġ", "o"),
    ("i", "s"), ("e", "s"), ("Ġ", "c"), ("a", "n"), ("i", "t"), ("Ġ", "b"), ("in", "g"),
    ("Ġ", "f"), ("Ġ", "p"), ("a", "l"), ("a", "r"), ("o", "u"), ("Ġ", "m"), ("e", "d"),
    ("Ġ", "d"), ("Ġo", "f"), ("Ġ", "in"), ("l", "e"), ("Ġ", "h"), ("Ġa", "n"), ("Ġan", "d"),
    ("i", "c"), ("Ġt", "o"), ("Ġ", "is"), ("u", "s"), ("us", "er"), ("Ċ", "Ċ"), ("Ġ", "Ġ"),
]

# Added tokens in id order after the merges. (content, special) -- Qwen3 marks <think> and
# </think> as not special (they survive skip_special_tokens), so this fixture does too.
ADDED_TOKENS: List[Tuple[str, bool]] = [
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True), ("<image>", True),
    ("<think>", False), ("</think>", False),
]

# Qwen2.5's added tokens, ids 151643..151664; Qwen3 appends four more (..151668). Hulu-Med
# appends <image> after them.
QWEN_FIRST_ADDED_ID = 151643
QWEN25_ADDED: List[Tuple[str, bool]] = [
    ("<|endoftext|>", True), ("<|im_start|>", True), ("<|im_end|>", True),
    ("<|object_ref_start|>", True), ("<|object_ref_end|>", True), ("<|box_start|>", True),
    ("<|box_end|>", True), ("<|quad_start|>", True), ("<|quad_end|>", True),
    ("<|vision_start|>", True), ("<|vision_end|>", True), ("<|vision_pad|>", True),
    ("<|image_pad|>", True), ("<|video_pad|>", True), ("<tool_call>", False),
    ("</tool_call>", False), ("<|fim_prefix|>", False), ("<|fim_middle|>", False),
    ("<|fim_suffix|>", False), ("<|fim_pad|>", False), ("<|repo_name|>", False),
    ("<|file_sep|>", False),
]
QWEN3_ADDED = QWEN25_ADDED + [("<tool_response>", False), ("</tool_response>", False),
                              ("<think>", False), ("</think>", False)]


def bytes_to_unicode() -> Dict[int, str]:
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def _class_of(prefix: str) -> str:
    """A regex character class body with every code point whose category starts with prefix."""
    ranges, start, prev = [], None, None
    for cp in range(sys.maxunicode + 1):
        if unicodedata.category(chr(cp)).startswith(prefix):
            if start is None:
                start = cp
            prev = cp
        elif start is not None:
            ranges.append((start, prev))
            start = None
    if start is not None:
        ranges.append((start, prev))
    return "".join(re.escape(chr(a)) if a == b else "%s-%s" % (re.escape(chr(a)), re.escape(chr(b)))
                   for a, b in ranges)


class TinyTokenizer:
    def __init__(self, added: Optional[List[Tuple[str, bool]]] = None, first_added_id: Optional[int] = None):
        """added: the added tokens in id order (default ADDED_TOKENS). first_added_id: pad the
        vocabulary with placeholders up to there, so the added tokens get real Qwen ids (HF
        gives added tokens absent from the vocab the ids following it, whatever the file says).
        Placeholders decode to `<unused{id}>` and no text encodes to them (no merge makes them)."""
        added = ADDED_TOKENS if added is None else added
        self.byte_encoder = bytes_to_unicode()
        self.byte_decoder = {c: b for b, c in self.byte_encoder.items()}
        self.vocab: Dict[str, int] = {self.byte_encoder[b]: b for b in range(256)}
        for a, b in MERGES:
            assert a in self.vocab and b in self.vocab, (a, b)
            assert a + b not in self.vocab, a + b
            self.vocab[a + b] = len(self.vocab)
        for i in range(len(self.vocab), first_added_id or 0):
            self.vocab["".join(self.byte_encoder[b] for b in b"<unused%d>" % i)] = i
        self.ranks = {pair: i for i, pair in enumerate(MERGES)}
        self.added = {content: len(self.vocab) + i for i, (content, _) in enumerate(added)}
        self.special = dict(added)
        self.id_to_token = {i: t for t, i in self.vocab.items()}
        self.id_to_token.update({i: t for t, i in self.added.items()})
        letters, numbers = _class_of("L"), _class_of("N")
        # Inside a bracket \p{X} becomes the class body, elsewhere a bracketed class.
        pattern = re.sub(r"\[\^([^\]]*)\]", lambda m: "[^" + m.group(1).replace(
            r"\p{L}", letters).replace(r"\p{N}", numbers) + "]", QWEN_PATTERN)
        pattern = pattern.replace(r"\p{L}", "[" + letters + "]").replace(r"\p{N}", "[" + numbers + "]")
        self.pre_tokenizer = re.compile(pattern)
        self.added_re = re.compile("|".join(re.escape(t) for t in
                                            sorted(self.added, key=len, reverse=True)))

    def token_id(self, content: str) -> int:
        return self.added[content] if content in self.added else self.vocab[content]

    def _bpe(self, word: str) -> List[str]:
        """HF tokenizers' Word::merge_all: a queue ordered by (rank, position); stale entries
        are skipped. (Differs from the classic merge-all-occurrences loop in rare overlaps.)"""
        syms = list(word)
        nxt = list(range(1, len(syms))) + [-1]
        prv = list(range(-1, len(syms) - 1))
        alive = [True] * len(syms)
        queue = [(self.ranks[(syms[i], syms[i + 1])], i) for i in range(len(syms) - 1)
                 if (syms[i], syms[i + 1]) in self.ranks]
        heapq.heapify(queue)
        while queue:
            rank, pos = heapq.heappop(queue)
            if not alive[pos] or nxt[pos] == -1:
                continue
            right = nxt[pos]
            if self.ranks.get((syms[pos], syms[right])) != rank:
                continue  # expired entry
            syms[pos] += syms[right]
            alive[right] = False
            nxt[pos] = nxt[right]
            if nxt[right] != -1:
                prv[nxt[right]] = pos
            if prv[pos] != -1 and (syms[prv[pos]], syms[pos]) in self.ranks:
                heapq.heappush(queue, (self.ranks[(syms[prv[pos]], syms[pos])], prv[pos]))
            if nxt[pos] != -1 and (syms[pos], syms[nxt[pos]]) in self.ranks:
                heapq.heappush(queue, (self.ranks[(syms[pos], syms[nxt[pos]])], pos))
        return [s for s, a in zip(syms, alive) if a]

    def _encode_plain(self, text: str) -> List[int]:
        ids = []
        text = unicodedata.normalize("NFC", text)
        pieces = self.pre_tokenizer.findall(text)
        assert "".join(pieces) == text  # the pattern covers every character
        for piece in pieces:
            word = "".join(self.byte_encoder[b] for b in piece.encode("utf-8"))
            ids.extend(self.vocab[t] for t in self._bpe(word))
        return ids

    def encode(self, text: str) -> List[int]:
        """Added tokens are split out first, like HF's AddedVocabulary."""
        ids, pos = [], 0
        for m in self.added_re.finditer(text):
            ids.extend(self._encode_plain(text[pos:m.start()]))
            ids.append(self.added[m.group(0)])
            pos = m.end()
        ids.extend(self._encode_plain(text[pos:]))
        return ids

    def decode(self, ids: List[int], skip_special_tokens: bool = False) -> str:
        special = {self.added[c] for c, s in self.special.items() if s}
        out, buf = [], bytearray()
        for i in ids:
            tok = self.id_to_token.get(i)
            if tok is None:
                continue  # ids past the tokenizer (padded vocabulary) decode to nothing, as in HF
            if tok in self.added:
                if skip_special_tokens and i in special:
                    continue
                out.append(buf.decode("utf-8", errors="replace"))
                buf = bytearray()
                out.append(tok)
            else:
                buf.extend(self.byte_decoder[c] for c in tok)
        out.append(buf.decode("utf-8", errors="replace"))
        return "".join(out)

    # ---- files ----

    def tokenizer_json(self) -> dict:
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False,
                      "use_regex": False}
        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [
                {"id": self.added[c], "content": c, "single_word": False, "lstrip": False,
                 "rstrip": False, "normalized": False, "special": s} for c, s in self.special.items()],
            "normalizer": {"type": "NFC"},
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN_PATTERN}, "behavior": "Isolated",
                 "invert": False},
                byte_level]},
            "post_processor": dict(byte_level),
            "decoder": dict(byte_level),
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": "", "end_of_word_suffix": "", "fuse_unk": False,
                      "byte_fallback": False, "ignore_merges": False,
                      "vocab": dict(self.vocab),
                      "merges": ["%s %s" % m for m in MERGES]},
        }

    def tokenizer_config_json(self, chat_template: str, model_max_length: int) -> dict:
        return {
            "add_bos_token": False,
            "add_prefix_space": False,
            "added_tokens_decoder": {
                str(self.added[c]): {"content": c, "lstrip": False, "normalized": False,
                                     "rstrip": False, "single_word": False, "special": s}
                for c, s in self.special.items()},
            "additional_special_tokens": [c for c in ("<|im_start|>", "<|im_end|>", "<image>")
                                          if c in self.added],
            "bos_token": None,
            "chat_template": chat_template,
            "clean_up_tokenization_spaces": False,
            "eos_token": "<|im_end|>",
            "errors": "replace",
            "model_max_length": model_max_length,
            "pad_token": "<|endoftext|>",
            "split_special_tokens": False,
            "tokenizer_class": "Qwen2Tokenizer",
            "unk_token": None,
        }
