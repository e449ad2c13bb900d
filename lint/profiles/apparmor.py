"""AppArmor profile files (the text apparmor_parser loads): recognition and a parser that knows enough of
the language to lint it: each profile's name, flags, includes and rules, with their positions.

The language, as far as it matters here: `#` starts a comment, except `#include`; `include`,
`#include` and variable assignments (`@{PROC}=/proc/`) take one line; `abi <...>,`, `alias ...,` and
rules end with a comma outside `{a,b}` alternations; a profile (`profile NAME [ATTACHMENT]
[flags=(...)] {`, `/path/to/binary {`, `hat NAME {`, `^NAME {`) holds rules and other profiles until
its `}`. Qualifier blocks (`audit { ... }`) and conditionals (`if ... { ... }`) hold rules of the
profile around them. Syntax errors are raised with their line and column.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from klint.document import FieldPath
from klint.k8s import ObjectRef
from klint.profiles import ProfileDocument
from klint.source import Source, Span

KIND = "apparmor-profile"
APPARMOR_SUFFIX = ".apparmor"  # how directories walked name AppArmor profile files (any case)

QUALIFIERS = frozenset({"audit", "deny", "allow", "owner", "quiet", "kill", "complain", "prompt"})
KEYWORDS = frozenset({
    "capability", "network", "file", "mount", "remount", "umount", "pivot_root", "ptrace", "signal", "dbus",
    "unix", "change_profile", "change_hat", "set", "link", "userns", "io_uring", "mqueue", "all", "rlimit",
    "abi", "alias", "include", "profile", "hat",
})
# A profile header at the start of a line: what makes a text an AppArmor profile rather than YAML.
# (Found by its start, then its line checked: a pattern for the whole line could backtrack for long.)
HEADER_START = re.compile(r'(?:profile[ \t]+\S|hat[ \t]+\S|/|"/)')
HEADER_STARTS = ("profile", "hat", "/", '"/')
_NEWLINE_BEFORE_HEADER_START = re.compile(rf"\n(?={'|'.join(map(re.escape, HEADER_STARTS))})")
_FIRST_CHARACTER = re.compile(r"\S")
INCLUDE = re.compile(r"#?include\b")
VARIABLE = re.compile(r"@\{(\w+)\}[ \t]*\+?=")
PERMISSIONS = re.compile(r"[rwaklmixpcuPCUDN]+")
# Values of the usual tunables (apparmor's tunables/global), for variables a file uses without defining.
DEFAULT_VARIABLES = {"PROC": ["/proc/"], "sys": ["/sys/"], "run": ["/run/", "/var/run/"],
                     "pid": ["{[1-9],[1-9][0-9]*}"], "pids": ["{[1-9],[1-9][0-9]*}"],
                     "tid": ["{[1-9],[1-9][0-9]*}"], "HOME": ["/home/*/", "/root/"],
                     "HOMEDIRS": ["/home/"], "multiarch": ["*-linux-gnu*"]}


class AppArmorSyntaxError(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass
class AppArmorRule:
    """One rule, `text` without its comma and comments; `qualifiers` include those of enclosing blocks."""

    text: str
    start: int
    end: int  # just after the comma
    qualifiers: frozenset[str]
    keyword: str  # "capability", "mount", ...; "file" for path rules (`/etc/** r`)
    words: list[str]  # the rule's words after the qualifiers (quotes kept, `{a,b}` kept whole)

    @property
    def denies(self) -> bool:
        return "deny" in self.qualifiers


@dataclass
class AppArmorProfile(ProfileDocument):
    """One profile of a file (a nested profile or hat is its own, named `parent//child`)."""

    source: Source
    name: str
    start: int  # the header
    header_end: int
    index: int  # position in the file
    flags: list[str] = field(default_factory=list)
    flags_span: tuple[int, int] | None = None
    attachment: str | None = None
    includes: list[str] = field(default_factory=list)
    rules: list[AppArmorRule] = field(default_factory=list)
    variables: dict[str, list[str]] = field(default_factory=dict)  # the file's, for path globs
    # A policy embedded in a manifest (a Security Profiles Operator object's `spec.policy`): the file,
    # and where each offset of the policy's text sits in it; `prefix` is the field in the object.
    embedded: tuple[Source, Callable[[int], int]] | None = None
    prefix: FieldPath = ()
    kind = KIND

    def __post_init__(self) -> None:
        self.ref = ObjectRef("", KIND, self.name, None, self.index)

    @property
    def short_name(self) -> str:
        return self.name.rsplit("//", 1)[-1]

    def span(self, path: FieldPath) -> Span:
        """`("flags",)`, `("rules", i, ...)` or the profile's header."""
        if path[:1] == ("flags",) and self.flags_span:
            start, end = self.flags_span
        elif path[:1] == ("rules",) and len(path) > 1 and isinstance(path[1], int):
            start, end = self.rules[path[1]].start, self.rules[path[1]].end
        else:
            start, end = self.start, self.header_end
        if self.embedded is not None:
            source, locate = self.embedded
            return source.span(locate(start), locate(end))
        return self.source.span(start, end)

    def field(self, path: FieldPath) -> FieldPath:
        return (*self.prefix, *path)


