r"""How customers report an account or card in someone else's hands without saying "hacked".

The security intent's first patterns catch the security vocabulary ("hacked", "phishing",
"unauthorised login"). Many reports use none of it: "a password reset email I didn't ask for",
"somebody enter in my account, it was not me", "who changed my password?", "a caller said he
was from you and asked for my PIN". These are the shapes such reports take, written as RE2
sources (the text is folded and lower-cased as for every triage pattern). Each one also raises
the `security_concern` signal, so a match reaches a person; a needless escalation costs a
reply's delay, a missed takeover costs the customer's money.

The shapes are tested against reports written apart from the development set, and against
look-alike tickets that must not match ("I didn't get the password reset email", "can someone
check my order") in `tests/triage/test_security_reports.py`.
"""

from __future__ import annotations

_NEGATED = r"(didn'?t|did not|never|haven'?t|have not|wasn'?t|was not|not)"
_SECURITY_MESSAGE = (
    r"(codes?|pins?|otps?|links?|e-?mails?|texts?|sms|messages?|alerts?|notifications?"
    r"|resets?)"
)
_SOMEONE = (
    r"(some ?one|somebody|some body|(a )?strangers?|another person|other people"
    r"|an? unknown (person|user|party)|person unknown|unknown person|hackers?|a hacker)"
)
_TOOK_HOLD = (
    r"(log(ged|ging|s)? ?(in|into|on)|sign(ed|ing|s)? ?(in|into|on|up)|access(ed|ing|es)?"
    r"|enter(ed|ing|s)?|(got|gets|get|getting|gotten|broke|break(s|ing)?) (in|into)"
    r"|gained access|ha(s|d|ve) access|(has been |have been |is |are |was )?using|used"
    r"|knows?|changed|stole|took over|taken over|hijack(ed)?|bought|ordered|placed)"
)
_ACCOUNT_THING = r"(account|acct|profile|login|password|card|e-?mail|details|identity|name)"
_VENDOR = r"(you|your (company|team|store|shop|support|bank|staff|site))"

