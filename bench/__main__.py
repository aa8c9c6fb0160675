"""`make bench`: every benchmark in one run, printed as key=value lines."""

from __future__ import annotations

import asyncio

from bench import refund_throughput


def main() -> None:
    for key, value in asyncio.run(refund_throughput.main()).items():
        print(f"{key}={value}", flush=True)


if __name__ == "__main__":
    main()