def looks_like_apparmor(text: str) -> bool:
    """Whether the text has an AppArmor profile header at the start of a line (`profile NAME ... {`,
    `/path/to/program {`): YAML and JSON have none. (Candidate lines are found in one pass of a
    regular expression: this runs on every input.)"""
    first = _FIRST_CHARACTER.search(text)
    if first is None or first.group() in "{[":
        return False
    for start in _lines_starting_as_header(text):
        end = text.find("\n", start)
        line = text[start:end if end >= 0 else len(text)]
        if HEADER_START.match(line) and line.split("#", 1)[0].rstrip().endswith("{"):
            return True
    return False


def _lines_starting_as_header(text: str) -> Iterator[int]:
    """Where each line that starts with one of `HEADER_STARTS` starts."""
    if text.startswith(HEADER_STARTS):
        yield 0
    for newline in _NEWLINE_BEFORE_HEADER_START.finditer(text):
        yield newline.end()


def split_words(text: str) -> list[str]:
    """Whitespace-separated words, keeping quoted strings, `(...)` lists and `{...}` alternations whole."""
    words: list[str] = []
    current = ""
    depth = 0
    quoted = False
    for char in text:
        if quoted:
            current += char
            quoted = char != '"'
            continue
        if char == '"':
            quoted = True
        elif char in "({":
            depth += 1
        elif char in ")}" and depth:
            depth -= 1
        if char.isspace() and depth == 0:
            if current:
                words.append(current)
            current = ""
            continue
        current += char
    if current:
        words.append(current)
    return words


def unquote(word: str) -> str:
    return word[1:-1] if len(word) >= 2 and word[0] == word[-1] == '"' else word


@dataclass
class _Block:
    profile: AppArmorProfile | None  # None at the top level
    qualifiers: frozenset[str]
    start: int
    what: str  # "profile", "block"


def parse(source: Source) -> list[AppArmorProfile]:
    """Every profile of the file, in order of their headers; AppArmorSyntaxError at the first error."""
    return _Parser(source).parse()


