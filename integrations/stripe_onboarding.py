"""Stripe for signups: the customer, the payment method set up through a SetupIntent, and the
subscription with its trial.

Exactly once, as for refunds (GUIDE §3): each create carries an Idempotency-Key minted by the
workflow and the same key in metadata, and is preceded by a look-up of the objects carrying our
application id, so a retry after a crash, or against a server that ignores keys, finds the first
customer or subscription instead of making a second. No Temporal imports: the onboarding
activities map Stripe errors through activities/billing_errors.py. Client retries are off.
"""

from __future__ import annotations

from dataclasses import dataclass

import stripe

from integrations.stripe_billing import DEFAULT_TIMEOUT_SECONDS, stripe_client

APPLICATION_METADATA_KEY = "supportflow_application"
IDEMPOTENCY_METADATA_KEY = "supportflow_key"


@dataclass(frozen=True)
class StripeSignupCustomer:
    customer_id: str
    found_existing: bool


@dataclass(frozen=True)
class StripePaymentSetup:
    setup_intent_id: str
    payment_method_id: str
    status: str


@dataclass(frozen=True)
class StripeSignupSubscription:
    subscription_id: str
    status: str
    trial_end: int | None
    found_existing: bool


class StripeOnboarding:
    """`page_size` is Stripe's list maximum; smaller values only exist to exercise paging."""

    def __init__(
        self,
        api_key: str,
        api_base: str | None = None,
        *,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        page_size: int = 100,
    ) -> None:
        self._page_size = page_size
        self._client = stripe_client(api_key, api_base, timeout_seconds)

    def customers_for(self, application_id: str, email: str) -> list[str]:
        """Customers carrying our application id, among those with this email (Stripe filters
        customers by email; metadata search is not in every Stripe we talk to)."""
        page = self._client.v1.customers.list(params={"email": email, "limit": self._page_size})
        return [
            c.id
            for c in page.auto_paging_iter()
            if _metadata(c).get(APPLICATION_METADATA_KEY) == application_id
        ]

    def find_or_create_customer(
        self, application_id: str, email: str, name: str, key: str
    ) -> StripeSignupCustomer:
        found = self.customers_for(application_id, email)
        if found:
            return StripeSignupCustomer(found[-1], found_existing=True)
        customer = self._client.v1.customers.create(
            params={
                "email": email,
                "name": name,
                "metadata": {
                    APPLICATION_METADATA_KEY: application_id,
                    IDEMPOTENCY_METADATA_KEY: key,
                },
            },
            options={"idempotency_key": key},
        )
        return StripeSignupCustomer(customer.id, found_existing=False)

    def keep_customer_email(self, customer_id: str, email: str, name: str) -> None:
        """A back-edit of the contact step changes the customer Stripe already has."""
        customer = self._client.v1.customers.retrieve(customer_id)
        if customer.email != email or customer.name != name:
            self._client.v1.customers.update(customer_id, params={"email": email, "name": name})

    def set_up_payment_method(
        self, customer_id: str, payment_method: str, key: str
    ) -> StripePaymentSetup:
        """Confirms a SetupIntent for the customer with the payment method the signup form
        collected (Stripe.js gives us its id; card numbers never reach us), attaches it and makes
        it the default for invoices. A decline raises `stripe.CardError`."""
        params: stripe.params.SetupIntentCreateParams = {
            "customer": customer_id,
            "metadata": {IDEMPOTENCY_METADATA_KEY: key},
        }
        intent = self._client.v1.setup_intents.create(params, options={"idempotency_key": key})
        if intent.status != "succeeded":
            intent = self._client.v1.setup_intents.confirm(
                intent.id, params={"payment_method": payment_method}
            )
        pm_id = _object_id(intent.payment_method) or payment_method
        if intent.status == "succeeded":
            self._client.v1.payment_methods.attach(pm_id, params={"customer": customer_id})
            self._client.v1.customers.update(
                customer_id, params={"invoice_settings": {"default_payment_method": pm_id}}
            )
        return StripePaymentSetup(intent.id, pm_id, intent.status or "unknown")

    def subscriptions_for(self, customer_id: str, application_id: str) -> list[str]:
        page = self._client.v1.subscriptions.list(
            params={"customer": customer_id, "status": "all", "limit": self._page_size}
        )
        return [
            s.id
            for s in page.auto_paging_iter()
            if _metadata(s).get(APPLICATION_METADATA_KEY) == application_id
        ]

    def find_or_create_subscription(
        self,
        customer_id: str,
        application_id: str,
        stripe_plan_id: str,
        trial_end: int | None,
        key: str,
    ) -> StripeSignupSubscription:
        found = self.subscriptions_for(customer_id, application_id)
        if found:
            sub = self._client.v1.subscriptions.retrieve(found[-1])
            return _subscription(sub, found_existing=True)
        params: stripe.params.SubscriptionCreateParams = {
            "customer": customer_id,
            "items": [{"plan": stripe_plan_id}],
            "metadata": {APPLICATION_METADATA_KEY: application_id, IDEMPOTENCY_METADATA_KEY: key},
        }
        if trial_end is not None:
            params["trial_end"] = trial_end
        sub = self._client.v1.subscriptions.create(params, options={"idempotency_key": key})
        return _subscription(sub, found_existing=False)

    def ensure_plan(self, plan_id: str, amount_cents: int, currency: str, name: str) -> None:
        """Catalogue set-up (demo and tests): a monthly Stripe plan under our catalogue's id."""
        try:
            self._client.v1.plans.retrieve(plan_id)
            return
        except stripe.InvalidRequestError:
            pass
        self._client.v1.plans.create(
            params={
                "id": plan_id,
                "amount": amount_cents,
                "currency": currency,
                "interval": "month",
                "product": {"name": name},
            }
        )


def _metadata(obj: object) -> dict[str, str]:
    metadata = getattr(obj, "metadata", None)
    return metadata.to_dict() if metadata is not None else {}


def _object_id(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(getattr(value, "id", "")) or None


def _subscription(sub: stripe.Subscription, *, found_existing: bool) -> StripeSignupSubscription:
    trial_end = getattr(sub, "trial_end", None)
    return StripeSignupSubscription(
        subscription_id=sub.id,
        status=sub.status or "unknown",
        trial_end=trial_end if isinstance(trial_end, int) else None,
        found_existing=found_existing,
    )
