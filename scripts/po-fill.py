"""Fill empty msgstr entries of a .po file from a Python dict of translations.

Usage: python scripts/po-fill.py PO_FILE TRANSLATIONS_PY
(TRANSLATIONS_PY defines ZH = {msgid: msgstr} and PLURALS = {msgid: [msgstr0, ...]}.)
Prints the msgids still untranslated. Used when adding strings; makemessages keeps the rest.
"""

import re
import runpy
import sys
from pathlib import Path


def unquote(block: str) -> str:
    return "".join(line.strip()[1:-1] for line in block.strip().splitlines())


def quote(text: str) -> str:
    return '"' + text + '"'


def main(po_path: str, table_path: str) -> None:
    table = runpy.run_path(table_path)
    singles, plurals = table.get("ZH", {}), table.get("PLURALS", {})
    text = Path(po_path).read_text(encoding="utf-8")
    missing = []

    def single(match: re.Match) -> str:
        head, msgid, msgstr = match.group(1), unquote(match.group(2)), unquote(match.group(3))
        if msgid and not msgstr:
            if msgid in singles:
                msgstr = singles[msgid]
            else:
                missing.append(msgid)
        return f"{head}msgid {match.group(2).strip()}\nmsgstr {quote(msgstr)}\n"

    def plural(match: re.Match) -> str:
        msgid = unquote(match.group(1))
        forms = plurals.get(msgid)
        if forms is None:
            if 'msgstr[0] ""' in match.group(0):
                missing.append(msgid)
            return match.group(0)
        return (f"msgid {match.group(1).strip()}\nmsgid_plural {match.group(2).strip()}\n"
                + "".join(f"msgstr[{i}] {quote(f)}\n" for i, f in enumerate(forms)))

    text = re.sub(r'msgid ((?:".*"\n)+)msgid_plural ((?:".*"\n)+)(?:msgstr\[\d+\] "(?:.*)"\n)+',
                  plural, text)
    text = re.sub(r'((?:#.*\n)*)msgid ((?:".*"\n)+)msgstr ((?:".*"\n)+)', single, text)
    Path(po_path).write_text(text, encoding="utf-8")
    for msgid in missing:
        print("untranslated:", msgid)


if __name__ == "__main__":
    main(*sys.argv[1:3])