class _Parser:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.text = source.text
        self.profiles: list[AppArmorProfile] = []
        self.variables: dict[str, list[str]] = {}
        self.top_includes: list[str] = []
        self.stack: list[_Block] = [_Block(None, frozenset(), 0, "top")]

    def parse(self) -> list[AppArmorProfile]:
        text, length = self.text, len(self.text)
        position = 0
        statement_start: int | None = None
        pieces: list[str] = []  # the statement's text, comments left out
        depth = 0  # of `{a,b}` alternations and `(a,b)` lists within the statement
        while position < length:
            char = text[position]
            if statement_start is None:
                if char.isspace():
                    position += 1
                    continue
                if char == "#" and not text.startswith("#include", position):
                    position = self.line_end(position)
                    continue
                if INCLUDE.match(text, position) or VARIABLE.match(text, position):
                    end = self.line_end(position)
                    self.line_statement(text[position:end].split("#", 1)[0].strip()
                                        if not text.startswith("#include", position)
                                        else text[position:end].strip(), position)
                    position = end
                    continue
                if char == "}":
                    self.close(position)
                    position += 1
                    continue
                statement_start = position
            if char == "#":  # a comment to the end of the line
                position = self.line_end(position)
                continue
            if char == '"':
                end = text.find('"', position + 1)
                if end < 0 or "\n" in text[position:end]:
                    raise AppArmorSyntaxError("unterminated quoted string", position)
                pieces.append(text[position:end + 1])
                position = end + 1
                continue
            if char == "{":
                rest = text[position + 1:self.line_end(position)].strip()
                if depth == 0 and (not rest or rest.startswith("#")):
                    self.open("".join(pieces).strip(), statement_start, position + 1)
                    statement_start, pieces = None, []
                    position += 1
                    continue
                depth += 1
            elif char == "}":
                if depth == 0:
                    raise AppArmorSyntaxError("missing ',' at the end of the rule before '}'",
                                              self.trimmed_end(statement_start, position))
                depth -= 1
            elif char == "(":
                depth += 1
            elif char == ")" and depth:
                depth -= 1
            elif char == "," and depth == 0:
                self.statement("".join(pieces).strip(), statement_start, position + 1)
                statement_start, pieces = None, []
                position += 1
                continue
            pieces.append(char)
            position += 1
        if statement_start is not None:
            raise AppArmorSyntaxError("missing ',' at the end of the rule",
                                      self.trimmed_end(statement_start, length))
        if len(self.stack) > 1:
            block = self.stack[-1]
            what = f"profile {block.profile.name}" if block.what == "profile" and block.profile else "block"
            raise AppArmorSyntaxError(f"{what} is not closed (no matching '}}')", block.start)
        for profile in self.profiles:
            profile.variables = self.variables
        return self.profiles

    def line_end(self, position: int) -> int:
        end = self.text.find("\n", position)
        return len(self.text) if end < 0 else end

    def trimmed_end(self, start: int, end: int) -> int:
        """The end of the statement's last word (comments and blank lines after it left out)."""
        lines = self.text[start:end].split("\n")
        offset = start
        last = start
        for line in lines:
            code = line.split("#", 1)[0].rstrip()
            if code:
                last = offset + len(code)
            offset += len(line) + 1
        return last

    def line_statement(self, statement: str, start: int) -> None:
        match = VARIABLE.match(statement)
        if match:
            values = split_words(statement[match.end():])
            name = match.group(1)
            if "+=" in statement[:match.end()]:
                self.variables.setdefault(name, []).extend(values)
            else:
                self.variables[name] = values
            return
        include = statement.removeprefix("#").removeprefix("include").strip()
        include = include.removeprefix("if exists").strip()
        if not include:
            raise AppArmorSyntaxError("include needs a file (<abstractions/base> or \"path\")", start)
        block = self.stack[-1]
        (block.profile.includes if block.profile else self.top_includes).append(include)

    def current_profile(self) -> AppArmorProfile | None:
        return self.stack[-1].profile

    def open(self, header: str, start: int, end: int) -> None:
        words = split_words(header)
        first = words[0] if words else ""
        outer = self.stack[-1]
        if first in QUALIFIERS or first in ("if", "else"):
            if outer.profile is None:
                raise AppArmorSyntaxError(f"a {first!r} block must be inside a profile", start)
            qualifiers = outer.qualifiers | {word for word in words if word in QUALIFIERS}
            self.stack.append(_Block(outer.profile, qualifiers, start, "block"))
            return
        name, attachment, flags, flags_span = self.header(words, header, start)
        if outer.profile is not None:
            name = f"{outer.profile.name}//{name}"
        profile = AppArmorProfile(self.source, name, start, self.trimmed_end(start, end), len(self.profiles),
                                  flags, flags_span, attachment)
        self.profiles.append(profile)
        self.stack.append(_Block(profile, frozenset(), start, "profile"))

    def header(self, words: list[str], header: str, start: int
               ) -> tuple[str, str | None, list[str], tuple[int, int] | None]:
        rest = list(words)
        if rest and rest[0] in ("profile", "hat"):
            rest.pop(0)
        elif rest and rest[0].startswith("^"):
            rest[0] = rest[0][1:]
        elif not rest or not rest[0].startswith(("/", '"/', "@{")):
            raise AppArmorSyntaxError(f"expected a profile ('profile NAME {{' or '/path/to/program {{'), not "
                                      f"{header.split(chr(10))[0][:40]!r}", start)
        if not rest or rest[0].startswith("flags="):
            raise AppArmorSyntaxError("the profile has no name", start)
        name = unquote(rest.pop(0))
        attachment = None
        if rest and rest[0].startswith(("/", '"/', "@{")):
            attachment = unquote(rest.pop(0))
        flags: list[str] = []
        flags_span = None
        match = re.search(r"flags\s*=\s*(\([^)]*\)|\S+)", self.text[start:self.line_end(start)])
        if match:
            flags = [flag for flag in re.split(r"[\s,]+", match.group(1).strip("()")) if flag]
            flags_span = (start + match.start(), start + match.end())
        return name, attachment, flags, flags_span

    def close(self, position: int) -> None:
        if len(self.stack) == 1:
            raise AppArmorSyntaxError("'}' without a profile to close", position)
        self.stack.pop()

    def statement(self, statement: str, start: int, end: int) -> None:
        block = self.stack[-1]
        words = split_words(statement)
        if block.profile is None:
            if words and words[0] in ("abi", "alias"):
                return
            raise AppArmorSyntaxError(f"rule outside a profile: {statement[:40]!r}", start)
        qualifiers = set(block.qualifiers)
        while words and (words[0] in QUALIFIERS or words[0].startswith("priority=")):
            qualifiers.add(words.pop(0))
        if not words:
            raise AppArmorSyntaxError("a rule needs more than qualifiers", start)
        first = words[0]
        if first in KEYWORDS:
            keyword = first
        elif first.startswith(("/", "@{", '"', "{", "**")) or PERMISSIONS.fullmatch(first):
            keyword = "file"  # a path rule (`/etc/** r`, `r /etc/**`)
        elif first.startswith("^"):
            keyword = "change_hat"
        else:
            raise AppArmorSyntaxError(f"unknown rule {first!r}", start + statement.find(first))
        block.profile.rules.append(AppArmorRule(statement, start, end, frozenset(qualifiers), keyword, words))


