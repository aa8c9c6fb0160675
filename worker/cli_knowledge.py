"""`supportflow kb ...` and `supportflow eval`: the help center and the triage eval from a shell.

Mounted by worker/cli.py. The knowledge base is the one the worker uses (Weaviate when
WEAVIATE_URL is set, else the SQLite file at SUPPORTFLOW_KNOWLEDGE_DB), so `kb search` shows
exactly what a ticket would retrieve.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Literal

import typer

from activities.help_center_models import HelpCenterBatch, HelpCenterBatchResult
from evals.metrics import format_quality
from evals.run import CaseResult, EvalCase, Progress, TriageFn, evaluate, format_report, load_cases
from evals.run import rules_triage as run_rules_triage
from evals.sets import SET_NAMES, embedded_triage_without, load_set
from integrations.knowledge.base import KnowledgeBase
from integrations.knowledge.factory import open_knowledge_base
from integrations.knowledge.helpcenter import HelpCenterFormatError, load_help_center
from integrations.knowledge.models import Article, Audience
from integrations.openai_llm import LlmConfig, make_client
from integrations.openai_triage import OpenAITriage
from integrations.triage_engine import ENGINE
from worker.activity_wiring import llm_config
from worker.cli_exits import run_async
from worker.help_center_upload import UploadRefused, upload_help_center
from worker.settings import Settings, get_settings
from worker.temporal_gate import connect_or_explain
from workflows.help_center.contract import help_center_ingest_id

EXIT_BELOW_FLOOR, EXIT_USAGE = 1, 2
EXIT_REFUSED = 1

kb_app = typer.Typer(help="Help-center knowledge base: ingest an export, search it.")


def _knowledge_base(settings: Settings) -> KnowledgeBase:
    api_key = settings.weaviate_api_key
    return open_knowledge_base(
        sqlite_path=settings.knowledge_db_path,
        weaviate_url=settings.weaviate_url,
        weaviate_api_key=api_key.get_secret_value() if api_key else None,
        llm=llm_config(settings),
    )


def _fail(message: str, code: int) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


@kb_app.command("ingest")
def ingest(
    path: Annotated[Path, typer.Argument(help="Folder (or file) of Markdown / HTML articles")],
    via_temporal: Annotated[
        bool,
        typer.Option(
            "--via-temporal",
            help="Send the articles through Temporal to the worker's own knowledge store "
            "(the worker runs on another host with a SQLite store)",
        ),
    ] = False,
) -> None:
    """Load a help-center export as searchable chunks; re-ingesting replaces the articles."""
    if not path.exists():
        raise _fail(f"{path} does not exist", EXIT_USAGE)
    try:
        articles = load_help_center(path)
    except HelpCenterFormatError as err:
        raise _fail(str(err), EXIT_USAGE) from None
    if not articles:
        raise _fail(f"no .md or .html articles under {path}", EXIT_USAGE)
    settings = get_settings()
    if via_temporal:
        _ingest_through_worker(settings, articles)
        return
    report = _knowledge_base(settings).ingest(articles)
    internal = sum(a.audience == "internal" for a in articles)
    typer.echo(
        f"Ingested {report.articles} articles ({internal} internal) as {report.chunks} chunks."
    )
    # Workers read the same store only if it is shared: Weaviate is; a SQLite file is per host.
    if settings.weaviate_url:
        typer.echo(f"Into Weaviate at {settings.weaviate_url}, which every worker reads.")
    else:
        typer.echo(
            f"Into the SQLite file {settings.knowledge_db_path.resolve()} on this host: workers "
            "on other hosts do not see it (set WEAVIATE_URL, run this where the worker runs, "
            "or use --via-temporal)."
        )


def _ingest_through_worker(settings: Settings, articles: list[Article]) -> None:
    def shown(batch: HelpCenterBatch, result: HelpCenterBatchResult) -> None:
        workflow_id = help_center_ingest_id(batch.ingest_id, batch.number)
        typer.echo(
            f"batch {batch.number}/{batch.of} ({workflow_id}): {result.articles} articles, "
            f"{result.chunks} chunks stored",
            err=True,
        )

    async def work() -> list[HelpCenterBatchResult]:
        client = await connect_or_explain()
        return await upload_help_center(client, settings.task_queue, articles, shown)

    try:
        results = run_async(work)
    except UploadRefused as refused:
        raise _fail(str(refused), EXIT_REFUSED) from None
    internal = sum(a.audience == "internal" for a in articles)
    stored = sum(r.articles for r in results)
    chunks = sum(r.chunks for r in results)
    typer.echo(f"Ingested {stored} articles ({internal} internal) as {chunks} chunks.")
    for store in sorted({r.store for r in results}):
        typer.echo(f"Into the worker's store: {store}.")


@kb_app.command("search")
def search(
    query: Annotated[str, typer.Argument(help="A question, as a customer would ask it")],
    k: Annotated[int, typer.Option("--k", min=1, max=20, help="Passages to return")] = 4,
    audience: Annotated[
        str, typer.Option(help="public (customer-facing) or internal (agents see all)")
    ] = "public",
) -> None:
    """Show the passages a ticket with this text would retrieve, best first."""
    if audience not in ("public", "internal"):
        raise _fail("--audience must be public or internal", EXIT_USAGE)
    chosen: Audience = "internal" if audience == "internal" else "public"
    passages = _knowledge_base(get_settings()).search(query, k, chosen)
    if not passages:
        typer.echo("No matching passages.")
        return
    for rank, p in enumerate(passages, start=1):
        typer.echo(f"{rank}. {p.title} — {p.heading or '(intro)'}  [{p.audience}, {p.score:.2f}]")
        typer.echo(f"   {p.url}")
        typer.echo(f"   {' '.join(p.text.split())[:200]}")


def _progress(index: int, total: int, result: CaseResult) -> None:
    mark = "ok  " if result.intent_ok and result.route_ok else "MISS"
    typer.echo(
        f"[{index:>3}/{total}] {mark} {result.case_id:<5} {result.predicted_intent:<17}"
        f" -> {result.predicted_route}",
        err=True,
    )


def eval_command(
    engine: Annotated[
        str,
        typer.Option(
            help="embedded (rules + example bank), rules (patterns only), llm (needs "
            "OPENAI_API_KEY) or all configured engines (embedded, and llm when configured)"
        ),
    ] = "all",
    eval_set: Annotated[
        str, typer.Option("--set", help="regression, dev-test or all (ignored with --cases)")
    ] = "all",
    cases: Annotated[
        Path | None, typer.Option(help="A JSONL eval set of your own instead of --set")
    ] = None,
    min_intent_accuracy: Annotated[
        float,
        typer.Option(help="Exit 1 when the embedded or rules engine is below this on any set"),
    ] = 0.0,
) -> None:
    """Score triage + routing on the regression set and the development test split: accuracy,
    precision/recall per intent, calibration, escalation precision/recall, a confusion table and
    the prompt-injection outcomes. The embedded engine's example bank leaves out the set scored."""
    config = llm_config(get_settings())
    engines = _engines(engine, config is not None)
    sets = _sets(eval_set, cases)
    if "llm" not in engines:
        typer.echo(
            "LLM: not evaluated, no LLM is configured (set OPENAI_API_KEY to score it on the "
            "same sets); the worker triages with the embedded engine.\n"
        )
    below: list[str] = []
    for set_name, loaded in sets:
        for name in engines:
            typer.echo(f"Evaluating {len(loaded)} tickets of {set_name} with {name}...", err=True)
            triage, label, progress = _triage_for(name, loaded, config)
            report = asyncio.run(evaluate(loaded, triage, label, progress=progress))
            typer.echo(f"== {set_name} ==\n{format_report(report)}\n\n{format_quality(report)}\n")
            if name != "llm" and report.intent_accuracy < min_intent_accuracy:
                below.append(f"{name} on {set_name}: {report.intent_accuracy:.3f}")
    if below:
        raise _fail(
            f"intent accuracy below {min_intent_accuracy}: {'; '.join(below)}", EXIT_BELOW_FLOOR
        )