SECURITY_REPORTS: list[str] = [
    # A code, reset or alert the customer did not set off.
    (
        rf"\b{_SECURITY_MESSAGE}\b[^.?!]{{0,40}}\b(i |we )?{_NEGATED}\b[^.?!]{{0,12}}"
        r"\b(ask|request|trigger|initiat|try|trying|expect|sign|log)"
    ),
    (
        rf"\b{_NEGATED} (ask|request)(ed)? (for )?(a |an |any |the |this |these )?"
        r"((password|reset|verification|login|log-in|sign-in|security|2fa|one[- ]time) )*"
        rf"{_SECURITY_MESSAGE}\b"
    ),
    # "it was not me", "not by me", "..., not me!"
    (
        r"\b(it|that|this|which|they|these|those)( one)? (was ?n'?t|was not|were ?n'?t|were not"
        r"|is ?n'?t|is not|are ?n'?t|are not) me\b|\bnot (done |made |placed |changed )?by me\b"
        r"|\bwas ?n'?t me\b"
    ),
    # Someone else in the account, on the card, or using the customer's identity.
    rf"\b{_SOMEONE}\b[^.?!]{{0,15}}\b{_TOOK_HOLD}\b[^.?!]{{0,20}}\b(my|our)\b",
    rf"\b{_SOMEONE}\b[^.?!]{{0,15}}\b(knows?|has|have|got) (my|our) {_ACCOUNT_THING}",
    r"\b(pretend(s|ed|ing)? to be|posing as|impersonat(e|es|ed|ing)) (me|my)\b",
    # Taken over, leaked or exposed.
    (
        rf"\b{_ACCOUNT_THING}s? (has been |have been |was |were |got |is |are )?"
        r"(taken over|hijacked|broken into|leaked|exposed)\b|\baccount take-?over\b"
        r"|\b(card|account) (has been |was |got )?(cloned|skimmed|duplicated)\b"
    ),
    rf"\b(leak(ed|s)?|expos(ed|es)) (my|our|customer|customers'?) {_ACCOUNT_THING}",
    r"\bis my (account|card|data|information|info|password|money|payment\w*) (safe|secure)",
    # A change, purchase or sign-in the customer did not make.
    (
        r"\b(changes?|changed|purchases?|orders?|payments?|transactions?|charges?|log ?ins?"
        r"|sign[- ]?ins?|requests?)\b[^.?!]{0,20}\b(that )?(i|we) (never|didn'?t|did not|have not"
        r"|haven'?t) (made|make|placed|place|did|do|requested|request|authori[sz]ed)\b"
    ),
    (
        r"\b(confirmations?|receipts?|invoices?)\b[^.?!]{0,30}\b(i|we) (never|didn'?t|did not)"
        r" (buy|bought|order|ordered|make|made|place|placed|purchase|purchased)\b"
    ),
    r"\bchanged\b[^.?!]{0,30}\b(i|we) (didn'?t|did not|never) (do|did|change|ask)\b",
    r"\b(changed|used|accessed|added|placed|made|bought|ordered) without me\b"
    r"|\bwithout me (knowing|asking|noticing)\b",
    (
        r"\b(subscriptions?|memberships?|plans?|accounts?|charges?)\b[^.?!]{0,30}"
        r"\b(i|we) (never|didn'?t|did not) (sign(ed)? up|subscribe[d]?|register(ed)?|open(ed)?)\b"
    ),
    # Details on the account the customer does not know.
    (
        r"\b(unfamiliar|unknown|strange|foreign)\b[^.?!]{0,25}"
        r"\b(added|appeared|showed up|linked|attached)\b"
        r"|\b(address|addresses|cards?|devices?|numbers?|e-?mails?|users?|payees?)"
        r" (that )?(i|we) (don'?t|do not|didn'?t|did not) (know|recogni[sz]e|add)\b"
    ),
    # Consent the customer never gave.
    (
        r"\b(didn'?t|did not|never) (authori[sz]e|approve|allow|permit)\b"
        r"|\bwithout my (knowledge|consent|authori[sz]ation|approval|say)\b"
    ),
    # A sign-in the customer does not know.
    (
        r"\b(strange|weird|odd|unusual|foreign|unfamiliar)\b[^.?!]{0,20}"
        r"\b(log ?ins?|sign[- ]?ins?|activity|activities|devices?|locations?)\b"
    ),
    (
        r"\b(log ?ins?|sign[- ]?ins?|logged in|signed in|access(ed)?)\b[^.?!]{0,25}"
        r"\b(new|strange|unknown|another|different|foreign)\b[^.?!]{0,12}"
        r"\b(device|location|country|city|ip|phone|computer|browser)\b"
    ),
    r"\bnew (log ?in|sign[- ]?in)s? (alert|notification|attempt|from)\b",
    # Someone claiming to be the shop, or asking for secrets.
    (
        r"\b(pretend(s|ed|ing)? to be|claim(s|ed|ing)? to be|posing as|(said|saying|says|told me)"
        rf" (that )?(they|he|she|it) (was|were|is|are|works? for)) (from )?{_VENDOR}\b"
    ),
    (
        r"\b(e-?mail|text|sms|message|call|caller|letter|link|site|website|page)\b[^?]{0,100}"
        r"(\bis (that|this|it) (really )?(you|from you|real|legit|legitimate|genuine)\b"
        r"|\b(real|legit|genuine|legitimate)\?)"
    ),
    (
        r"\b(caller|some ?one|somebody|they|he|she|e-?mail|text|sms|message|person|man|woman)\b"
        r"[^.?!]{0,40}\bask(s|ed|ing)? (me )?for (my )?(password|pin|cvv|cvc|security code"
        r"|verification code|one[- ]time code|bank details|login details)\b"
    ),
]