# --- path globs ---------------------------------------------------------------------------------


def expand_variables(glob: str, variables: dict[str, list[str]]) -> str:
    """`@{VAR}` replaced by its values as an alternation; an unknown variable matches nothing."""
    def value(match: re.Match[str]) -> str:
        values = variables.get(match.group(1)) or DEFAULT_VARIABLES.get(match.group(1))
        if not values:
            return "\0"
        return values[0] if len(values) == 1 else "{" + ",".join(values) + "}"

    for _ in range(5):  # variables may use variables
        expanded = re.sub(r"@\{(\w+)\}", value, glob)
        if expanded == glob:
            break
        glob = expanded
    return re.sub(r"/{2,}", "/", glob)


def glob_regex(glob: str) -> re.Pattern[str]:
    """An AppArmor path glob as a regular expression: `**` any path, `*` and `?` within a component,
    `[...]` classes and `{a,b}` alternations."""
    out = ""
    depth = 0
    index = 0
    while index < len(glob):
        char = glob[index]
        if glob.startswith("**", index):
            out += ".*"
            index += 2
            continue
        if char == "*":
            out += "[^/]*"
        elif char == "?":
            out += "[^/]"
        elif char == "[":
            end = glob.find("]", index + 2)
            if end < 0:
                out += re.escape(char)
            else:
                body = glob[index + 1:end]
                negated = body.startswith("^")
                body = body[1:] if negated else body
                out += "[" + ("^" if negated else "") + body.replace("\\", "\\\\").replace("[", "\\[") + "]"
                index = end
        elif char == "{":
            out += "(?:"
            depth += 1
        elif char == "," and depth:
            out += "|"
        elif char == "}" and depth:
            out += ")"
            depth -= 1
        else:
            out += re.escape(char)
        index += 1
    out += ")" * depth
    try:
        return re.compile(out + r"\Z")
    except re.error:
        return re.compile(r"(?!)")


def literal_prefix(glob: str) -> str:
    """The part of a glob before its first pattern character."""
    match = re.search(r"[*?\[{\0]", glob)
    return glob[:match.start()] if match else glob


def path_and_permissions(rule: AppArmorRule) -> tuple[str | None, str]:
    """A file rule's path glob (None for a bare `file,`) and permissions (`rw`, `ix`...)."""
    words = [word for word in rule.words if word != "file"]
    if "->" in words:
        words = words[:words.index("->")]
    path = next((unquote(word) for word in words if word.startswith(("/", "@{", '"', "{", "**"))), None)
    permissions = next((word for word in words if PERMISSIONS.fullmatch(word)), "")
    return path, permissions


# --- names defined in a directory (for manifests' Localhost references) --------------------------


def profile_names(directory: str) -> set[str]:
    """The names of the profiles defined by the files of `directory` (and below), as a node loading
    them would know them; files that are not AppArmor profiles, or that do not parse, are skipped."""
    names: set[str] = set()
    for folder, folders, files in os.walk(directory):
        folders[:] = sorted(name for name in folders if not name.startswith("."))
        for name in sorted(files):
            path = os.path.join(folder, name)
            try:
                with open(path, "rb") as handle:
                    source = Source.from_bytes(path, handle.read(2_000_000))
                if looks_like_apparmor(source.text):
                    names.update(profile.name for profile in parse(source))
            except (OSError, ValueError, AppArmorSyntaxError):
                continue
    return names

