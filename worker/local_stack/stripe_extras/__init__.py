"""A Stripe-compatible server for what localstripe lacks: disputes, customer balance
transactions, credit notes, events and signed webhook deliveries (dev stack and tests only).

It runs as its own process (`python -m worker.local_stack.stripe_extras`), started after the
localstripe sandbox by `StripeSandbox`, and is the one STRIPE api_base of the stack: its own paths
are answered here, every other request is forwarded to localstripe, and all of it sits behind the
same Idempotency-Key layer (worker/local_stack/stripe_idempotency.py) as the sandbox. Object
shapes follow Stripe's own fixtures (stripe/openapi `fixtures3.json`); behaviour follows Stripe's
documentation: a refund of a disputed charge is refused with `charge_disputed`, evidence can be
submitted once and only before `evidence_details.due_by`, closing a dispute accepts it (lost).

Test helpers live under `/_extras/` (Stripe has no such paths): open a dispute on a charge, close
it as won or lost, redeliver an event, read the delivery log. Nothing here is runtime code.
"""

READY_PREFIX = "stripe extras listening on "
