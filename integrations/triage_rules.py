r"""Deterministic triage from patterns and keywords: the embedded default when no LLM is configured.

Every intent has weighted patterns; the best-scoring intent wins and its confidence says how
clearly it won (strength of evidence and margin over the runner-up), capped below certainty
because keyword matching is never certain. No match at all gives `other` with a low confidence,
so routing escalates instead of guessing. Same text in, same result out: the eval set relies on it.

Every pattern here runs on customer text, so every one is compiled with RE2 (`re2`), whose
matching time is linear in the text whatever the pattern: Python's backtracking `re` took hours
on a 20,000-character run of spaces after "order". RE2's `\b`, `\s` and `\d` are ASCII-only, so
the text is first folded (Unicode spaces to " ", curly apostrophes to "'") and the few patterns
that end in a non-ASCII letter say so explicitly. The pattern sources are kept as plain strings
(`pattern_sources`) so tests can check RE2 agrees with Python's `re` on the same sources.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import re2

from policies.triage_schema import (
    INTENTS,
    Intent,
    Sentiment,
    Signal,
    TriageEntities,
    TriageResult,
    Urgency,
)

ENGINE = "rules"
MAX_CONFIDENCE = 0.92
NO_MATCH_CONFIDENCE = 0.3


# re2 ships no type stubs; its compiled patterns have the `re.Pattern` methods used here.
LinearPattern = Any


def linear(source: str, ignore_case: bool = True) -> LinearPattern:
    """An RE2 pattern; case-insensitive unless the source scopes case itself with `(?i:...)`."""
    return re2.compile(f"(?i){source}" if ignore_case else source)


@dataclass(frozen=True)
class Pattern:
    source: str
    weight: float = 1.0
    ignore_case: bool = True
    regex: LinearPattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "regex", linear(self.source, self.ignore_case))


def _p(pattern: str, weight: float = 1.0, ignore_case: bool = True) -> Pattern:
    return Pattern(pattern, weight, ignore_case)


# A threat of legal action. Any lawyer named in a support ticket is treated as one: the cost of
# asking a person is small, the cost of an automated reply to a legal threat is not. A chargeback
# is a bank dispute, not a legal threat: it has its own signal.
LEGAL_THREATS: list[Pattern] = [
    _p(
        r"\b(lawyers?|attorneys?|solicitors?|legal (counsel|representative|team|advisers?|advisors?))\b"
    ),
    _p(
        r"\b(law ?suits?|class[- ]action|legal (action|proceedings?|steps|claim|case)|litigation)\b"
    ),
    _p(r"\b(suing|sued|sue (you|your|u|ur)|see you in court|small[- ]claims?)\b"),
    # "I will sue": the verb after a subject, a modal or an intention. Case-sensitive on "sue"
    # because a title-case "Sue" there is a person ("Will Sue call me back?").
    _p(
        r"(?i:\b(i|we|they|i'?ll|we'?ll|will|would|shall|could|can|may|might|gonna|and|or|i'?d|we'?d"
        r"|(going|want|wants|plan|planning|intend|prepared|ready|about|threaten(ed|ing)?|decided"
        r"|have|happy|not afraid) to)\s+(also\s+|just\s+|definitely\s+|absolutely\s+|now\s+)?)"
        r"(sue|SUE)\b",
        ignore_case=False,
    ),
    _p(r"\b(sue|SUE)\s+(?i:(the|this|them|over|for|everyone|anyone))\b", ignore_case=False),
    _p(
        r"\b(take|taking|took|bring|bringing|drag|dragging|see|seeing|meet)\b[^.?!]{0,25}"
        r"\b(to|in|into|before (a|the))\s+court\b"
    ),
    _p(r"\bcourt (case|action|claim|order|proceedings?)\b|\bcease and desist\b"),
]
REGULATOR_THREATS: list[Pattern] = [
    _p(r"\b(consumer protection|trading standards|regulator|ombudsman)\b", 3.0),
]


INTENT_PATTERNS: dict[Intent, list[Pattern]] = {
    "refund_request": [
        _p(r"\brefund(ed|s)?\b", 2.0),
        _p(r"\b(money|cash) back\b", 2.5),
        # A first-person demand ("I'd like a refund") rather than a question about refunds.
        _p(
            r"\b(i|we)\b[^.?!]{0,12}\b(want|like|need|request(ing)?|demand|expect)\b"
            r"[^.?!]{0,30}\b(refund|money back)",
            2.0,
        ),
        _p(r"\brefund me\b|\bplease refund\b|\brefund (this|my|the) order\b", 2.0),
        _p(r"\breimburse(ment)?\b", 2.0),
        _p(r"\b(return|send back)\b[^.?!]{0,40}\b(order|item|it|this)\b", 1.0),
        _p(
            (
                r"\b(broken|damaged|defective|wrong (item|size|colou?r)"
                r"|doesn'?t work|stopped working)\b"
            ),
            1.0,
        ),
        _p(
            r"\b(reembolso|remboursement|r[üu]ckerstattung|erstattung|rimborso|terugbetaling)\b",
            3.0,
        ),
    ],
    "order_status": [
        _p(r"\bwhere('?s| is)\b[^.?!]{0,20}\b(order|package|parcel|stuff|delivery)\b", 3.0),
        _p(r"\border status\b|\bstatus of (my|the) order\b", 3.0),
        _p(
            (
                r"\b(has ?n[o']?t|not|never|still not|yet to)\b[^.?!]{0,15}"
                r"\b(arrived|received|shipped|come|delivered)\b"
            ),
            2.5,
        ),
        _p(r"\btracking\b", 1.5),
        _p(r"\bwhen will (my|the) (order|package|parcel|item)", 2.5),
        # RE2's \b is ASCII-only: after "á" there is no boundary to find, so none is asked for.
        _p(r"\bd[oó]nde est(a\b|á)|\b(o[uù] est|wo ist)\b", 2.0),
    ],
    "shipping": [
        _p(r"\bship(ping)? (to|cost|costs|fee|fees|rate|rates|option|options|time|times)\b", 2.5),
        _p(r"\bdo you (ship|deliver)\b", 3.0),
        _p(r"\b(international|express|overnight|next[- ]day|standard) (shipping|delivery)\b", 2.5),
        _p(r"\bdelivery (time|times|date|options?|address)\b", 2.0),
        _p(r"\bchange (the |my )?(shipping|delivery) address\b", 3.0),
        _p(r"\b(customs|import dut(y|ies)|courier|carrier|p\.?o\.? box)\b", 1.5),
        _p(r"\bfree shipping\b", 2.0),
    ],
    "billing_question": [
        _p(r"\b(invoice|receipt|billing|billed|vat|tax id)\b", 2.0),
        _p(r"\b(charged|billed) (me )?(twice|two times|double|two)\b|\bdouble[- ]charged?\b", 3.0),
        _p(r"\bsubscription|\brenewal|\bplan\b|\bupgrade\b|\bdowngrade\b", 1.5),
        _p(r"\b(update|change) (my )?(card|payment method|billing)", 2.5),
        _p(r"\bpayment (failed|declined|didn'?t go through)\b|\bcard (was )?declined\b", 2.5),
        _p(r"\b(charge|transaction) on my (card|statement|account)\b", 2.0),
        _p(r"\bcharged\b", 1.0),
    ],
    "account_access": [
        _p(
            (
                r"\b(can'?t|cannot|can not|unable to|couldn'?t)"
                r"\b[^.?!]{0,15}\b(log ?in|sign ?in|access)\b"
            ),
            3.0,
        ),
        _p(r"\blocked out\b|\baccount (is |was |got )?(locked|disabled|suspended)\b", 3.0),
        _p(r"\b(reset|forgot|forgotten)\b[^.?!]{0,12}\bpassword\b", 3.0),
        _p(r"\b(2fa|two[- ]factor|verification code|authenticator|one[- ]time code)\b", 2.0),
        _p(r"\bchange (the )?(email|e-mail|phone number|owner)\b[^.?!]{0,25}\baccount\b", 2.5),
        _p(r"\b(login|log-in|sign-in) (link|email|page)\b", 1.5),
    ],
    "how_to": [
        _p(
            (
                # Subject or body opening with a question ((?m): each line can open one).
                r"(?m)^\s*(hi|hello|hey)?[,!.\s]*(how (do|can|would|long|much)|what('?s| is| are)"
                r"|can i|do you|is it possible|where (do|can)|when (do|does|can))\b"
            ),
            2.0,
        ),
        _p(r"\bhow (do|can) (i|we|you)\b|\bhow to\b", 2.0),
        _p(r"\bhow long (does|do|will)\b", 2.0),
        _p(r"\b(policy|policies|faq|help (article|center))\b", 1.0),
        _p(r"\bis there a way\b|\bwhere can i find\b|\bdo you (offer|have|accept|sell)\b", 2.0),
        _p(
            r"\bgift card|\bgift wrap|\bstore credit\b|\bexchange\b|\bsize guide\b|\bwarranty\b",
            1.0,
        ),
    ],
    "complaint": [
        _p(r"\b(terrible|awful|horrible|worst|unacceptable|disgusting|appalling|pathetic)\b", 2.0),
        _p(r"\b(disappointed|disappointing|frustrated|fed up|annoyed|upset)\b", 1.5),
        _p(r"\b(rude|unprofessional|poor service|bad service|customer service)\b", 2.0),
        _p(r"\b(complain|complaint|never (again|ordering|buying|shopping))\b", 2.5),
        _p(r"\bnobody (replied|answered|helps?)\b|\bno one (replied|answered|helps?)\b", 2.0),
    ],
    "legal": [
        *(_p(p.source, 3.5, p.ignore_case) for p in LEGAL_THREATS),
        _p(r"\b(gdpr|ccpa|data protection|subject access request|right to be forgotten)\b", 3.5),
        _p(r"\b(delete|erase|export) (all )?(my )?(personal )?data\b", 3.0),
        *REGULATOR_THREATS,
    ],
    "security": [
        _p(r"\b(hacked|compromised|breach(ed)?|phishing|scam email|stolen account)\b", 3.5),
        _p(
            (
                r"\b(suspicious|unknown|unrecogni[sz]ed)\b[^.?!]{0,20}"
                r"\b(login|log-in|activity|email|sign-in|device)\b"
            ),
            3.0,
        ),
        _p(
            (
                r"\bunauthori[sz]ed\b[^.?!]{0,20}\b(login|access|charge|purchase|order|transaction)"
                r"s?\b"
            ),
            3.0,
        ),
        _p(r"\bsomeone (else )?(logged|accessed|used|ordered|changed)\b", 2.5),
        _p(r"\bfraud(ulent)?\b|\bidentity theft\b", 2.5),
    ],
    "human_request": [
        _p(
            (
                r"\b(speak|talk|chat) (to|with)\b[^.?!]{0,15}"
                r"\b(human|person|agent|manager|supervisor|someone|representative|people)\b"
            ),
            4.0,
        ),
        _p(r"\b(real|actual|live) (human|person|agent)\b", 4.0),
        _p(r"\bhuman (agent|being|please)\b|\brepresentative\b|\bcall me\b", 3.0),
        _p(r"\b(hablar con una persona|parler [àa] un humain|mit einem menschen)\b", 4.0),
    ],
}

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
    ],
}
SIGNAL_PATTERNS: dict[Signal, list[Pattern]] = {
    signal: [p if isinstance(p, Pattern) else _p(p) for p in patterns]
    for signal, patterns in _SIGNAL_SOURCES.items()
}

NEGATIVE_WORDS = _p(
    r"\b(disappointed|unhappy|annoyed|frustrat\w*|upset|broken|damaged|defective|late|"
    r"missing|wrong|problem|issue|still|again|never|worse|poor|bad|waste)\b"
)
ANGRY_WORDS = _p(
    r"\b(furious|outraged|ridiculous|unacceptable|disgusting|scam|scammers|thieves|worst|"
    r"pathetic|incompetent|useless|damn|hell|wtf|fed up|sick of|livid|awful|terrible)\b"
)
POSITIVE_WORDS = _p(r"\b(thanks|thank you|great|love|awesome|appreciate|happy)\b")
URGENT_WORDS = _p(
    r"\b(urgent(ly)?|asap|immediately|right now|today|emergency|as soon as possible)\b"
)
SHOUTED_WORD = _p(r"\b[A-Z]{4,}\b", ignore_case=False)
SENTENCE_END = _p(r"[.!?]\s|\n", ignore_case=False)

ORDER_PATTERNS = [
    _p(r"\bord[_-]?(\d{3,10})\b"),
    _p(r"#\s?(\d{3,10})\b", ignore_case=False),
    _p(r"\border\s*(?:number|no\.?|num|id)?\s*[:#]?\s*(\d{4,10})\b"),
]
# \pL\pN instead of \w: RE2's \w is ASCII-only and addresses may not be.
EMAIL_PATTERN = _p(r"\b[\pL\pN_.+-]+@[\pL\pN_-]+(?:\.[\pL\pN_-]+)+\b", ignore_case=False)
AMOUNT_PATTERN = _p(
    r"(?:[$€£]\s?\d[\d,]*(?:\.\d{1,2})?(?:\s?k\b)?"
    r"|\b\d[\d,]*(?:\.\d{1,2})?\s?(?:usd|eur|gbp|dollars|euros|pounds|bucks)\b)"
)

# Spaces RE2's \s does not know (no-break, em, ideographic, ...) become " ", typographic
# apostrophes become "'", so a curly "I'll sue" and "order<no-break space>5001" still match.
_FOLD = {c: " " for c in range(0x80, 0x3001) if chr(c).isspace()} | {0x2018: "'", 0x2019: "'"}


def fold_text(text: str) -> str:
    return text.translate(_FOLD)


def pattern_sources() -> list[Pattern]:
    """Every pattern the rules engine runs on ticket text."""
    intents = [p for patterns in INTENT_PATTERNS.values() for p in patterns]
    signals = [p for patterns in SIGNAL_PATTERNS.values() for p in patterns]
    words = [NEGATIVE_WORDS, ANGRY_WORDS, POSITIVE_WORDS, URGENT_WORDS, SHOUTED_WORD]
    entities = [*ORDER_PATTERNS, EMAIL_PATTERN, AMOUNT_PATTERN]
    return [*intents, *signals, *words, SENTENCE_END, *entities]


STOPWORDS: dict[str, set[str]] = {
    "en": {"the", "and", "is", "my", "i", "you", "it", "to", "of", "for", "have", "not", "was"},
    "es": {"el", "la", "de", "que", "y", "mi", "no", "es", "un", "una", "por", "para", "con"},
    "fr": {"le", "la", "de", "et", "je", "mon", "ma", "pas", "est", "un", "une", "pour", "avec"},
    "de": {"der", "die", "das", "und", "ich", "mein", "meine", "nicht", "ist", "ein", "eine"},
    "pt": {"o", "a", "de", "que", "e", "meu", "minha", "não", "um", "uma", "para", "com"},
    "it": {"il", "la", "di", "che", "e", "mio", "mia", "non", "è", "un", "una", "per", "con"},
    "nl": {"de", "het", "en", "ik", "mijn", "niet", "is", "een", "voor", "met", "van"},
}

INTENT_LABELS: dict[Intent, str] = {
    "refund_request": "Refund request",
    "order_status": "Order status",
    "shipping": "Shipping question",
    "billing_question": "Billing question",
    "account_access": "Account access",
    "how_to": "How-to question",
    "complaint": "Complaint",
    "legal": "Legal matter",
    "security": "Security concern",
    "human_request": "Asks for a person",
    "other": "Unclassified",
}


def score_intents(text: str) -> dict[Intent, float]:
    """Sum of the weights of every pattern that matches, per intent."""
    scores: dict[Intent, float] = {intent: 0.0 for intent in INTENTS}
    for intent, patterns in INTENT_PATTERNS.items():
        scores[intent] = sum(p.weight for p in patterns if p.regex.search(text))
    return scores


def _pick_intent(scores: dict[Intent, float], has_order: bool) -> tuple[Intent, float]:
    # A named order makes a refund demand concrete; a bare question about refunds is a how-to.
    if has_order and scores["refund_request"] > 0:
        scores = {**scores, "refund_request": scores["refund_request"] + 1.5}
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], INTENTS.index(kv[0])))
    (best, top), (_, second) = ranked[0], ranked[1]
    if top <= 0:
        return "other", NO_MATCH_CONFIDENCE
    strength = 1.0 - math.exp(-top / 3.0)
    margin = (top - second) / top
    confidence = 0.35 + 0.6 * strength * (0.4 + 0.6 * margin)
    return best, round(min(confidence, MAX_CONFIDENCE), 2)


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


# Emails and amounts are informational (an agent reads them); the first ones are enough, and a
# body of thousands of "$1" should not put thousands of entries into history.
MAX_INFORMATIONAL_MATCHES = 50


def _first(pattern: Pattern, text: str) -> Iterator[Any]:
    return itertools.islice(pattern.regex.finditer(text), MAX_INFORMATIONAL_MATCHES)


def extract_entities(text: str) -> TriageEntities:
    orders: list[str] = []
    for pattern in ORDER_PATTERNS:
        orders += [f"ord_{m.group(1)}" for m in pattern.regex.finditer(text)]
    return TriageEntities(
        order_ids=list(dict.fromkeys(orders)),
        emails=list(dict.fromkeys(m.group(0) for m in _first(EMAIL_PATTERN, text))),
        amounts_mentioned=list(
            dict.fromkeys(m.group(0).strip() for m in _first(AMOUNT_PATTERN, text))
        ),
    )


def first_sentence(text: str) -> str:
    """Up to the first sentence end (kept) or line break (dropped)."""
    end = SENTENCE_END.regex.search(text)
    if end is None:
        return text
    cut = end.start()
    return text[:cut] if text[cut] == "\n" else text[: cut + 1]


def summarize(intent: Intent, entities: TriageEntities, subject: str, body: str) -> str:
    first = first_sentence(body.strip())
    gist = (subject.strip() or first or "(empty ticket)")[:140]
    orders = f" [{', '.join(entities.order_ids[:3])}]" if entities.order_ids else ""
    return f"{INTENT_LABELS[intent]}{orders}: {gist}"[:240]


def triage_by_rules(subject: str, body: str) -> TriageResult:
    """Classify one ticket from its subject and body."""
    subject, body = fold_text(subject), fold_text(body)
    text = f"{subject}\n{body}".strip()
    entities = extract_entities(text)
    intent, confidence = _pick_intent(score_intents(text), bool(entities.order_ids))
    signals = detect_signals(text)
    sentiment = detect_sentiment(text)
    return TriageResult(
        intent=intent,
        confidence=confidence,
        urgency=detect_urgency(intent, sentiment, signals, text),
        sentiment=sentiment,
        language=detect_language(text),
        signals=signals,
        entities=entities,
        summary=summarize(intent, entities, subject, body),
        engine=ENGINE,
    )
