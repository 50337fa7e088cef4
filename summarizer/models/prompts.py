"""What an instruction model is asked, and how its answer becomes a clean summary. Pure Python, no model.

The request names the length as a number of sentences and the language to write in, and
asks for plain text. Small models still open with a preamble ("Here is a summary of the
article:"), use Markdown (headings, bullets, bold) or close with a remark; `clean_summary`
removes those, so that what remains is the summary's own sentences as one paragraph.
A base model (no chat template) gets the article and a "Summary" cue as plain text.
"""

from __future__ import annotations

import re

from ..languages import LANGUAGES
from ..text.splitting import join_sentences, split_sentences


def language_name(code: str) -> str:
    """The English name of a language ("fr" -> "French"), for the instruction."""
    return LANGUAGES[code].name if code in LANGUAGES else code


def summary_instruction(text: str, language: str, sentences: int, *, again: bool = False) -> str:
    """The user turn that asks for a summary of `text` in `language`, at most `sentences` sentences long.
    `again` (after an answer in another language): the language is said once more after the article, where a
    small model still attends to it, with its own name."""
    count = "one sentence" if sentences == 1 else f"at most {sentences} sentences"
    asked = (f"Summarize the following news article in {count}, written in {language_name(language)}. Keep names, "
             f"numbers and dates exactly as the article gives them. Reply with the summary only, as plain text.\n\n"
             f"Article:\n{text}")
    if again:
        native = LANGUAGES[language].native if language in LANGUAGES else language_name(language)
        asked += f"\n\nWrite the summary in {language_name(language)} ({native}) only."
    return asked


def plain_prompt(text: str, language: str, sentences: int) -> str:
    """For a base model without a chat template: the article, then a cue its continuation is the summary."""
    return f"Article:\n{text}\n\nSummary of the article above in {sentences} sentences, in {language_name(language)}:\n"


# An opening that introduces the answer instead of being part of it: a short clause ending in a colon, led by
# words models use for that ("Here is a summary of the article:", "Sure! Here's the summary:", "Résumé :").
_PREAMBLE = re.compile(
    r"^\s*(?:(?:sure|certainly|of course|okay|ok)\b[^\n:]{0,40}?[.!,]\s*)?"
    r"(?:here(?:'s| is| are)|below is|this is|the following is|voici|voilà|aquí está|hier ist|ecco)\b[^\n:]{0,80}:\s*"
    r"|^\s*(?:summary|résumé|resumen|zusammenfassung|riassunto|resumo|samenvatting|summarised|summarized)"
    r"\s*(?:of the article|de l'article)?\s*:\s*",
    re.IGNORECASE)
_HEADING = re.compile(r"^\s*#{1,6}\s+.*$", re.MULTILINE)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d{1,2}[.)])\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
# A closing remark about the answer rather than the article ("Note: ...", "I hope this helps", "Let me know...").
_REMARK = re.compile(r"^\s*(?:\(?note\b|i hope\b|let me know\b|please note\b|(?:this|the) summary\b)", re.IGNORECASE)
_TERMINAL = ".!?。！？…"


def clean_summary(text: str, sentences: int | None = None, *, spaced: bool = True) -> tuple[str, bool]:
    """The summary without preamble, Markdown or closing remarks, as one paragraph of at most `sentences`
    sentences. Returns (text, whether sentences beyond the budget were dropped)."""
    text = _EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text.strip())
    text = _HEADING.sub("", text)
    text = _PREAMBLE.sub("", text, count=1).strip()
    lines = []
    for line in text.split("\n"):
        line = _BULLET.sub("", line).strip().strip("\"“”")
        if line and not (lines and _REMARK.match(line)):
            lines.append(line)
    # a bullet or a line without a full stop is a sentence of its own; the last line is left as it is, so that
    # a sentence the length limit cut stays recognisably unfinished
    lines = [line if line[-1] in _TERMINAL or index == len(lines) - 1 else line + "."
             for index, line in enumerate(lines)]
    sentences_out = [s for line in lines for s in split_sentences(line)]
    while len(sentences_out) > 1 and _REMARK.match(sentences_out[-1]):
        sentences_out.pop()
    over = sentences is not None and len(sentences_out) > sentences
    if over:
        sentences_out = sentences_out[:sentences]
    return join_sentences(sentences_out, spaced), over


# One sentence in each language an instruction model is asked to translate between: shown to the model as a
# worked example before the text (a small model follows an example far better than an instruction alone). It
# keeps the name and the number as they are written, as a translation of a summary must.
EXAMPLES = {
    "en": "The city council of Leeds approved 250 new homes on Tuesday, a spokesman said.",
    "fr": "Le conseil municipal de Leeds a approuvé mardi 250 nouveaux logements, a indiqué un porte-parole.",
    "de": "Der Stadtrat von Leeds hat am Dienstag 250 neue Wohnungen genehmigt, sagte ein Sprecher.",
    "es": "El ayuntamiento de Leeds aprobó el martes 250 viviendas nuevas, según dijo un portavoz.",
    "it": "Il consiglio comunale di Leeds ha approvato martedì 250 nuove abitazioni, ha detto un portavoce.",
    "pt": "A câmara municipal de Leeds aprovou na terça-feira 250 novas habitações, disse um porta-voz.",
    "nl": "De gemeenteraad van Leeds heeft dinsdag 250 nieuwe woningen goedgekeurd, zei een woordvoerder.",
    "pl": "Rada miasta Leeds zatwierdziła we wtorek 250 nowych mieszkań, poinformował rzecznik.",
    "ru": "Городской совет Leeds во вторник одобрил строительство 250 новых домов, сообщил представитель.",
    "uk": "Міська рада Leeds у вівторок схвалила будівництво 250 нових будинків, повідомив речник.",
    "zh": "一位发言人说，Leeds市议会周二批准了250套新住房。",
    "ja": "広報担当者によると、Leeds市議会は火曜日、250戸の新しい住宅を承認した。",
    "ko": "대변인에 따르면 Leeds 시의회는 화요일에 250채의 새 주택을 승인했다.",
    "tr": "Bir sözcünün açıklamasına göre Leeds belediye meclisi salı günü 250 yeni konutu onayladı.",
    "ar": "قال متحدث إن مجلس مدينة Leeds وافق يوم الثلاثاء على 250 منزلا جديدا.",
}


def translation_messages(text: str, source: str, target: str, *, again: bool = False) -> list[dict[str, str]]:
    """The chat that asks an instruction model to translate `text` from `source` into `target`: a system turn,
    a worked example where both languages have one, then the text. `again` (after an answer in the wrong
    language): the system turn and the request also say, in the target language's own name, what to write."""
    src, tgt = language_name(source), language_name(target)
    native = LANGUAGES[target].native if target in LANGUAGES else tgt
    system = (f"You translate {src} text into {tgt}. Keep every sentence, and keep names, numbers and dates exactly "
              "as they are written. Reply with the translation only.")
    ask = f"Translate into {tgt}:\n"
    if again:
        system += f" Your answer must be written in {tgt} ({native}), never in {src}."
        ask = f"Translate into {tgt} ({native}). Write only {tgt}:\n"
    messages = [{"role": "system", "content": system}]
    if source in EXAMPLES and target in EXAMPLES:
        messages += [{"role": "user", "content": ask + EXAMPLES[source]},
                     {"role": "assistant", "content": EXAMPLES[target]}]
    return [*messages, {"role": "user", "content": ask + text}]
