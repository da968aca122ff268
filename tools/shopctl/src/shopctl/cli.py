"""`shopctl`: operate a shop from the command line."""

from __future__ import annotations

import argparse
import json
import sys
import uuid

from shopctl.aws import client, is_local
from shopctl.bootstrap import LOCAL_STEP_TIMEOUT_SECONDS


def _bootstrap(args: argparse.Namespace) -> int:
    from shopctl.bootstrap import bootstrap
    from shopctl.topology import load_topology

    bootstrap(load_topology(), step_timeout_seconds=args.step_timeout)
    return 0


def _token(args: argparse.Namespace) -> int:
    from shopctl.identity import local_token
    from shopctl.topology import load_topology

    if not is_local():
        print("shopctl token works on a local stack only.", file=sys.stderr)
        return 2
    print(local_token(client("cognito-idp"), load_topology().identity, args.username))
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from shopctl.demo import create_demo_products
    from shopctl.identity import local_token
    from shopctl.topology import load_topology

    token = local_token(client("cognito-idp"), load_topology().identity, "admin")
    create_demo_products(args.catalog_url or args.url, args.inventory_url or args.url, token)
    return 0


def _dlq_list(args: argparse.Namespace) -> int:
    from shopctl.dlq import list_dead_letters
    from shopctl.topology import load_topology

    print(f"{'queue':<24} {'dead-letter queue':<28} messages")
    for entry in list_dead_letters(client("sqs"), load_topology()):
        print(f"{entry.queue:<24} {entry.dead_letter_queue:<28} {entry.count}")
    return 0


def _dlq_show(args: argparse.Namespace) -> int:
    from shopctl.dlq import show_dead_letters
    from shopctl.topology import load_topology

    for message in show_dead_letters(client("sqs"), load_topology(), args.queue, args.limit):
        print(json.dumps(message, indent=2))
    return 0


def _dlq_redrive(args: argparse.Namespace) -> int:
    from shopctl.dlq import redrive
    from shopctl.topology import load_topology

    moved = redrive(client("sqs"), load_topology(), args.queue)
    print(f"{moved} messages moved back to {args.queue}")
    return 0


def _trace(args: argparse.Namespace) -> int:
    import httpx

    from shopctl.trace import find_trace, render, span_tree

    try:
        trace = find_trace(args.url, str(args.order_id))
    except httpx.HTTPError as exc:
        print(f"shopctl: cannot read traces from {args.url}: {exc}", file=sys.stderr)
        return 2
    print(f"trace {trace['traceID']}")
    for line in render(span_tree(trace)):
        print(line)
    return 0


def _is_schema(target: str) -> bool:
    """True when `target` names a PostgreSQL schema, False for a DynamoDB table."""
    from shopctl.topology import load_topology

    topology = load_topology()
    if target in topology.schemas:
        return True
    if target in {table.name for table in topology.tables}:
        return False
    names = ", ".join([*topology.schemas, *(t.name for t in topology.tables)])
    raise SystemExit(f"shopctl: {target!r} is no declared outbox; one of {names}")


def _outbox_parked(args: argparse.Namespace) -> int:
    from shopctl.outbox import database_from_environment, list_parked, list_parked_rows

    if _is_schema(args.target):
        parked = list_parked_rows(database_from_environment(), args.target)
    else:
        parked = list_parked(client("dynamodb"), args.target)
    print(f"{'message id':<38} {'type':<32} {'attempts':>8}  {'parked at':<32} last error")
    for item in parked:
        print(
            f"{item.message_id:<38} {item.message_type:<32} {item.attempts:>8}  "
            f"{item.parked_at:<32} {item.last_error}"
        )
    return 0


def _outbox_retry(args: argparse.Namespace) -> int:
    from shopctl.outbox import database_from_environment, retry_parked, retry_parked_rows

    if _is_schema(args.target):
        moved = retry_parked_rows(database_from_environment(), args.target, args.message_id)
    else:
        moved = retry_parked(client("dynamodb"), args.target, args.message_id)
    print(f"{moved} parked items moved back to {args.target}'s outbox")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shopctl", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    bootstrap = commands.add_parser(
        "bootstrap", help="create the declared AWS resources and the seeded users"
    )
    bootstrap.add_argument(
        "--step-timeout",
        type=_seconds,
        default=LOCAL_STEP_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help="how long the order saga waits for each step's answer "
        f"(default {LOCAL_STEP_TIMEOUT_SECONDS}; Terraform sets the production values)",
    )
    bootstrap.set_defaults(run=_bootstrap)

    token = commands.add_parser(
        "token", help="print a bearer token for a local user, creating a new customer on first use"
    )
    token.add_argument("username", type=_username)
    token.set_defaults(run=_token)

    demo = commands.add_parser(
        "demo-data", help="add the demo products and their stock through the shop's API"
    )
    demo.add_argument("--url", default="http://127.0.0.1:8080", help="the shop's gateway")
    demo.add_argument("--catalog-url", help="the catalog API itself, instead of the gateway")
    demo.add_argument("--inventory-url", help="the inventory API itself, instead of the gateway")
    demo.set_defaults(run=_demo_data)

    trace = commands.add_parser(
        "trace", help="print an order's trace, from checkout to its last saga step, as a tree"
    )
    trace.add_argument("order_id", metavar="ORDER_ID", type=uuid.UUID)
    trace.add_argument(
        "--url", default="http://127.0.0.1:16686", help="the trace backend's query API (Jaeger)"
    )
    trace.set_defaults(run=_trace)

    dlq = commands.add_parser("dlq", help="inspect and redrive dead-letter queues")
    dlq_commands = dlq.add_subparsers(required=True, metavar="ACTION")
    dlq_commands.add_parser("list", help="messages in each dead-letter queue").set_defaults(
        run=_dlq_list
    )
    show = dlq_commands.add_parser("show", help="print messages of QUEUE's dead-letter queue")
    show.add_argument("queue", metavar="QUEUE")
    show.add_argument("--limit", type=int, default=10)
    show.set_defaults(run=_dlq_show)
    move = dlq_commands.add_parser("redrive", help="send QUEUE's dead letters back to QUEUE")
    move.add_argument("queue", metavar="QUEUE")
    move.set_defaults(run=_dlq_redrive)

    outbox = commands.add_parser(
        "outbox",
        help="inspect and retry the parked messages of an outbox: a DynamoDB table's "
        "(baskets, payments) or a PostgreSQL schema's (catalog, ordering, inventory; "
        "reached by DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD)",
    )
    outbox_commands = outbox.add_subparsers(required=True, metavar="ACTION")
    parked = outbox_commands.add_parser(
        "parked", help="the messages OUTBOX's relays parked, with their last error"
    )
    parked.add_argument("target", metavar="OUTBOX", help="a table or a schema")
    parked.set_defaults(run=_outbox_parked)
    retry = outbox_commands.add_parser(
        "retry", help="put OUTBOX's parked messages back in its outbox, to be sent again"
    )
    retry.add_argument("target", metavar="OUTBOX", help="a table or a schema")
    retry.add_argument("--message-id", help="only the item of this message")
    retry.set_defaults(run=_outbox_retry)
    return parser


def _seconds(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 86_400:
        raise argparse.ArgumentTypeError("use a whole number of seconds from 1 to 86400")
    return int(value)


def _username(value: str) -> str:
    if not (1 <= len(value) <= 64) or not all(c.isalnum() or c in "._-" for c in value):
        raise argparse.ArgumentTypeError("use 1 to 64 letters, digits, '.', '_' or '-'")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run one command."""
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args)
    except LookupError as exc:
        print(f"shopctl: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    raise SystemExit(main())
