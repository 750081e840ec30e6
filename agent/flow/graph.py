"""The agent graph: one inbound message, from the mailbox to a planned reminder schedule.

    classify_message ──documents──▶ extract_documents ─▶ record_documents ─▶ ask_finance
           │                                                        ▲                │
           ├──task reply──▶ answer_task ─▶ END       resumed when   │   no contact,  ▼
           ├──customer reply──▶ read_customer_reply ─▶ END  finance └── wait_for_finance
           ├──bounce──▶ handle_bounce ─▶ END               answers      or a document in review
           ├──auto-reply──▶ handle_auto_reply ─▶ END                 ▼ nothing to wait for
           └──anything else──▶ set_aside ─▶ END                 plan_reminders ─▶ END

A doubtful document is not recorded: its review task asks finance to confirm or correct it, and the
thread waits. So does an invoice whose customer has no contact. When finance answers (a reply, or
`relance documents confirm`), the thread goes back to `record_documents`, which records what is now
confirmed and nothing twice, and asks again for whatever is still missing.

The state holds ids only; domain rows live in the database. Side effects (rows, e-mails) happen in
nodes that are safe to run again, never before an `interrupt()`: `wait_for_finance` does nothing
but wait. The thread id is derived from the inbound message, so a restart resumes the same thread.

Read this file top to bottom: the state, then one function per node (each says where it may go next,
in its `Command[Literal[...]]` return type, and nowhere else), then the assembly. Every node gets the
I/O edge (database, mail, clock, LLM, settings: `agent.runtime.Runtime`) as LangGraph's run context, so a
node is a plain module-level function a test can call.

The other half of the journey, sending, is not a graph: `Agent.tick(now)` (flow/service.py) resumes the
threads whose tasks were answered, imports payment files (payments/importing.py: a paid invoice loses its
pending steps in the same transaction), then `dispatch_due` (reminders/dispatch.py) re-checks each due
step against the ledger and sends it once.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Literal, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime as NodeRuntime
from langgraph.types import Command, interrupt
from sqlalchemy.engine import make_url

from agent.flow import intake, reply_nodes
from agent.runtime import Runtime
from agent.settings import Settings

Node = NodeRuntime[Runtime]  # what a node receives: `runtime.context` is the I/O edge
Classified = Literal[
    "extract_documents",
    "answer_task",
    "read_customer_reply",
    "handle_bounce",
    "handle_auto_reply",
    "set_aside",
]
ROUTES: dict[str, Classified] = {  # classification -> its node; anything else is set aside, kept and visible
    "documents": "extract_documents",
    "task_reply": "answer_task",
    "customer_reply": "read_customer_reply",
    "bounce": "handle_bounce",
    "auto_reply": "handle_auto_reply",
}


class MessageState(TypedDict, total=False):
    inbound_id: int
    route: str
    document_ids: list[int]
    invoice_ids: list[int]
    credit_note_ids: list[int]
    waiting_task_ids: list[int]
    outcome: str


# The first node: what is this message? (sender policy first, then bounce / reply / documents / other)


def classify_message(state: MessageState, runtime: Node) -> Command[Classified]:
    route = intake.classify(runtime.context, state["inbound_id"])
    return Command(update={"route": route}, goto=ROUTES.get(route, "set_aside"))


# Documents: read, record what is sure, ask finance for what is not, then plan the reminders.


def extract_documents(state: MessageState, runtime: Node) -> Command[Literal["record_documents"]]:
    document_ids = intake.extract_documents(runtime.context, state["inbound_id"])
    return Command(update={"document_ids": document_ids}, goto="record_documents")


def record_documents(state: MessageState, runtime: Node) -> Command[Literal["ask_finance"]]:
    invoice_ids, credit_note_ids = intake.record_documents(runtime.context, state.get("document_ids", []))
    return Command(
        update={"invoice_ids": invoice_ids, "credit_note_ids": credit_note_ids}, goto="ask_finance"
    )


def ask_finance(state: MessageState, runtime: Node) -> Command[Literal["wait_for_finance", "plan_reminders"]]:
    edge = runtime.context
    contacts = intake.request_missing_contacts(edge, state["inbound_id"], state.get("invoice_ids", []))
    waiting = contacts + intake.open_reviews(edge, state.get("document_ids", []))
    return Command(
        update={"waiting_task_ids": waiting}, goto="wait_for_finance" if waiting else "plan_reminders"
    )


def wait_for_finance(state: MessageState) -> Command[Literal["record_documents"]]:
    # Nothing but the wait: this node runs again from its top when resumed.
    interrupt({"waiting_for_tasks": state.get("waiting_task_ids", [])})
    return Command(goto="record_documents")


def plan_reminders(state: MessageState, runtime: Node) -> Command[Literal["__end__"]]:
    invoices, credits = state.get("invoice_ids", []), state.get("credit_note_ids", [])
    return _done(intake.plan_outcome(runtime.context, state["inbound_id"], invoices, credits))


# Replies: finance's answer to a task, a customer's reply, a bounce, an auto-reply; or set aside.


def answer_task(state: MessageState, runtime: Node) -> Command[Literal["__end__"]]:
    return _done(reply_nodes.answer_task(runtime.context, state["inbound_id"]))


def read_customer_reply(state: MessageState, runtime: Node) -> Command[Literal["__end__"]]:
    return _done(reply_nodes.customer_reply(runtime.context, state["inbound_id"]))


def handle_bounce(state: MessageState, runtime: Node) -> Command[Literal["__end__"]]:
    return _done(reply_nodes.bounce(runtime.context, state["inbound_id"]))


def handle_auto_reply(state: MessageState, runtime: Node) -> Command[Literal["__end__"]]:
    return _done(reply_nodes.auto_reply(runtime.context, state["inbound_id"]))


def set_aside(state: MessageState, runtime: Node) -> Command[Literal["__end__"]]:
    return _done(intake.set_aside(runtime.context, state["inbound_id"], state.get("route", "other")))


def _done(outcome: str) -> Command[Literal["__end__"]]:
    return Command(update={"outcome": outcome}, goto=END)


# The assembly: every node above, and where a message enters. Where each goes is in its return type.

NODES = (
    classify_message,
    extract_documents,
    record_documents,
    ask_finance,
    wait_for_finance,
    plan_reminders,
    answer_task,
    read_customer_reply,
    handle_bounce,
    handle_auto_reply,
    set_aside,
)


def build_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> CompiledStateGraph:
    """The compiled graph; run it with `context=` the Runtime (`Agent` in flow/service.py does)."""
    graph = StateGraph(MessageState, context_schema=Runtime)
    for node_function in NODES:
        graph.add_node(node_function)
    graph.add_edge(START, "classify_message")
    return graph.compile(checkpointer=checkpointer)


def make_checkpointer(settings: Settings) -> BaseCheckpointSaver[Any]:
    """Where interrupted threads are kept: beside the data in PostgreSQL when the database is
    PostgreSQL (so every host running relance resumes the same threads), else a SQLite file."""
    url = make_url(settings.effective_database_url)
    if url.get_backend_name() != "postgresql":
        return sqlite_checkpointer(settings.checkpoint_path)
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg import Connection
    from psycopg.rows import dict_row

    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    # autocommit: each checkpoint is durable when the node returns (synchronous durability)
    connection = Connection.connect(libpq_url, autocommit=True, prepare_threshold=0, row_factory=dict_row)
    saver = PostgresSaver(connection)  # type: ignore[arg-type]
    saver.setup()
    return saver


def sqlite_checkpointer(path: Path) -> SqliteSaver:
    """A durable checkpointer in its own file (its tables are the library's, not our schema's)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    saver = SqliteSaver(sqlite3.connect(str(path), check_same_thread=False))
    saver.setup()
    return saver


def thread_config(content_hash: str) -> dict[str, Any]:
    """One thread per inbound message: keyed by its whole content hash (unique among inbound rows), not
    by its Message-ID, which a sender chooses and two different messages may share."""
    return {"configurable": {"thread_id": f"inbound:{content_hash}"}}


def mermaid() -> str:
    return build_graph().get_graph().draw_mermaid()