def _triage_for(
    name: str, loaded: list[EvalCase], config: LlmConfig | None
) -> tuple[TriageFn, str, Progress | None]:
    if name == "embedded":
        return embedded_triage_without(loaded), ENGINE, None
    if name == "rules":
        return run_rules_triage, "rules", None
    assert config is not None
    llm = OpenAITriage(make_client(config), config.model)
    return llm.triage, f"openai:{config.model}", _progress


def _sets(choice: str, cases: Path | None) -> list[tuple[str, list[EvalCase]]]:
    if cases is not None:
        if not cases.exists():
            raise _fail(f"{cases} does not exist", EXIT_USAGE)
        return [(cases.name, load_cases(cases))]
    if choice == "all":
        return [(name, load_set(name)) for name in SET_NAMES]
    if choice not in SET_NAMES:
        raise _fail(f"--set must be {', '.join(SET_NAMES)} or all", EXIT_USAGE)
    return [(choice, load_set(choice))]


def _engines(choice: str, llm_configured: bool) -> list[Literal["embedded", "rules", "llm"]]:
    if choice in ("embedded", "rules"):
        return ["embedded"] if choice == "embedded" else ["rules"]
    if choice == "llm":
        if not llm_configured:
            raise _fail("--engine llm needs OPENAI_API_KEY", EXIT_USAGE)
        return ["llm"]
    if choice == "all":
        return ["embedded", "llm"] if llm_configured else ["embedded"]
    raise _fail("--engine must be embedded, rules, llm or all", EXIT_USAGE)
