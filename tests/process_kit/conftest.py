from tests.stripe_fixtures import stripe_billing, stripe_sandbox  # noqa: F401
from tests.workflows.conftest import worker_deps  # noqa: F401
