"""One large stream linted in shares by several workers, with the result linting it whole gives.

The stream is cut at document starts into shares. Each worker reads a text of the stream's length in
which its share is as written, and so is every document of another share that may hold an object a
lookup finds (a ServiceAccount, a role: `k8s.RELATED_KINDS`), which it only adds to its lookups.
Every other document is blanked, each to `~` where its content started, so that offsets, lines,
columns and document indices stay those of the whole stream. The parent puts the shares' parts
together in stream order and applies the baseline to them, as the engine does for a whole input.

Only streams where that is exact are cut: none with something that reaches across documents
(directives, `...` ends, anchors, suppression comments, an alias budget) or that the engine reads
another way (templates, a large List, a patch, an AppArmor profile), and the whole stream is linted
again, in this process, should a share meet an error or need the pure composer."""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, replace

from klint.config import Settings
from klint.document import DOCUMENT_START, OTHER_LINE_BREAKS, may_hold_large_list
from klint.engine import FileResult, Finding, is_patch, lint_part
from klint.k8s import RELATED_KINDS
from klint.profiles.apparmor import AppArmorSyntaxError
from klint.profiles.recognise import apparmor_profiles
from klint.rule import Rule
from klint.source import Source
from klint.suppress import META_RULES, comments

# Below this many characters a stream is linted by one process: two workers gained nothing on 1.3 MB.
SHARE_MIN_CHARS = 4_000_000
# One share for each worker, up to this many: each share reads the text before it, blanked, which
# costs about BLANK_COST of reading it as written (measured on a 30 MB stream of Deployments).
MAX_SHARES = 8
BLANK_COST = 0.15
MIN_WEIGHT = 0.2

# A `---` line of its own: where a share may start.
_CUT = re.compile(r"^---[ \t]*\r?$", re.MULTILINE)
# What makes documents depend on each other or on the text around them: a directive or a document
# end marker (at the start of a line), an anchor (aliases share the stream's budget), a BOM inside the
# text, a line break other than LF and CRLF (the composer's lines would not be the text's). Each is
# looked for on its own: one expression of them all would be tried at every character.
_DIRECTIVE_OR_END = re.compile(r"\n(?:%|\.\.\.(?=[ \t\r\n]|\Z))")
_ANCHOR = re.compile(r"[ \t\r\n\[\]{},]&")
_OTHER_BREAKS_OR_BOM = ("\ufeff", *OTHER_LINE_BREAKS)
# What may name a kind kept for lookups: its name as a word (not in `automountServiceAccountToken`),
# or a double-quoted scalar's escape that may spell one, of a letter (`\x41`, `\u0041`) or of a line
# break (`"Service\<break>Account"`); other escapes (`\.` in a CRD's patterns) write no letter.
_KIND_WORDS = tuple(sorted(RELATED_KINDS))
_LETTER_ESCAPES = ("\\x", "\\u", "\\U", "\\\n", "\\\r")
# White space and comments before a document's content.
_BEFORE_CONTENT = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*")
_BLANK_ASCII = bytes(byte if byte in b"\r\n" else 32 for byte in range(256))
_NOT_LINE_BREAK = re.compile(r"[^\r\n]+")


@dataclass(frozen=True)
class Share:
    start: int  # offset of its first document's `---`
    end: int  # offset after its last document


def plan(source: Source, settings: Settings, workers: int) -> list[Share] | None:
    """The shares to lint `source` in, or None when it is small or cannot be cut exactly."""
    text = source.text
    if workers < 2 or len(text) < SHARE_MIN_CHARS or "{{" in text or _reaches_across(text):
        return None
    if comments.scan(source, settings.foreign_ignores).directives:
        return None
    try:
        if apparmor_profiles(source) is not None:
            return None
    except AppArmorSyntaxError:
        return None
    if is_patch(text) or may_hold_large_list(text):
        return None
    starts = [0]
    for target in _targets(len(text), min(workers, MAX_SHARES)):
        cut = _cut_after(text, max(starts[-1] + 1, target))
        if cut is None:
            break
        starts.append(cut)
    if len(starts) < 2:
        return None
    return [Share(start, end) for start, end in itertools.pairwise([*starts, len(text)])]


def _targets(length: int, count: int) -> list[int]:
    """Where `count` shares of about the same cost start, after the first: a share costs its text,
    and BLANK_COST of that for each character before it."""
    weights: list[float] = []
    before = 0.0
    for _ in range(count):
        weights.append(max(MIN_WEIGHT, 1 - BLANK_COST * before))
        before += weights[-1]
    return [int(length * sum(weights[:share]) / before) for share in range(1, count)]


def _reaches_across(text: str) -> bool:
    """Whether something in the text may tie its documents together (see _DIRECTIVE_OR_END)."""
    return text.startswith(("%", "...", "&")) or _DIRECTIVE_OR_END.search(text) is not None \
        or ("&" in text and _ANCHOR.search(text) is not None) \
        or any(character in text for character in _OTHER_BREAKS_OR_BOM) \
        or text.count("\r") != text.count("\r\n")


