"""The flow: one inbound message through the agent graph, and the service around it.

graph.py           the graph, read top to bottom: state, nodes, assembly (start here)
inbound_policy.py  who may make the agent act, checked before any message is acted upon
intake.py          a forwarded document: read, checked, recorded, planned
reply_nodes.py     a reply: finance's answer to a task, a customer's reply, a bounce
service.py         `tick(now)`: keep every message, run it through the graph, dispatch what is due
keeping.py         a message's raw bytes and row, committed before anything reads it
claims.py          which worker runs which message's thread (a lease in the database)
loop.py            `relance run`: one worker's service loop under APScheduler
"""
