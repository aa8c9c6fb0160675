"""Signal detectors of the rules triage engine: escalation signals, sentiment, urgency, language."""

from __future__ import annotations

import itertools

from integrations.triage_patterns import INTENT_PATTERNS, LEGAL_THREATS, REGULATOR_THREATS, Pattern
from integrations.triage_request_words import ACCESS_CHANGE_REQUESTS, INSTRUCTIONS_TO_THE_ENGINE
from policies.triage_schema import Intent, Sentiment, Signal, Urgency

_SIGNAL_SOURCES: dict[Signal, list[str | Pattern]] = {
    "asks_for_human": list(INTENT_PATTERNS["human_request"]),
    "policy_exception": [
        r"\b(make|grant|allow) an exception\b",
        (
            r"\b(past|outside|after|beyond|over) (the )?(\d+[- ]day |return |refund )"
            r"?(window|deadline|period)\b"
        ),
        r"\bi know (it'?s|it is|this is|the)\b[^.?!]{0,30}\b(late|past|outside|over|expired)\b",
        r"\b(bend|waive) the (rules?|policy|fee)\b|\beven though\b[^.?!]{0,30}\b(policy|days)\b",
    ],
    "access_change": [
        r"\bchange (the )?(email|e-mail|phone number|owner|account holder)\b",
        (
            r"\btransfer (my |the )?account\b|\b(remove|disable|turn off|reset)"
            r" (the )?(2fa|two[- ]factor)\b"
        ),
        r"\badd (a )?(new )?(user|admin|administrator) to\b",
        *ACCESS_CHANGE_REQUESTS,
    ],
    "legal_threat": [*LEGAL_THREATS, *REGULATOR_THREATS],
    "security_concern": list(INTENT_PATTERNS["security"]),
    "chargeback_threat": [
        r"\bcharge ?back\b",
        r"\bdispute (the|this|it|that)\b[^.?!]{0,25}\b(charge|payment|bank|card)\b",
        r"\b(call|contact|report (you |this )?to) my (bank|card issuer|credit card company)\b",
    ],
    "prompt_injection": [
        (
            r"\b(ignore|disregard|forget|override|bypass)\b[^.?!]{0,30}"
            r"\b(rules?|instructions?|polic(y|ies)"
            r"|guidelines?|prompts?|limits?)\b"
        ),
        r"\b(system|developer) (prompt|message|mode)\b|\bjailbreak\b|\bdo anything now\b",
        r"\byou are now\b|\bact as (an? |the )?(admin|administrator|manager|supervisor|agent)\b",
        r"\bnew instructions?\b|\[/?(system|inst|admin)\]|</?(system|instructions?)>",
        (
            r"\b(approved?|authori[sz]ed?) by (the |your )?"
            r"(manager|admin|ceo|supervisor|support lead)\b"
        ),
        r"\b(auto[- ]?approve|pre[- ]?approved|skip (the )?(approval|review|checks?))\b",
        r"\bset (my |the )?(tier|status|amount|approver|limit)\b[^.?!]{0,20}\bto\b",
        *INSTRUCTIONS_TO_THE_ENGINE,
    ],
}
SIGNAL_PATTERNS: dict[Signal, list[Pattern]] = {
    signal: [p if isinstance(p, Pattern) else Pattern(p) for p in patterns]
    for signal, patterns in _SIGNAL_SOURCES.items()
}

NEGATIVE_WORDS = Pattern(
    r"\b(disappointed|unhappy|annoyed|frustrat\w*|upset|broken|damaged|defective|late|"
    r"missing|wrong|problem|issue|still|again|never|worse|poor|bad|waste)\b"
)
ANGRY_WORDS = Pattern(
    r"\b(furious|outraged|ridiculous|unacceptable|disgusting|scam|scammers|thieves|worst|"
    r"pathetic|incompetent|useless|damn|hell|wtf|fed up|sick of|livid|awful|terrible)\b"
)
POSITIVE_WORDS = Pattern(r"\b(thanks|thank you|great|love|awesome|appreciate|happy)\b")
URGENT_WORDS = Pattern(
    r"\b(urgent(ly)?|asap|immediately|right now|today|emergency|as soon as possible)\b"
)
SHOUTED_WORD = Pattern(r"\b[A-Z]{4,}\b", ignore_case=False)

STOPWORDS: dict[str, set[str]] = {
    "en": {"the", "and", "is", "my", "i", "you", "it", "to", "of", "for", "have", "not", "was"},
    "es": {"el", "la", "de", "que", "y", "mi", "no", "es", "un", "una", "por", "para", "con"},
    "fr": {"le", "la", "de", "et", "je", "mon", "ma", "pas", "est", "un", "une", "pour", "avec"},
    "de": {"der", "die", "das", "und", "ich", "mein", "meine", "nicht", "ist", "ein", "eine"},
    "pt": {"o", "a", "de", "que", "e", "meu", "minha", "não", "um", "uma", "para", "com"},
    "it": {"il", "la", "di", "che", "e", "mio", "mia", "non", "è", "un", "una", "per", "con"},
    "nl": {"de", "het", "en", "ik", "mijn", "niet", "is", "een", "voor", "met", "van"},
}


def detect_signals(text: str) -> list[Signal]:
    return [
        s for s, patterns in SIGNAL_PATTERNS.items() if any(p.regex.search(text) for p in patterns)
    ]


def _count(pattern: Pattern, text: str, upto: int = 2) -> int:
    """Matches up to `upto`: sentiment only asks "none, one, several?", and a body of 5,000
    repeated words should not cost 5,000 match objects to say "several"."""
    return sum(1 for _ in itertools.islice(pattern.regex.finditer(text), upto))


def _is_word_letter(char: str) -> bool:
    return "a" <= char <= "z" or "\u00e0" <= char <= "\u00ff"


def detect_sentiment(text: str) -> Sentiment:
    shouting = _count(SHOUTED_WORD, text) >= 2 or "!!" in text
    angry = _count(ANGRY_WORDS, text)
    negative = _count(NEGATIVE_WORDS, text)
    if angry >= 2 or (angry and shouting):
        return "angry"
    if angry or negative >= 2 or shouting:
        return "negative"
    if POSITIVE_WORDS.regex.search(text) and not negative:
        return "positive"
    return "neutral"


def detect_urgency(
    intent: Intent, sentiment: Sentiment, signals: list[Signal], text: str
) -> Urgency:
    if "security_concern" in signals or intent == "security":
        return "critical"
    if "legal_threat" in signals or "chargeback_threat" in signals or sentiment == "angry":
        return "high"
    if URGENT_WORDS.regex.search(text):
        return "high"
    if intent in ("how_to", "shipping") and sentiment in ("neutral", "positive"):
        return "low"
    return "normal"


def detect_language(text: str) -> str:
    words = "".join(c if _is_word_letter(c) else " " for c in text.lower()).split()
    counts = {lang: sum(w in stop for w in words) for lang, stop in STOPWORDS.items()}
    best = max(counts, key=lambda lang: (counts[lang], lang == "en"))
    return best if counts[best] > 0 else "en"
