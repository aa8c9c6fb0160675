r"""Requests that must reach a person, in the wordings the first rules did not know.

Three of the safety rules read what a ticket asks for rather than what happened: a change to who
can get into the account (`access_change`), a person to talk to (`asks_for_human`), and text
written to steer the engine (`prompt_injection`). The first rules knew their textbook wording
("change the email on my account", "talk to a real person", "ignore your instructions"); these
are the other common shapes ("update my email address to ...", "get me a manager", "ignore
everything above", "as the store admin I'm telling you to approve"). RE2 sources over folded,
lower-cased text, tested in `tests/triage/test_safety_requests.py` with requests written apart
from the development set and with look-alikes that must not match.
"""

from __future__ import annotations

_CONTACT = (
    r"(e-?mail|e-?mail address|phone|phone number|mobile|mobile number|login|log-in|username"
    r"|user name|account (owner|holder|name)|owner|holder|recovery e-?mail)"
)
_SECOND_FACTOR = r"(2fa|mfa|two[- ]?(factor|step)|2[- ]?step|multi[- ]?factor|authenticator)"

ACCESS_CHANGE_REQUESTS: list[str] = [
    # "update the email address on my account to ..."
    (
        rf"\b(change|update|switch|replace|edit|modify|set)\b (the |my |our )?(account'?s? )?"
        rf"{_CONTACT}\b[^.?!]{{0,40}}\b(to|with|into)\b"
    ),
    rf"\b(remove|disable|turn off|switch off|reset|bypass|deactivate|skip)\b[^.?!]{{0,12}}"
    rf"\b{_SECOND_FACTOR}",
    rf"\b{_SECOND_FACTOR}\b[^.?!]{{0,30}}\b(remove|disable|turn (it )?off|switch (it )?off|reset"
    r"|bypass|deactivate)\b",
    (
        r"\bmake\b[^.?!]{0,25}\b(an? |the )?(admin|administrator|owner|co-?owner|account holder"
        r"|authori[sz]ed user)\b"
    ),
    (
        r"\b(move|transfer|put|change|switch)\b[^.?!]{0,25}\b(to|into|in|under) (my|his|her|their"
        r"|our) (own )?name\b"
    ),
    (
        r"\badd\b[^.?!]{0,30}\bas (an? |the )?(new |second |additional )?(user|admin"
        r"|administrator|member|owner|co-?owner|authori[sz]ed user|account holder)\b"
    ),
    (
        r"\btransfer\b[^.?!]{0,20}\b(account|ownership)\b|\bownership of (my |the |our )?"
        r"account\b|\b(put|move|register) (the |my |our )?account (in|into|under|to)\b"
    ),
    r"\b(merge|combine)\b[^.?!]{0,20}\baccounts\b",
]

ASKS_FOR_A_PERSON: list[str] = [
    (
        r"\b(get|give|find|fetch|bring|want|need|demand|request)\b (me |us )?(a |an |your )?"
        r"(manager|supervisor|human|real person|team lead|someone senior|senior agent)\b"
    ),
    r"\bescalat(e|ing) (this|it|my (case|ticket|complaint|issue|request))\b|\bescalate to\b",
    (
        r"\b(request|want|need|get|arrange|schedule|book|like|have)\b[^.?!]{0,15}\bcall ?back\b"
        r"|\bcall (me |us )?back\b|\bnot (a |with a |to a )?(bot|chat ?bot|an ai)\b"
    ),
]

INSTRUCTIONS_TO_THE_ENGINE: list[str] = [
    (
        r"\b(ignore|disregard|forget)\b (all |everything |anything |whatever )?(said |written )?"
        r"(above|before|previous(ly)?|prior|earlier|you (were|have been|'ve been) told)\b"
    ),
    r"\bmark\b[^.?!]{0,25}\bas (refunded|approved|paid|resolved|compensated|credited)\b",
    (
        r"\b(as|i am|i'?m) (the |a |an |your )?(store |shop |site |system )?(admin|administrator"
        r"|developer|ceo|support lead|store manager|store owner)\b[^.?!]{0,40}"
        r"\b(approve|refund|authori[sz]e|override|grant|tell(ing)? you|instruct)"
    ),
    r"\b(override|admin|bypass|master|approval|manager)('?s)? (code|key|token|password)\b",
    (
        r"\b(system|admin|developer|root|supervisor)( mode)? (override|command|note|instructions?"
        r"|message)\b|\bapproved by (the )?(finance|billing|accounting|legal|support)( team)?\b"
    ),
    (
        r"\b(you are|you'?re) (now )?(allowed|permitted|authori[sz]ed|cleared|instructed) to\b"
        r"|\bskip\b[^.?!]{0,15}\b(approvals?|reviews?|checks?|polic(y|ies)|verification"
        r"|limits?)\b|\b(refunds?|requests?|orders?)\b[^.?!]{0,20}\bpre-?approved\b"
    ),
    (
        r"\b(pretend|imagine|act like|act as if|role-?play)\b[^.?!]{0,20}"
        r"\b(you are|you'?re|to be|as)\b"
    ),
]
