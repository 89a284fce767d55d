"""The message catalogues: every string the UI shows comes from them, in both languages."""

from __future__ import annotations

import json
import re
from pathlib import Path

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
# t("key") and data-i18n*="key" in the sources; dynamic keys (t(`rule.${x}`)) by prefix.
LITERAL = re.compile(
    r"""(?:\bt\(|data-i18n(?:-placeholder|-title)?"?:\s*|titleKey:\s*)["']([a-z_.A-Z-]+)["']"""
)
DYNAMIC = re.compile(r"""\bt\(`([a-z_]+)\.\$\{""")


def catalogue(lang: str) -> dict[str, str]:
    return json.loads((FRONTEND / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))


def sources() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (FRONTEND / "src").rglob("*.js"))


def test_both_languages_have_the_same_keys_and_no_blank_text() -> None:
    zh, en = catalogue("zh-CN"), catalogue("en")
    assert zh.keys() == en.keys()
    assert all(v.strip() for v in [*zh.values(), *en.values()])


def test_every_key_the_code_uses_is_in_the_catalogue() -> None:
    keys = set(catalogue("zh-CN"))
    used = set(LITERAL.findall(sources()))
    assert used, "the pattern finds the keys"
    assert used - keys == set()
    prefixes = set(DYNAMIC.findall(sources()))
    assert {"rule", "status", "severity", "action", "lang", "role"} <= prefixes
    for prefix in prefixes:
        assert any(k.startswith(prefix + ".") for k in keys), prefix


def test_the_chinese_catalogue_is_chinese_and_the_english_one_english() -> None:
    zh, en = catalogue("zh-CN"), catalogue("en")
    cjk = re.compile(r"[\u4e00-\u9fff]")
    assert cjk.search(zh["alerts.title"]) and not cjk.search(en["alerts.title"])
    translated = [k for k in zh if zh[k] != en[k]]
    assert len(translated) > 0.8 * len(zh)
    assert not any(cjk.search(v) for k, v in en.items() if not k.startswith("lang."))


def test_a_missing_key_is_caught() -> None:
    keys = set(catalogue("en"))
    assert set(LITERAL.findall('t("no.such.key")')) - keys == {"no.such.key"}
