"""The Simplified Chinese catalogue stays complete: every entry translated, none fuzzy,
and every translation keeps the named placeholders of its source string."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

PO_FILE = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(([^)]+)\)[a-zA-Z]")
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


@dataclass
class Entry:
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def is_plural(self) -> bool:
        return "msgid_plural" in self.fields

    def translations(self) -> list[str]:
        if self.is_plural:
            forms = sorted(k for k in self.fields if k.startswith("msgstr["))
            return [self.fields[k] for k in forms] or [""]
        return [self.fields.get("msgstr", "")]


def parse_po(text: str) -> list[Entry]:
    """A small .po reader: comments, flags, keywords and continued strings; obsolete
    (#~) entries are skipped. Strings are kept in their quoted (escaped) form, joined."""
    entries: list[Entry] = []
    entry, key = Entry(), None

    def flush() -> None:
        nonlocal entry, key
        if "msgid" in entry.fields:
            entries.append(entry)
        entry, key = Entry(), None

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#,"):
            if key is not None and key.startswith("msgstr"):
                flush()
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
        elif line.startswith("#"):
            if key is not None and key.startswith("msgstr"):
                flush()
        elif match := KEYWORD.match(line):
            if match.group(1) in ("msgctxt", "msgid") and key is not None \
                    and key.startswith("msgstr"):
                flush()
            key = match.group(1)
            entry.fields[key] = match.group(2)[1:-1]
        elif line.startswith('"') and key is not None:
            entry.fields[key] += line[1:-1]
        else:
            raise AssertionError(f"unreadable line in {PO_FILE.name}: {raw!r}")
    flush()
    return entries


def catalogue() -> list[Entry]:
    entries = [e for e in parse_po(PO_FILE.read_text(encoding="utf-8")) if e.msgid]
    assert len(entries) > 100, f"too few entries read from {PO_FILE}"
    return entries


def listing(msgids: list[str]) -> str:
    return f"{len(msgids)} entries:\n" + "\n".join(f"  {m!r}" for m in msgids)


def test_parser_reads_plural_and_multiline_entries():
    sample = (
        'msgid ""\nmsgstr "Language: zh_Hans\\n"\n\n'
        '#: a.py:1\n#, fuzzy, python-format\n#| msgid "old"\n'
        'msgid ""\n"Two "\n"lines %(n)s"\nmsgstr "两行"\n\n'
        'msgid "%(n)s thing"\nmsgid_plural "%(n)s things"\nmsgstr[0] ""\n'
        '#~ msgid "gone"\n#~ msgstr "没了"\n'
    )
    header, multi, plural = parse_po(sample)
    assert header.msgid == ""
    assert multi.msgid == "Two lines %(n)s" and multi.fields["msgstr"] == "两行"
    assert {"fuzzy", "python-format"} <= multi.flags
    assert plural.is_plural and plural.translations() == [""]


def test_every_entry_is_translated():
    missing = [e.msgid for e in catalogue() if not all(e.translations())]
    assert not missing, "untranslated in zh_Hans: " + listing(missing)


def test_no_entry_is_fuzzy():
    fuzzy = [e.msgid for e in catalogue() if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy in zh_Hans (review, fix, drop the flag): " + listing(fuzzy)


def test_translations_keep_the_placeholders():
    wrong = []
    for entry in catalogue():
        expected = set(PLACEHOLDER.findall(entry.msgid))
        if entry.is_plural:
            expected |= set(PLACEHOLDER.findall(entry.fields["msgid_plural"]))
        for text in entry.translations():
            if text and set(PLACEHOLDER.findall(text)) != expected:
                wrong.append(entry.msgid)
                break
    assert not wrong, "placeholders differ from the source in zh_Hans: " + listing(wrong)
