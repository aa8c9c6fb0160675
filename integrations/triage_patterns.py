r"""The rules triage engine's vocabulary: weighted patterns per intent, and text folding.

Every pattern here runs on customer text, so every one is compiled with RE2 (`re2`), whose
matching time is linear in the text whatever the pattern: Python's backtracking `re` took hours
on a 20,000-character run of spaces after "order". RE2's `\b`, `\s` and `\d` are ASCII-only, so
the text is first folded (Unicode spaces to " ", curly apostrophes to "'") and the few patterns
that end in a non-ASCII letter say so explicitly. The pattern sources are kept as plain strings
(`pattern_sources` in `triage_rules`) so tests can check RE2 agrees with Python's `re` on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

from integrations.triage_request_words import ASKS_FOR_A_PERSON
from integrations.triage_security_words import SECURITY_REPORTS
from policies.triage_schema import Intent

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
    _p(r"\b(go|going|went) to (the )?court\b|\b(my|an) advocate\b"),
]
REGULATOR_THREATS: list[Pattern] = [
    _p(r"\b(consumer protection|trading standards|regulator|ombudsman)\b", 3.0),
    _p(
        r"\b(better business bureau|bbb|attorney general|consumer (affairs|council|rights"
        r" (agency|body|organi[sz]ation))|federal trade commission|ftc|cfpb"
        r"|financial conduct authority|fca)\b",
        3.0,
    ),
]


UNRECOGNISED_CHARGE = (
    r"\b(don'?t|do not|can'?t|cannot)\b[^.?!]{0,10}\brecogni[sz]e\b[^.?!]{0,25}"
    r"\b(charge|payment|transaction)s?\b"
)

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
    "signup": [
        _p(r"\b(sign|signing) (me |us )?up\b|\bsign-?up\b|\bbecome a customer\b", 3.0),
        _p(r"\b(upgrade|switch) (me |my |our )?(to|plan|line|contract|account)\b", 2.5),
        _p(
            r"\b(open|start|get|add) (a |an )?(new |second |another )?(account|line|sim|contract)\b",
            2.5,
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
        _p(r"\bsubscription|\brenewal|\bplan\b|\bupgrade\b|\bdowngrade\b", 1.5),
        _p(r"\b(update|change) (my )?(card|payment method|billing)", 2.5),
        _p(r"\bpayment (failed|declined|didn'?t go through)\b|\bcard (was )?declined\b", 2.5),
        _p(r"\b(charge|transaction) on my (card|statement|account)\b", 2.0),
        _p(r"\bcharged\b", 1.0),
    ],
    # A charge the customer says is wrong: the billing-dispute process looks for the error.
    "billing_dispute": [
        _p(r"\b(charged|billed) (me )?(twice|two times|double|two)\b|\bdouble[- ]charged?\b", 3.5),
        _p(r"\b(overcharged|charged (me )?(too much|more than|the wrong amount|extra))\b", 3.5),
        _p(r"\bwrong amount\b|\b(duplicate|second) charges?\b", 5.0),
        _p(r"\b(charged|billed)\b[^.?!]{0,40}\bafter (i |we )?(had )?(cancel|cancell?ed)", 3.5),
        _p(r"\bstill (being )?(charged|billed)\b", 3.0),
        _p(UNRECOGNISED_CHARGE, 3.5),
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
        _p(
            r"\b(delete|erase|remove|export)\b[^.?!]{0,30}\b(personal (data|information|"
            r"details)|(data|information) you (hold|have|store|keep))\b",
            3.0,
        ),
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
        _p(
            r"\b(card|login|password|account|details|credentials)\b[^.?!]{0,15}\b(was |were |got )?"
            r"stolen\b|\bstole my\b|\bwithout (my )?permission\b",
            3.0,
        ),
        _p(
            r"\bscam (text|message|sms|call|e-?mail|link)s?\b|\bbeing scammed\b"
            r"|\bfake (web ?site|site|page|e-?mail|text|account)s?\b",
            3.0,
        ),
        _p(
            r"\border(s)? (was |were )?(placed |made )?(with|on|from) my\b[^.?!]{0,25}"
            r"\b(didn'?t|did not|never)\b|\borders? (that )?i (didn'?t|did not|never) "
            r"(make|made|place|placed)\b",
            3.0,
        ),
        *(_p(source, 3.0) for source in SECURITY_REPORTS),
        # Also a billing dispute; as a security concern it escalates (possible fraud).
        _p(UNRECOGNISED_CHARGE, 1.0),
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
        _p(
            r"\b(talk|speak|chat) (to|with) (customer service|customer care|support|your team"
            r"|someone from)\b|\b(put|transfer|connect) me (through )?(to|with)\b"
            r"|\b(ring|phone) me\b|\boperator\b|\blive (person|agent)\b",
            3.0,
        ),
        _p(
            r"\b(contact|reach|call|phone)\b[^.?!]{0,10}\b(customer service|a (real )?person)\b",
            3.0,
        ),
        _p(r"\b(hablar con una persona|parler [àa] un humain|mit einem menschen)\b", 4.0),
        *(_p(source, 3.0) for source in ASKS_FOR_A_PERSON),
    ],
}

# Spaces RE2's \s does not know (no-break, em, ideographic, ...) become " ", typographic
# apostrophes become "'", so a curly "I'll sue" and "order<no-break space>5001" still match.
_FOLD = {c: " " for c in range(0x80, 0x3001) if chr(c).isspace()} | {0x2018: "'", 0x2019: "'"}


def fold_text(text: str) -> str:
    return text.translate(_FOLD)