def _cut_after(text: str, offset: int) -> int | None:
    """The first `---` line from `offset` on that follows a document's content: a comment just above
    it may be a `# Source:` line of Helm's for the document it starts."""
    for match in _CUT.finditer(text, offset):
        end = match.start()
        while end > 0 and text[end - 1] in " \t\r\n":
            end -= 1
        line = text[text.rfind("\n", 0, end) + 1:end].lstrip(" \t")
        if end > 0 and not line.startswith("#"):
            return match.start()
    return None


def share_text(text: str, shares: list[Share], index: int) -> str:
    """The text the worker of share `index` reads: its share, and the other shares' documents that
    may be looked up, as written; every other document before its end blanked to `~` at its content's
    start, and nothing after the last document that may be looked up."""
    own = shares[index]
    later = _looked_up(text, own.end, len(text))
    last = DOCUMENT_START.search(text, later[-1]) if later else None  # after the last one kept
    end = own.end if not later else last.start() if last is not None else len(text)
    return "".join([*_blanked(text, 0, own.start), text[own.start:own.end], *_blanked(text, own.end, end)])


def _blanked(text: str, start: int, end: int) -> list[str]:
    """The documents of text[start:end] (whole documents), each as written if it may be looked up,
    else blanked; pieces of the same length."""
    if start >= end:
        return []
    blank = _blank(text[start:end])
    looked_up = _looked_up(text, start, end)
    starts = [match.start() for match in DOCUMENT_START.finditer(text, start, end)]
    if not starts or starts[0] != start:
        starts.insert(0, start)
    pieces = []
    for first, after in itertools.pairwise([*starts, end]):
        position = bisect.bisect_left(looked_up, first)
        if position < len(looked_up) and looked_up[position] < after:
            pieces.append(text[first:after])
            continue
        marker = 3 if text.startswith("---", first) and DOCUMENT_START.match(text, first) else 0
        leading = _BEFORE_CONTENT.match(text, first + marker, after)  # matches, if only nothing
        content = leading.end() if leading is not None else first + marker
        pieces.append(text[first:first + marker])
        if content < after:
            pieces.extend((blank[first + marker - start:content - start], "~",
                           blank[content + 1 - start:after - start]))
        else:
            pieces.append(blank[first + marker - start:after - start])
    return pieces


def _looked_up(text: str, start: int, end: int) -> list[int]:
    """Where in text[start:end] a kind kept for lookups may be named, in order."""
    found = []
    for word in (*_KIND_WORDS, *_LETTER_ESCAPES):
        at = text.find(word, start, end)
        while at >= 0:
            if word in _LETTER_ESCAPES or not (_in_word(text, at - 1) or _in_word(text, at + len(word))):
                found.append(at)
            at = text.find(word, at + 1, end)
    return sorted(found)


def _in_word(text: str, offset: int) -> bool:
    return 0 <= offset < len(text) and (text[offset].isalnum() or text[offset] in "_-")


def _blank(text: str) -> str:
    """The text with every character but line breaks a space."""
    if text.isascii():
        return text.encode("ascii").translate(_BLANK_ASCII).decode("ascii")
    return _NOT_LINE_BREAK.sub(lambda match: " " * len(match.group()), text)


def lint_share(source: Source, shares: list[Share], index: int, rules: list[Rule],
               settings: Settings) -> FileResult | None:
    """In a worker: the part of share `index`, its findings in stream order and without the baseline;
    None when it cannot be told (the parent lints the whole stream then)."""
    own = shares[index]
    text = share_text(source.text, shares, index)
    part = Source(source.path, text, source.has_bom, source.encoding)
    try:
        result = lint_part(part, rules, replace(settings, baseline=None), (own.start, own.end))
    except Exception:  # the whole stream, linted again, reports it
        return None
    result.source = None
    return result


def merge(source: Source, parts: list[FileResult | None], settings: Settings) -> FileResult | None:
    """The shares' parts as one result, or None when one of them must be linted whole: an error (the
    whole stream stops at the first), a document the C composer refused, a rule that failed."""
    if any(part is None or part.problems or part.skipped or part.fallback for part in parts):
        return None
    result = FileResult(source.path, source)
    found: list[Finding] = []
    meta: list[Finding] = []  # the suppressions' own findings, after the others (the baseline skips them)
    for part in parts:
        assert part is not None
        result.documents += part.documents
        result.objects += part.objects
        result.not_kubernetes += part.not_kubernetes
        result.profiles += part.profiles
        result.checked.extend(part.checked)
        for finding in part.findings:
            (meta if finding.rule.code in META_RULES else found).append(finding)
    if settings.baseline is not None:
        found, result.baseline_matched = settings.baseline.apply(found)
    result.findings = sorted([*found, *meta], key=Finding.sort_key)
    return result
