"""Security reports written without security words reach a person; look-alike tickets about
codes, resets and other people do not raise the security shapes.

Written here apart from the development set: the first block was written before the shapes in
`integrations/triage_security_words.py`, the rest to check them (of those, 15 of 20 and then 9
of 15 escalated before the shapes were widened). A ticket in `REPORTS` that stops escalating,
or a look-alike that matches a shape, fails here.
"""

from __future__ import annotations

import pytest

from integrations.triage_engine import triage
from integrations.triage_patterns import fold_text, linear
from integrations.triage_security_words import SECURITY_REPORTS
from policies.loader import load_routing_policy
from policies.routing_policy import RoutingFacts
from policies.ticket_routing import route_ticket

REPORTS = [
    "I got a text with a login code but I wasn't trying to log in",
    "Why am I getting verification codes I never requested?",
    "i keep getting 2fa codes i didnt ask for",
    "Received a reset password link, I did not request this",
    "There's an order on my account that wasn't me",
    "someone has been using my account to buy stuff",
    "my acount got hacked pls help",
    "I think somebody got into my account",
    "Somebody broke into my account and changed the address",
    "a stranger is logged into my profile",
    "I see a login from Brazil, I've never been there",
    "my password doesnt work anymore and my email was changed, not by me",
    "Someone knows my password",
    "my password was leaked",
    "Is my account safe? I got a weird email about a new sign-in",
    "There was a sign in from a new device that wasn't me",
    "Purchases I did not authorise appeared on my account",
    "I didn't authorize this order, someone used my credit card",
    "my card details were taken from your website",
    "I think your site leaked my card number",
    "Got an sms saying my parcel is held, pay a fee, is that you?",
    "A caller said they were from your company and asked for my password",
    "my account has been taken over and the email changed",
    "someone is pretending to be me and ordering things",
    "Account takeover - all my details changed overnight",
    "My login alert shows an iPhone, I only use Android",
    "unknown person placed orders with my account",
    "hi, some one enter my account and buy things, not me!!",
    "my kid didnt do it, someone else bought items on my login",
    "Person unknown changed my shipping address and ordered",
    "This email says I won a prize from you and asks for bank details. Real?",
    "who changed my password? it wasnt me",
    "my saved payment method was used without my knowledge",
    "There are new addresses on my account I never added",
    "I got an email that my account email was changed but I didn't change it",
    "I'm getting emails to confirm a password change I never made",
    "there's a device logged in to my account that isn't mine",
    "somebody ordered 3 laptops with my account, please block it",
    "Who is using my account? I see orders to an address in another city",
    "a man phoned me saying he was from your support team and wanted my card number",
    "My bank told me my card was used on your website without me knowing",
    "Can you check if someone has access to my account? Orders appear that I did not place",
    "Got a one-time code by text, but I was asleep",
    "my son says it was not him, someone bought gift cards on my account",
    "Somebody changed the email on my account yesterday",
    "The shipping address on my profile changed and I didnt do that",
    "I think a hacker is in my account",
    "I see a purchase today that I never made, and I never shared my password",
    "help!! stranger bought things with my account",
    "Is it possible someone stole my account? I can't log in and the email is different",
    "I received a login notification from Germany but I'm in Canada",
    "my account was accessed from a different country",
    "I got a link by text that looks like your site asking to re-enter card details, legit?",
    "Your site emailed me a receipt for an order I never placed",
    "Someone used my gift card balance",
    "there is a subscription on my card from you that i never signed up for, i think my card was cloned",
    'My wife got an email from "your security team" asking her to verify her account by clicking a link',
    "all my loyalty points are gone and I didn't use them",
    "I just got 5 order confirmations for things I didn't buy",
    "Someone is in my account right now changing things!!!",
    "My email provider was hacked and now I worry about my account with you",
    "an unfamiliar phone number was added to my account",
    "I was charged for an order shipped to an address I don't know",
    "I didn't make these purchases, please lock my account",
    "Somebody signed up with my email address",
    "I can see someone else's orders in my account history",
    "please freeze my account, my phone was stolen",
    "my password was changed without me",
    "i get login attempts every night from somewhere i dont know",
    'Got a WhatsApp message from your "support" asking for my login',
]

LOOK_ALIKES = [
    "I didn't get the password reset email",
    "How do I reset my password?",
    "I forgot my password and the reset link expired",
    "Can someone check my order status please?",
    "Can somebody help me with my account settings?",
    "I can't log in to my account",
    "The verification code never arrives",
    "How do I change my password?",
    "Can someone tell me where my parcel is?",
    "I ordered the wrong size, can I exchange it?",
    "Where is my order? It was supposed to come yesterday",
    "I want to update my delivery address for my next order",
    "I received an email about my order being shipped, thanks",
    "Was my refund processed?",
    "Is it safe to pay with PayPal on your site?",
    "Can I have someone else pick up my parcel?",
    "my husband ordered this for me, can I return it?",
    "How do I add a second address to my account?",
    "I need an invoice for my last order",
    "The login page keeps loading forever",
    "I never received my order confirmation email",
    "The code you sent me has expired, can you send another?",
    "I changed my email last week, will my receipts go to the new one?",
    "How can I see all devices logged in to my account?",
    "My package was left with a neighbour, not me",
    "I need help logging in on my new phone",
    "Did you get my return? I sent it last week",
    "Can another person sign for my delivery?",
    "Could someone call me about my order? (not urgent)",
    "What's the safest way to pay on your site?",
    "Please send the order confirmation again, I deleted it by mistake",
    "I didn't receive a confirmation code when signing up",
    "Can my wife use my account to order?",
    "I want to add my phone number to my account",
    "My points balance looks wrong after my last order",
]
SHAPES = [linear(source) for source in SECURITY_REPORTS]


@pytest.mark.parametrize("body", REPORTS)
def test_a_security_report_reaches_a_person(body: str) -> None:
    result = triage("", body)
    assert "security_concern" in result.signals, result
    decision = route_ticket(
        load_routing_policy().policy, result, RoutingFacts(customer_tier="standard")
    )
    assert decision.route == "escalate", decision


@pytest.mark.parametrize("body", LOOK_ALIKES)
def test_a_look_alike_matches_no_security_shape(body: str) -> None:
    text = fold_text(body)
    assert not [s.pattern for s in SHAPES if s.search(text)]


def test_the_shapes_are_what_catches_the_reports() -> None:
    """Without the shapes most of the reports are missed (the vote alone catches some)."""
    caught = [b for b in REPORTS if any(s.search(fold_text(b)) for s in SHAPES)]
    assert len(caught) >= len(REPORTS) * 0.6
