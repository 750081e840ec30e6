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
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Literal, TypedDict

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command, interrupt
from sqlalchemy.engine import make_url

from agent.flow import intake
from agent.flow import reply_nodes as answers
from agent.runtime import Runtime
from agent.settings import Settings

ROUTES = {  # classification -> the node that handles it; anything else is set aside, kept and visible
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


def build_graph(runtime: Runtime, checkpointer: BaseCheckpointSaver[Any] | None = None) -> CompiledStateGraph:
    def classify_message(
        state: MessageState,
    ) -> Command[
        Literal[
            "extract_documents",
            "answer_task",
            "read_customer_reply",
            "handle_bounce",
            "handle_auto_reply",
            "set_aside",
        ]
    ]:
        route = intake.classify(runtime, state["inbound_id"])
        goto = ROUTES.get(route, "set_aside")
        return Command(update={"route": route}, goto=goto)

    def extract_documents(state: MessageState) -> MessageState:
        return {"document_ids": intake.extract_documents(runtime, state["inbound_id"])}

    def record_documents(state: MessageState) -> MessageState:
        invoice_ids, credit_note_ids = intake.record_documents(runtime, state.get("document_ids", []))
        return {"invoice_ids": invoice_ids, "credit_note_ids": credit_note_ids}

    def ask_finance(state: MessageState) -> Command[Literal["wait_for_finance", "plan_reminders"]]:
        contacts = intake.request_missing_contacts(runtime, state["inbound_id"], state.get("invoice_ids", []))
        waiting = contacts + intake.open_reviews(runtime, state.get("document_ids", []))
        return Command(
            update={"waiting_task_ids": waiting}, goto="wait_for_finance" if waiting else "plan_reminders"
        )

    def wait_for_finance(state: MessageState) -> Command[Literal["record_documents"]]:
        # Nothing but the wait: this node runs again from its top when resumed.
        interrupt({"waiting_for_tasks": state.get("waiting_task_ids", [])})
        return Command(goto="record_documents")

    def plan_reminders(state: MessageState) -> MessageState:
        invoices, credits = state.get("invoice_ids", []), state.get("credit_note_ids", [])
        return {"outcome": intake.plan_outcome(runtime, state["inbound_id"], invoices, credits)}

    def answer_task(state: MessageState) -> MessageState:
        return {"outcome": answers.answer_task(runtime, state["inbound_id"])}

    def read_customer_reply(state: MessageState) -> MessageState:
        return {"outcome": answers.customer_reply(runtime, state["inbound_id"])}

    def handle_bounce(state: MessageState) -> MessageState:
        return {"outcome": answers.bounce(runtime, state["inbound_id"])}

    def handle_auto_reply(state: MessageState) -> MessageState:
        return {"outcome": answers.auto_reply(runtime, state["inbound_id"])}

    def set_aside(state: MessageState) -> MessageState:
        return {"outcome": intake.set_aside(runtime, state["inbound_id"], state.get("route", "other"))}

    graph = StateGraph(MessageState)
    graph.add_node("classify_message", classify_message)
    graph.add_node("extract_documents", extract_documents)
    graph.add_node("record_documents", record_documents)
    graph.add_node("ask_finance", ask_finance)
    graph.add_node("wait_for_finance", wait_for_finance)
    graph.add_node("plan_reminders", plan_reminders)
    graph.add_node("answer_task", answer_task)
    graph.add_node("read_customer_reply", read_customer_reply)
    graph.add_node("handle_bounce", handle_bounce)
    graph.add_node("handle_auto_reply", handle_auto_reply)
    graph.add_node("set_aside", set_aside)
    graph.add_edge(START, "classify_message")
    graph.add_edge("extract_documents", "record_documents")
    graph.add_edge("record_documents", "ask_finance")
    graph.add_edge("plan_reminders", END)
    graph.add_edge("answer_task", END)
    for terminal in ("read_customer_reply", "handle_bounce", "handle_auto_reply", "set_aside"):
        graph.add_edge(terminal, END)
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


def mermaid(runtime: Runtime) -> str:
    return build_graph(runtime).get_graph().draw_mermaid()
